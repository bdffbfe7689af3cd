"""Drills through Telegram (issue 15 §2): Nomsa types /drill in the squad's group; Thandi,
the nearest, gets an offer that says DRILL, accepts, gets a brief that says DRILL and a pin
that is a venue titled DRILL at a made-up place, and closes it. Once the phones are clean
the drill is gone from the database file, its WAL included, byte by byte. A member, a lead
in private and junk arguments are answered and change nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.geo import Point, distance_m
from bot.messages import render
from tests.fakegram.server import Call, FakeTelegram
from tests.support import (
    ALERT_AT,
    COORD_RE,
    Squad,
    bot_message,
    code_of,
    db_rows,
    db_snapshot,
    is_edit,
    is_send,
    make_settings,
    running_bot,
)
from tests.support.db import stored_bytes, traces

CLINIC = (-26.2000, 28.0400)
MARKER = render("drill.marker")


def is_venue(chat_id: int) -> object:
    return lambda c: c.method == "sendVenue" and c.chat_id == chat_id


async def gone(db_path: Path, code: str, timeout: float = 20.0) -> None:
    """Wait until the drill's row is deleted (it waits for its phones' clean-up)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while db_rows(db_path, "SELECT id FROM alerts WHERE code = ?", code):
        assert loop.time() < end, f"drill {code} was not deleted"
        await asyncio.sleep(0.2)


async def test_a_drill_says_drill_everywhere_and_leaves_no_byte_behind(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path)
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        await squad.ask(squad.lead, f"/place add Clinic {CLINIC[0]}, {CLINIC[1]}", private=True)
        thandi, sipho = fake.user(201, "Thandi"), fake.user(202, "Sipho")
        await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
        await squad.join(sipho, ALERT_AT[0] + 0.03, ALERT_AT[1])
        await fake.idle()

        mark = await squad.say(squad.lead, "/drill")
        card = await fake.wait_for(is_send(squad.group.id, "#"), after=mark)
        code = code_of(card)
        assert "DRILL" in card.text
        assert not COORD_RE.search(card.text)
        offer = await fake.wait_for(
            lambda c: c.method == "sendMessage" and f"#{code}" in c.text and c.chat_id > 0,
            after=mark,
        )
        assert offer.text.startswith(MARKER), offer.text
        taker = thandi if offer.chat_id == thandi.id else sipho

        mark = len(fake.calls)
        await fake.press(taker, bot_message(fake, offer), button=render("button.accept"))
        brief = await fake.wait_for(is_send(taker.id, "You have"), after=mark)
        assert brief.text.startswith(MARKER)
        pin = await fake.wait_for(is_venue(taker.id), after=mark)  # type: ignore[arg-type]
        assert pin.params["title"] == render("drill.pin_title")
        assert not [c for c in fake.calls[mark:] if c.method == "sendLocation"]
        where = Point(float(pin.params["latitude"]), float(pin.params["longitude"]))
        assert 499 <= distance_m(where, Point(*CLINIC)) <= 2001
        for member in (ALERT_AT[0] + 0.0036, ALERT_AT[1]), (ALERT_AT[0] + 0.03, ALERT_AT[1]):
            assert distance_m(where, Point(*member)) >= 400
        lead_notice = await fake.wait_for(is_send(squad.lead.id, f"#{code}"), after=mark)
        assert lead_notice.text.startswith(MARKER)

        await fake.press(taker, bot_message(fake, brief), button=render("button.close"))
        picker = await fake.wait_for(is_send(taker.id, "How did"), after=mark)
        assert picker.text.startswith(MARKER)
        mark = len(fake.calls)
        await fake.press(taker, bot_message(fake, picker), button=render("outcome.resolved"))
        closed: Call = await fake.wait_for(is_edit(taker.id, f"#{code} is closed"), after=mark)
        assert closed.text.startswith(MARKER)
        labels = [b["text"] for b in closed.buttons()]
        assert render("button.add_note") not in labels and render("button.record") not in labels
        # The phones are cleaned: the pin is deleted from Thandi's phone.
        await fake.wait_for(
            lambda c: c.method == "deleteMessage" and c.chat_id == taker.id, after=mark
        )
        await gone(db_path, code)
        await fake.idle()
        found = traces(
            stored_bytes(db_path),
            f"#{code}",
            code,
            where.lat,
            where.lon,
            str(pin.params["latitude"]),
            render("drill.words"),
            MARKER,
        )
        assert found == [], found
        # The real squad is still there, untouched.
        assert db_rows(db_path, "SELECT count(*) FROM members")[0][0] == 3
    found = traces(stored_bytes(db_path), code, where.lat, where.lon, render("drill.words"))
    assert found == [], found


async def test_drill_from_a_member_in_private_or_with_junk_is_answered_and_changes_nothing(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path)
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
        await fake.idle()
        asks = [
            (thandi, "/drill", False),  # a member, not a lead
            (squad.lead, "/drill", True),  # a lead, in private
            (squad.lead, "/drill tomorrow at nine", False),  # junk after it
            (squad.lead, "/drill " + "x" * 300, False),
        ]
        for who, text, private in asks:
            before = db_snapshot(db_path)
            answer = await squad.ask(who, text, private=private)
            assert answer.text and "#" not in answer.text, answer.text
            await fake.idle()
            assert db_snapshot(db_path) == before, text
        usage = await squad.ask(squad.lead, "/drill nonsense")
        assert "/drill TYPE" in usage.text
        assert db_rows(db_path, "SELECT count(*) FROM alerts")[0][0] == 0
