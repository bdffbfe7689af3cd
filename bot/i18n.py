"""Rendering a catalogue key in the reader's language.

English is the source (``bot.messages.EN``); every other language is a gettext catalogue
``bot/locale/<lang>/LC_MESSAGES/squadline.po``, compiled to ``.mo`` by ``make translations``
(see ``bot/catalogues.py``). The message ids are the catalogue keys. A key a language lacks
falls back to English.

The core passes raw values; they are formatted here, in the reader's language, with Babel:
``{"metres": m}`` (a distance), ``{"seconds": s}`` (a duration), ``{"items": [...]}``
(a list), ``{"at": epoch}`` (a moment, in UTC, or in ``"tz"``), ``{"day": epoch, "tz": zone}``
(a date), ``{"month": epoch, "tz": zone}`` (a month and year), ``{"amount": "12.50",
"currency": "ZAR"}`` (money: an exact decimal, as text), and plain numbers.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.units import format_unit

from bot.messages import EN, PLURALS

log = logging.getLogger(__name__)

DOMAIN = "squadline"
LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE = "en"
# Every language the bot speaks, by its own name (the /language buttons show these).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "zu": "isiZulu",
    "af": "Afrikaans",
    "pt": "Português",
    "sw": "Kiswahili",
}


def supported(code: str | None) -> str | None:
    """The language the bot speaks for a Telegram ``language_code`` (``pt-br`` → ``pt``)."""
    if not code:
        return None
    primary = code.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in LANGUAGES else None


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations | None:
    """The compiled catalogue of ``lang``; compiled in memory if the ``.mo`` is missing or
    older than its ``.po`` (so a checkout that skipped ``make translations`` still speaks)."""
    if lang == SOURCE or lang not in LANGUAGES:
        return None
    po = po_path(lang)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    if not po.exists():
        log.warning("no catalogue for language %s; using English", lang)
        return None
    log.warning("catalogue %s is not compiled (run make translations); compiling it now", lang)
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@functools.cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang if lang in LANGUAGES else SOURCE)


def template(key: str, lang: str, count: int | None = None) -> str:
    """The sentence for ``key`` in ``lang`` (English if that language lacks it)."""
    catalogue = translations(lang)
    plural = PLURALS.get(key)
    if plural is not None:
        count = 2 if count is None else count  # no number given: the "many" sentence
        if catalogue is not None:
            got = catalogue.ngettext(key, key, count)
            if got != key:
                return got
        return plural[1] if count == 1 else EN[key]
    if catalogue is not None:
        got = catalogue.gettext(key)
        if got != key:
            return got
    return EN.get(key) or key


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(key: str, params: Mapping[str, Any] | None = None, lang: str = SOURCE) -> str:
    """Render a catalogue entry in ``lang``. An unknown key renders as the key, never raises."""
    params = params or {}
    plural = PLURALS.get(key)
    count = params.get(plural[0]) if plural is not None else None
    sentence = template(key, lang, _plural_count(count))
    values = _Defaulting({k: _resolve(v, lang) for k, v in params.items()})
    try:
        return sentence.format_map(values)
    except (ValueError, IndexError, AttributeError, KeyError):
        log.warning("catalogue entry %s in %s does not format; using English", key, lang)
        return (EN.get(key) or key).format_map(values)


def _plural_count(value: Any) -> int | None:
    """The number that picks a plural form: 1.5 hours takes the form of 2, not of 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if float(value).is_integer() else 2


