"""Who is in the sandbox's squad, and the small drawn map they share locations on.

Made-up people in a made-up neighbourhood: the map is a plain grid over a patch of about
1.5 km by 1.5 km, and the page shows grid positions, never coordinates. The bot stores and
ranks real coordinates, as it would in Telegram, so distances in offers are real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import render


class Role(StrEnum):
    """What a persona is in the squad (what the sandbox sets up, not what the bot stores)."""

    REPORTER = "reporter"  # someone in the group who is not a member: raises alerts
    MEMBER = "member"
    LEAD = "lead"
    OBSERVER = "observer"


@dataclass(frozen=True)
class Spot:
    """A point on the drawn map: ``x`` from west (0) to east (1), ``y`` from north (0) to
    south (1)."""

    x: float
    y: float


@dataclass(frozen=True)
class Persona:
    key: str  # the page's name for them
    user_id: int  # their Telegram user id in the fake Telegram (also their private chat)
    name: str  # their Telegram first name (the squad's alias for them by default)
    role: Role
    skill: str | None = None  # a bot.domain.Skill value they switch on at setup
    home: Spot | None = None  # where they share their location at setup

    def description(self, lang: str) -> str:
        """What the page says they are: their role, and the skill they switch on (named as
        the bot names it)."""
        role = render(f"sandbox.role.{self.role.value}", None, lang)
        if self.skill is None:
            return role
        skill = render(f"skill.{self.skill}", None, lang)
        return render("sandbox.role.skilled", {"role": role, "skill": skill}, lang)


GROUP_ID = -1001
GROUP_TITLE = "Hillbrow Squad"

CAST: tuple[Persona, ...] = (
    Persona("zanele", 201, "Zanele", Role.REPORTER),
    Persona("thandi", 202, "Thandi", Role.MEMBER, "paralegal", Spot(0.55, 0.47)),
    Persona("sipho", 203, "Sipho", Role.MEMBER, "health", Spot(0.30, 0.36)),
    Persona("lerato", 204, "Lerato", Role.MEMBER, None, Spot(0.74, 0.70)),
    Persona("bongani", 205, "Bongani", Role.MEMBER, None, Spot(0.16, 0.18)),
    Persona("nomsa", 100, "Nomsa", Role.LEAD, None, Spot(0.42, 0.86)),
    Persona("sam", 206, "Sam", Role.OBSERVER),
)

BY_KEY = {p.key: p for p in CAST}
LEAD = BY_KEY["nomsa"]


@dataclass(frozen=True)
class Place:
    """A place the squad saves (``/place add``, named in the sandbox's language) and the
    page offers as a preset (by ``key``)."""

    key: str
    spot: Spot

    def name(self, lang: str) -> str:
        return render(f"sandbox.place.{self.key}", None, lang)


PLACES: tuple[Place, ...] = (
    Place("taxi_rank", Spot(0.64, 0.58)),
    Place("clinic", Spot(0.28, 0.28)),
    Place("police", Spot(0.82, 0.20)),
    Place("park", Spot(0.22, 0.76)),
    Place("shelter", Spot(0.50, 0.12)),
)
BY_PLACE = {p.key: p for p in PLACES}


@dataclass(frozen=True)
class Area:
    """The patch of the world the drawn map covers."""

    north: float
    south: float
    west: float
    east: float

    def point(self, spot: Spot) -> tuple[float, float]:
        """Latitude and longitude of a spot on the map (clamped to the map)."""
        x, y = _clamp(spot.x), _clamp(spot.y)
        lat = self.north + (self.south - self.north) * y
        lon = self.west + (self.east - self.west) * x
        return round(lat, 6), round(lon, 6)

    def spot(self, lat: float, lon: float) -> Spot:
        """Where a coordinate falls on the map (a point outside is drawn at the edge)."""
        x = (lon - self.west) / (self.east - self.west)
        y = (lat - self.north) / (self.south - self.north)
        return Spot(round(_clamp(x), 4), round(_clamp(y), 4))


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


# Hillbrow, Johannesburg: about 1.5 km from side to side.
AREA = Area(north=-26.1830, south=-26.1965, west=28.0395, east=28.0545)
