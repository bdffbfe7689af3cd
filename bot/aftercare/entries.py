"""What a lead types for a directory entry, read into plain values (pure): the category
word, a phone number, and the one-line form of ``/service add``.

    /service add clinic Hillbrow Clinic | -26.1913, 28.0434 | mon-fri 08:00-16:00
                 | +27 11 555 0101 | ask for the nurse on duty         (all on one line)

The place is coordinates or the name of a saved place (the core looks it up); the phone
number and the note may be left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.aftercare.hours import Hours, HoursError
from bot.aftercare.hours import parse as parse_hours
from bot.aftercare.model import CATEGORY_ALIASES, Category
from bot.geo import CoordinateError, Point, find_coordinates

SERVICE_NAME_MAX = 60
SERVICE_NOTE_MAX = 200
PHONE_MIN_DIGITS = 7
PHONE_MAX_DIGITS = 15  # E.164
CATEGORY_WORDS = ", ".join(c.value for c in Category)

_PHONE_SPACING = re.compile(r"[\s\-./()]")


class EntryError(ValueError):
    """Something typed does not read: ``key`` is the catalogue entry that says why, with
    ``params``."""

    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def category(word: str) -> Category:
    """``clinic``, ``care`` (or ``thuthuzela``), ``pep``, ``legal`` (or ``lawyer``), ..."""
    raw = word.strip().lower()
    try:
        return Category(raw)
    except ValueError:
        pass
    found = CATEGORY_ALIASES.get(raw)
    if found is None:
        raise EntryError("service.unknown_category", raw=word[:24], words=CATEGORY_WORDS)
    return found


def phone(raw: str) -> str:
    """A phone number, as typed (``+27 11 555 0101``): 7 to 15 digits, optionally after one
    ``+``, with spaces, dashes, dots or brackets between them if the lead likes."""
    typed = " ".join(raw.split())
    compact = _PHONE_SPACING.sub("", typed)
    digits = compact[1:] if compact.startswith("+") else compact
    if not digits.isascii() or not digits.isdigit():
        raise EntryError("service.bad_phone", raw=typed[:24])
    if not PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS:
        raise EntryError("service.bad_phone", raw=typed[:24])
    return typed


def hours(raw: str) -> Hours:
    try:
        return parse_hours(raw)
    except HoursError as exc:
        raise EntryError("service.bad_hours", raw=exc.raw[:24]) from exc


@dataclass(frozen=True)
class Where:
    """The place of an entry: coordinates, or the name of a saved place."""

    point: Point | None = None
    place_name: str = ""


def where(raw: str) -> Where:
    """Coordinates (any form ``/alert`` reads) or a saved place's name."""
    try:
        point, rest = find_coordinates(raw)
    except CoordinateError as exc:
        raise EntryError(exc.reason) from exc
    if point is not None:
        if rest.strip(" ,;"):
            raise EntryError("service.place_usage")
        return Where(point=point)
    if not raw.strip():
        raise EntryError("service.place_usage")
    return Where(place_name=raw.strip())


@dataclass(frozen=True)
class NewService:
    """``/service add`` in one line, read; the core cleans the words and finds the place."""

    category: Category
    name: str
    where: Where
    hours: Hours
    phone: str | None = None
    note: str = ""


def one_line(text: str) -> NewService:
    """``CATEGORY NAME | PLACE | HOURS [| PHONE [| NOTE]]``."""
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 3 or len(parts) > 5:
        raise EntryError("service.usage", words=CATEGORY_WORDS)
    head = parts[0].split(maxsplit=1)
    if len(head) < 2:
        raise EntryError("service.usage", words=CATEGORY_WORDS)
    kind = category(head[0])
    number = phone(parts[3]) if len(parts) > 3 and parts[3] not in ("", "-") else None
    note = parts[4] if len(parts) > 4 else ""
    return NewService(kind, head[1], where(parts[1]), hours(parts[2]), number, note)
