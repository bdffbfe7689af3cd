from __future__ import annotations

import random

import pytest
from geographiclib.geodesic import Geodesic

from bot.domain import CODE_ALPHABET, new_alert_code, normalise_code
from bot.geo import CoordinateError, Point, distance_m, find_coordinates, format_distance
from bot.i18n import distance


@pytest.mark.parametrize(
    ("text", "expected", "rest"),
    [
        ("-26.2041, 28.0473 help", (-26.2041, 28.0473), "help"),
        ("robbed at -26.2041 28.0473", (-26.2041, 28.0473), "robbed at"),
        ("2, 3 people hurt", None, "2, 3 people hurt"),
        ("help me now", None, "help me now"),
    ],
)
def test_find_coordinates(text: str, expected: tuple[float, float] | None, rest: str) -> None:
    point, remaining = find_coordinates(text)
    assert (None if point is None else (point.lat, point.lon)) == expected
    assert remaining == rest


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("91, 28.0473", "coords.lat_range"),
        ("91.5, 28.0473", "coords.lat_range"),
        ("-26.2, 181.5", "coords.lon_range"),
        ("abc, 28.0473", "coords.not_numbers"),
        ("nan, 1.5", "coords.not_numbers"),
    ],
)
def test_invalid_coordinates_are_refused(text: str, reason: str) -> None:
    with pytest.raises(CoordinateError) as info:
        find_coordinates(text)
    assert info.value.reason == reason


def test_codes_use_the_unambiguous_alphabet() -> None:
    for length in (4, 5, 6):
        for _ in range(200):
            code = new_alert_code(length)
            assert len(code) == length
            assert set(code) <= set(CODE_ALPHABET)
    assert not set("01OI") & set(CODE_ALPHABET)


def test_normalise_code() -> None:
    assert normalise_code("#ab3k") == "AB3K"
    assert normalise_code("AB0K") is None  # zero is never in a code
    assert normalise_code("ABC") is None
    assert normalise_code("ABCDEFG") is None


def test_format_distance() -> None:
    """The core passes metres; they are formatted when rendered, in the reader's language."""
    assert format_distance(399) == {"metres": 399}
    assert distance(399, "en") == "400 m"
    assert distance(2010, "en") == "2.0 km"
    assert distance(None, "en") == "?"
    assert distance(20, "en") == "< 50 m"


def test_distances_agree_with_geopys_engine_to_a_millimetre_near_and_far() -> None:
    """README, Candidates: the ranking's distance is the WGS-84 geodesic (Vincenty's formula,
    Karney's where Vincenty does not settle), the same metres as geopy's engine."""
    rng = random.Random(14)
    pairs = []
    for _ in range(3000):  # within a city, then anywhere on Earth
        lat, lon = rng.uniform(-35, 35), rng.uniform(-180, 180)
        pairs.append((lat, lon, lat + rng.uniform(-0.2, 0.2), lon + rng.uniform(-0.2, 0.2)))
        pairs.append(
            (
                rng.uniform(-90, 90),
                rng.uniform(-180, 180),
                rng.uniform(-90, 90),
                rng.uniform(-180, 180),
            )
        )
    pairs += [(0.0, 0.0, 0.5, 179.7), (10.0, 20.0, -10.0, -160.0), (-26.2, 28.0, -26.2, 28.0)]
    for lat1, lon1, lat2, lon2 in pairs:
        karney = Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]
        assert abs(distance_m(Point(lat1, lon1), Point(lat2, lon2)) - karney) < 0.001


def test_reading_an_enum_back_gives_its_member_and_the_enums_own_error() -> None:
    from bot.domain import AlertState, reader
    from bot.intents import Priority

    state = reader(AlertState)
    assert state("offered") is AlertState.OFFERED
    with pytest.raises(ValueError):
        state("no such state")  # as AlertState("no such state")
    priority = reader(Priority)
    assert priority(0) is Priority.URGENT
    assert priority(Priority.HIGH) is Priority.HIGH
