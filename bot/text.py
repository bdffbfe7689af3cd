"""Making user input harmless: normalisation, control characters, length caps."""

from __future__ import annotations

import unicodedata

ALIAS_MAX = 32
SQUAD_NAME_MAX = 64
PLACE_NAME_MAX = 48
ALERT_TEXT_MAX = 1000
NOTE_MAX = 500

# Bidirectional overrides/isolates and zero-width characters can disguise a name.
_INVISIBLE = {
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069", "\u061c", "\u180e",
}  # fmt: skip


class TooLong(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"longer than {limit}")
        self.limit = limit


def clean(raw: str, *, limit: int, single_line: bool = True) -> str:
    """NFKC-normalise, drop invisible and control characters, fold spaces, cap length."""
    text = unicodedata.normalize("NFKC", raw)
    kept = []
    for ch in text:
        if ch in _INVISIBLE:
            continue
        if ch == "\n" and not single_line:
            kept.append(ch)
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co"):
            if ch in "\t\r\n":
                kept.append(" ")
            continue
        kept.append(ch)
    text = "".join(kept)
    if single_line:
        text = " ".join(text.split())
    else:
        text = "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()
    if len(text) > limit:
        raise TooLong(limit)
    return text


def clean_cut(raw: str, *, limit: int) -> str:
    """Like :func:`clean`, but cut to ``limit`` instead of refusing: for names we did not
    ask for (a Telegram first name). NFKC can make a name longer ("¼" is "1⁄4")."""
    return clean(raw, limit=18 * len(raw) + limit)[:limit].strip()  # NFKC grows 18x at most