def _resolve(value: Any, lang: str) -> Any:
    """Nested texts (``{"key": ..., "params": ...}``) and raw values, in ``lang``."""
    if isinstance(value, dict):
        if "key" in value:
            return render(value["key"], value.get("params"), lang)
        if "metres" in value:
            return distance(value["metres"], lang)
        if "seconds" in value:
            return duration(value["seconds"], lang)
        if "span" in value:
            return span(value["span"], lang)
        if "items" in value:
            items = [str(_resolve(v, lang)) for v in value["items"]]
            return format_list(items, locale=_locale(lang)) if items else ""
        if "at" in value:
            return when(value["at"], lang, value.get("tz"))
        if "day" in value:
            return day(value["day"], lang, value["tz"])
        if "month" in value:
            moment = datetime.fromtimestamp(value["month"], _zone(value.get("tz")))
            return str(format_date(moment, "LLLL y", locale=_locale(lang)))
        if "amount" in value:
            return money(value["amount"], value.get("currency") or "", lang)
        return value
    if isinstance(value, list):
        return "\n".join(str(_resolve(v, lang)) for v in value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return format_decimal(value, locale=_locale(lang))
    return value


def money(amount: str, currency: str, lang: str) -> str:
    """An exact amount in the reader's way of writing money ("R 12,50", "R12.50"). Never
    rounded: a currency whose usual form has no cents (UGX, RWF, XOF) still shows them."""
    value = Decimal(amount)
    if not currency:
        return str(format_decimal(value, format="#,##0.00", locale=_locale(lang)))
    return str(format_currency(value, currency, locale=_locale(lang), decimal_quantization=False))


def distance(metres: float | None, lang: str) -> str:
    """450 m, 2.0 km: metres rounded to 50 under a kilometre, else km to one decimal."""
    if metres is None:
        return "?"
    if metres < 50:
        return "< " + _length(50, "length-meter", lang)
    if metres < 1000:
        return _length(round(metres / 50) * 50, "length-meter", lang)
    return _length(round(metres / 1000, 1), "length-kilometer", lang)


@functools.lru_cache(maxsize=4096)
def _length(value: float, unit: str, lang: str) -> str:
    """Every offer shows a distance, and rounded there are few: each is formatted once."""
    fmt = "#,##0.0" if unit == "length-kilometer" else None
    return str(format_unit(value, unit, length="short", format=fmt, locale=_locale(lang)))


def _zone(tz: str | None) -> tzinfo:
    return ZoneInfo(tz) if tz else UTC


def when(at: float, lang: str, tz: str | None = None) -> str:
    """A moment in UTC (or the zone ``tz`` names): the day spelled the reader's way (no 11/12
    doubt), a 24-hour time."""
    zone = _zone(tz)
    moment = datetime.fromtimestamp(at, zone)
    shown = format_date(moment, "medium", locale=_locale(lang))
    return f"{shown} {format_time(moment, 'HH:mm', tzinfo=zone, locale=_locale(lang))}"


def day(at: float, lang: str, tz: str | None = None) -> str:
    """The date of a moment in the zone ``tz`` names, with its weekday, the reader's way."""
    moment = datetime.fromtimestamp(at, _zone(tz))
    return str(format_date(moment, "full", locale=_locale(lang)))


_UNITS = (86400, 3600, 60, 1)
# A span is said in the largest of these units that measures it exactly.
_SPANS = ((7 * 86400, "duration-week"), (86400, "duration-day"), (3600, "duration-hour"),
          (60, "duration-minute"), (1, "duration-second"))  # fmt: skip


def span(seconds: float, lang: str) -> str:
    """A set length of time, exactly: 6 weeks stays "6 weeks" (a duration would round it to
    "1 month"), 36 hours is "36 hours"."""
    s = max(0, round(seconds))
    size, unit = next(((n, u) for n, u in _SPANS if s and s % n == 0), _SPANS[-1])
    return str(format_unit(s // size, unit, length="long", locale=_locale(lang)))


def duration(seconds: float, lang: str) -> str:
    """A whole number of the largest unit that fits (90 s is "1 minute"), in words."""
    s = max(0, int(seconds))
    unit = next((u for u in _UNITS if s >= u), 1)
    floored = max(s // unit, 1 if s else 0) * unit
    return str(
        format_timedelta(
            timedelta(seconds=floored), threshold=1, format="long", locale=_locale(lang)
        )
    )
