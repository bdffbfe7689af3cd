"""The text catalogue: every user-facing string, keyed, ready for translation.

Messages are sent as plain text (no parse mode), so user-supplied values can never
inject markup. Tests import the keys instead of copying strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bot.english import EN as EN  # the English source, re-exported

# Keys whose sentence depends on a number: the param that counts, and the English sentence
# for exactly one (the entry above is the sentence for any other number). Each language's
# .po has a plural entry for these, with that language's plural forms.
PLURALS: dict[str, tuple[str, str]] = {
    "too_long": ("limit", "That is too long: at most {limit} character, please."),
    "note.purged": (
        "days",
        "#{code} ended more than {days} day ago, so its records were deleted. A note can no longer be added.",
    ),
    "location.saved": (
        "ttl_hours",
        "Got your location. Thank you; I keep it for {ttl_hours} hour and show it to nobody.",
    ),
    "alert.need_location_private": (
        "wait_s",
        "Where are you? Tap the button to share your location for #{code}. If nothing comes within {wait_s} second, I alert the whole squad anyway.",
    ),
    "alert.need_location_group": (
        "wait_s",
        "Where is it? Reply to this message with the place, or with a pin (📎 → Location), for #{code}. Or tap below to send your location privately. If nothing comes within {wait_s} second, I alert the whole squad anyway.",
    ),
    "alert.where_private": (
        "wait_s",
        "🚨 #{code}: where are you? Tap 📍 below to share your location. A live location is best: 📎 → Location → Share my live location. If nothing comes within {wait_s} second, I alert the whole squad anyway.",
    ),
    "when.too_old": (
        "days",
        "That is more than {days} day ago. Please check the date and send it again.",
    ),
    "fund.pending": ("count", "Waiting for approval: {count} request, {amount}."),
    "fund.exported": ("count", "The ledger: {count} entry."),
    "warning.sent": ("count", "⚠️ The warning went to {count} member in private."),
    "held.lead_over_cap": (
        "cap",
        "⚠️ #{code} needs a lead: its reporter is not a member and already has {cap} open alert, so members were not asked.\n{text}\nArea: {area}",
    ),
}


def render(key: str, params: Mapping[str, Any] | None = None, lang: str = "en") -> str:
    """Render a catalogue entry in ``lang`` (see ``bot.i18n``); unknown keys never raise."""
    from bot.i18n import render as render_in

    return render_in(key, params, lang)


def t(key: str, **params: Any) -> dict[str, Any]:
    """A nested text value for use as a param (rendered in the reader's language)."""
    return {"key": key, "params": params}


# Raw values, formatted at render time in the reader's language (``bot.i18n``).


def format_age(seconds: float) -> dict[str, Any]:
    """A duration such as "5 minutes", in the reader's language."""
    return {"seconds": max(0, int(seconds))}


def span(seconds: float) -> dict[str, Any]:
    """A set length of time said exactly ("6 weeks", "36 hours"), in the reader's language."""
    return {"span": max(0, int(seconds))}


def listing(items: list[Any]) -> dict[str, Any]:
    """A list such as "Thandi, Sipho and Lerato", in the reader's language."""
    return {"items": list(items)}


def moment(at: float, tz: str | None = None) -> dict[str, Any]:
    """A date and time (UTC, or in the time zone ``tz`` names), in the reader's language."""
    return {"at": at} if tz is None else {"at": at, "tz": tz}


def month(at: float, tz: str) -> dict[str, Any]:
    """The month and year of a moment in the time zone ``tz`` names ("May 2026")."""
    return {"month": at, "tz": tz}


def money(amount: Decimal, currency: str | None) -> dict[str, Any]:
    """An exact amount of money; kept as text so it survives the outbox's JSON unchanged."""
    return {"amount": str(amount), "currency": currency or ""}


def day(at: float, tz: str) -> dict[str, Any]:
    """The date of a moment in the time zone ``tz`` names, in the reader's language."""
    return {"day": at, "tz": tz}
