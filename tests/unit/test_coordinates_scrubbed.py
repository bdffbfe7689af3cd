"""Coordinates written in an alert, in any common format, never reach the group.

Hypothesis writes a coordinate pair in many formats (decimal with a dot or a comma,
hemisphere letters or words before or after, degrees-minutes(-seconds), lon first,
several pairs, plus codes) inside free text. The first pair must be read as the
location, and every one of them must be gone from the text that is stored and shown.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.geo import CoordinateError, find_coordinates, scrub_coordinates
from bot.intents import Intent
from bot.messages import render
from bot.services import Services
from bot.text import ALERT_TEXT_MAX, clean
from tests.support import Clock, World, unit_settings

WORDS = st.lists(
    st.sampled_from(
        ["help", "I", "am", "at", "near", "the", "taxi", "rank", "please", "come", "hurt",
         "now", "Hillbrow", "corner", "!", "?", "(", ")", "-", ",", ".", "\n"]
    ),
    max_size=6,
).map(" ".join)  # fmt: skip
LAT = st.floats(-90, 90, allow_nan=False, allow_infinity=False)
LON = st.floats(-180, 180, allow_nan=False, allow_infinity=False)
OLC = "23456789CFGHJMPQRVWX"


@dataclass(frozen=True)
class Written:
    text: str
    lat: float
    lon: float
    tolerance: float


def _hemi(value: float, axis: str, style: str) -> str:
    letter = ("N" if value >= 0 else "S") if axis == "lat" else ("E" if value >= 0 else "W")
    words = {"N": "North", "S": "South", "E": "East", "W": "West"}
    return {"letter": letter, "word": words[letter], "lower": letter.lower()}[style]


@st.composite
def written_pair(draw: st.DrawFn) -> Written:
    """One pair, written the way a person might write it."""
    lat, lon = draw(LAT), draw(LON)
    style = draw(
        st.sampled_from(["dot", "comma", "suffix", "prefix", "degrees", "dms", "dm", "int"])
    )
    lon_first = style in ("suffix", "prefix", "degrees", "dms", "dm") and draw(st.booleans())
    d = draw(st.integers(1, 7))
    minus = draw(st.sampled_from(["-", "−"]))

    def signed(v: float, decimals: int) -> str:
        body = f"{abs(v):.{decimals}f}"
        return (minus + body) if v < 0 else body

    def hemi(v: float, axis: str) -> str:
        return _hemi(v, axis, draw(st.sampled_from(["letter", "word", "lower"])))

    if style == "dot":
        sep = draw(st.sampled_from([", ", ",", " ", "; ", ";", " / ", "  ,  "]))
        label = draw(st.sampled_from([("", ""), ("lat ", " lon "), ("lat: ", ", lon: ")]))
        if label[0]:
            sep = label[1]
        text = f"{label[0]}{signed(lat, d)}{sep}{signed(lon, d)}"
        return Written(text, lat, lon, 0.5 * 10**-d)
    if style == "comma":
        # "1,234,167,890" is a number: comma decimals joined by a bare comma need 4+ here.
        sep = draw(st.sampled_from([" ", ", ", "; "] + ([","] if d >= 4 else [])))
        text = f"{signed(lat, d).replace('.', ',')}{sep}{signed(lon, d).replace('.', ',')}"
        return Written(text, lat, lon, 0.5 * 10**-d)
    if style == "int":
        la, lo = round(lat), round(lon)
        space = draw(st.sampled_from(["", " "]))
        sep = draw(st.sampled_from([" ", ", "]))
        north = f"{abs(la)}{space}{_hemi(la, 'lat', 'letter')}"
        east = f"{abs(lo)}{space}{_hemi(lo, 'lon', 'letter')}"
        text = f"{north}{sep}{east}"
        return Written(text, float(la), float(lo), 0.5)

    def one(v: float, axis: str) -> tuple[str, float, bool]:
        """One half: its text, how precise it is, and whether a letter says its axis."""
        space = draw(st.sampled_from(["", " "]))
        if style in ("suffix", "prefix"):
            letter = hemi(v, axis)
            if letter.islower():  # a lower-case letter only counts right next to the number
                if style == "prefix":
                    return f"{letter}{abs(v):.{d}f}", 0.5 * 10**-d, True
                return f"{abs(v):.{d}f}{letter}", 0.5 * 10**-d, True
            if style == "suffix":
                return f"{abs(v):.{d}f}{space}{letter}", 0.5 * 10**-d, True
            return f"{letter}{space}{abs(v):.{d}f}", 0.5 * 10**-d, True
        if style == "degrees":
            return f"{abs(v):.{d}f}°{space}{_hemi(v, axis, 'letter')}", 0.5 * 10**-d, True
        deg_mark = draw(st.sampled_from(["°", "º"]))
        if style == "dm":
            total = round(abs(v) * 60000)
            body = f"{total // 60000}{deg_mark}{space}{(total % 60000) / 1000:.3f}'"
            tol = 0.0005 / 60 + 1e-9
        else:
            total = round(abs(v) * 36000)
            m_mark, s_mark = draw(st.sampled_from([("'", '"'), ("′", "″"), ("’", "”")]))
            minutes = (total % 36000) // 600
            secs = f"{(total % 600) / 10:.1f}"
            body = f"{total // 36000}{deg_mark}{space}{minutes}{m_mark}{space}{secs}{s_mark}"
            tol = 0.05 / 3600 + 1e-9
        if draw(st.booleans()):
            return f"{body}{space}{_hemi(v, axis, 'letter')}", tol, True
        return (minus + body if v < 0 else body), tol, False

    lat_text, tol_a, lettered_a = one(lat, "lat")
    lon_text, tol_b, lettered_b = one(lon, "lon")
    if lon_first and lettered_a and lettered_b:  # "28.0473E 26.2041S"
        lat_text, lon_text = lon_text, lat_text
    sep = draw(st.sampled_from([" ", ", ", "; "]))
    return Written(f"{lat_text}{sep}{lon_text}", lat, lon, max(tol_a, tol_b))


PLUS_CODE = st.one_of(
    st.tuples(st.text(OLC, min_size=8, max_size=8), st.text(OLC, min_size=2, max_size=3)),
    st.tuples(st.text(OLC, min_size=4, max_size=4), st.text(OLC, min_size=2, max_size=3)),
).map(lambda parts: f"{parts[0]}+{parts[1]}")


def _letters(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+", text)


@settings(max_examples=2000, deadline=None)
@given(WORDS, written_pair(), WORDS)
def test_every_format_is_read_as_the_location_and_removed(
    before: str, written: Written, after: str
) -> None:
    text = clean(f"{before} {written.text} {after}", limit=ALERT_TEXT_MAX, single_line=False)
    point, rest = find_coordinates(text)
    assert point is not None, text
    assert abs(point.lat - written.lat) <= written.tolerance + 1e-9, (text, point)
    assert abs(point.lon - written.lon) <= written.tolerance + 1e-9, (text, point)
    assert not re.search(r"\d", rest), (text, rest)
    assert _letters(rest) == _letters(f"{before} {after}"), (text, rest)


@settings(max_examples=1000, deadline=None)
@given(WORDS, written_pair(), WORDS, written_pair(), WORDS, PLUS_CODE)
def test_several_pairs_and_plus_codes_are_all_removed_and_the_first_is_the_location(
    a: str, first: Written, b: str, second: Written, c: str, plus_code: str
) -> None:
    text = f"{a} {first.text} {b}, {second.text} {c} {plus_code}"
    try:
        point, rest = find_coordinates(text)
    except CoordinateError:
        pytest.fail(f"a valid first pair was refused: {text!r}")
    assert point is not None
    assert abs(point.lat - first.lat) <= first.tolerance + 1e-9, (text, point)
    assert not re.search(r"\d", rest), (text, rest)
    assert not re.search(r"\d", scrub_coordinates(text)), text


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("I am at 26.2041S 28.0473E help", "I am at help"),
        ("-26,2041 28,0473 help", "help"),
        ("at -26.2041, 28.0473, he went to -26.1500, 28.0500", "at, he went to"),
        ("26°12'14.8\"S 28°2'50.3\"E by the rank", "by the rank"),
        ("meet at 5G6R+QX near the clinic", "meet at near the clinic"),
        ("still here at 26.2041S", "still here at"),
        ("-26.2041 then gone", "then gone"),
        ("s26.2041 e28.0473 help", "help"),
        ("at26.2041,28.0473 now", "at now"),
        ("still at 26°12' now, or -26,2041", "still at now, or"),
    ],
)
def test_scrubbing_removes_what_the_issue_reported(text: str, rest: str) -> None:
    assert scrub_coordinates(text) == rest


@pytest.mark.parametrize(
    "text",
    [
        "2, 3 people hurt",
        "they took 1,000,000 rand and 1,500 more, 1,234,167,890 in all",
        "fever 38.5°, since 26.11.2026 12:30",
        "25+ people, 12.5-13.5 km away, flat 5E",
        "C++ and 2+2",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert find_coordinates(text) == (None, text)


# -- through the core: what is stored and what every message shows ---------------------


def _digits_outside(rendered: str, *allowed: str | None) -> list[str]:
    for part in allowed:
        if part:
            rendered = rendered.replace(part, "")
    # Distances ("400 m", "4,177.5 km") and ages ("from your location 2 hours ago") are not places.
    rendered = re.sub(
        r"(?:< )?\d[\d,]*(?:\.\d)? k?m\b|\d+ (?:second|minute|hour|day|week|month|year)s? ago",
        "",
        rendered,
    )
    return re.findall(r"\d+", rendered)


def test_no_message_about_an_alert_carries_its_coordinates(tmp_path: Path) -> None:
    """Card (escalated too), offer, lead page and reporter messages, for 200 generated alerts
    raised in the group and in private."""
    loop = asyncio.new_event_loop()
    clock = Clock()
    services = Services.build(unit_settings(tmp_path / "coords.sqlite3"), clock=clock)
    world = World(services, clock)
    loop.run_until_complete(services.open())
    loop.run_until_complete(world.setup())
    loop.run_until_complete(world.member("Thandi", -26.2, 28.04))
    world.users["Zanele"] = 900

    async def one(before: str, written: Written, after: str, private: bool, extra: str) -> None:
        caller = world.private("Nomsa") if private else world.group("Zanele")
        text = f"{before} {written.text} {after} {extra}"
        async with services.core.store.reading() as db:
            async with db.execute("SELECT coalesce(max(id), 0) FROM outbox") as cur:
                (mark,) = await cur.fetchone()
        reply = await services.alerts.raise_alert(caller, text)
        assert reply.ok, (text, reply)
        async with services.core.store.reading() as db:
            async with db.execute("SELECT max(id) AS id FROM alerts") as cur:
                alert_id = (await cur.fetchone())["id"]
        clock.advance(400)  # the offer times out, and the alert escalates
        await world.fire_due()
        clock.advance(400)
        await world.fire_due()
        async with services.core.store.reading() as db:
            async with db.execute(
                "SELECT code, text, lat, lon, area_label, reporter_alias FROM alerts WHERE id = ?",
                (alert_id,),
            ) as cur:
                code, stored, lat, lon, area, alias = await cur.fetchone()
            # Its messages, and the squad's board (the card) since it was raised.
            async with db.execute(
                "SELECT payload FROM outbox WHERE id > ? AND (alert_id = ?"
                " OR (alert_id IS NULL AND json_extract(payload, '$.role') = 'card'))",
                (mark, alert_id),
            ) as cur:
                payloads = [r[0] for r in await cur.fetchall()]
        assert abs(lat - written.lat) <= written.tolerance + 1e-9, (text, lat)
        assert abs(lon - written.lon) <= written.tolerance + 1e-9, (text, lon)
        assert not re.search(r"\d", stored), (text, stored)
        roles = set()
        for payload in payloads:
            intent = Intent.from_json(payload)
            roles.add(intent.role.value)
            if intent.text is None:
                continue
            shown = render(intent.text.key, intent.text.params)
            assert _digits_outside(shown, code, area, alias) == [], (text, shown)
        assert {"card", "offer", "page"} <= roles, roles
        # Cancelled, so the next alert's board shows that alert alone (its card).
        assert (await services.alerts.cancel(world.group("Nomsa"), code)).ok
        await world.deliver_all()

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(WORDS, written_pair(), WORDS, st.booleans(), st.one_of(st.just(""), PLUS_CODE))
    def check(before: str, written: Written, after: str, private: bool, extra: str) -> None:
        loop.run_until_complete(one(before, written, after, private, extra))

    try:
        check()
    finally:
        loop.run_until_complete(services.close())
        loop.close()
