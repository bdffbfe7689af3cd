"""Coordinates written in an alert never reach the group, whatever their format (issue 8)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fakegram.server import FakeTelegram
from tests.support import ALERT_AT, Squad, code_of, is_send, make_settings, running_bot

# Any run of the coordinates' digits: "26.2041", "26,2041", "2041", "28.0473", "0473" …
LEAKS = re.compile(r"26[.,]20|2041|28[.,]04|0473|26[.,]15|1500|28[.,]05|0500")


@pytest.mark.parametrize(
    "text",
    [
        "/alert I am at 26.2041S 28.0473E help",
        "/alert -26,2041 28,0473 help",
        "/alert at -26.2041, 28.0473, they took her to -26.1500, 28.0500 help",
    ],
)
async def test_a_private_alert_with_coordinates_shows_none_in_the_group(
    fake: FakeTelegram, db_path: Path, text: str
) -> None:
    async with running_bot(make_settings(fake, db_path, max_offers=1)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        sipho = fake.user(202, "Sipho")
        await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
        await squad.join(sipho, ALERT_AT[0] + 0.018, ALERT_AT[1])
        await squad.ask(squad.lead, "/busy")
        mark = await squad.say(thandi, text, private=True)
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        code = code_of(card)
        # The written pair is the location: Sipho's offer has a distance.
        offer = await fake.wait_for(is_send(sipho.id, f"#{code}"), after=mark)
        assert "Distance: 2.0 km" in offer.text, offer.text
        assert "help" in card.text and "help" in offer.text
        # Nobody answers: the alert escalates in the group and pages the lead.
        await fake.wait_for(is_send(squad.group.id, "Nobody has taken"), after=mark)
        await fake.wait_for(is_send(squad.lead.id, "Message to leads"), after=mark)
        await fake.idle()
        shown = [
            c
            for c in fake.calls[mark:]
            if c.method in ("sendMessage", "editMessageText")
            and c.chat_id in (squad.group.id, squad.lead.id, sipho.id)
        ]
        assert len(shown) >= 4
        for call in shown:
            assert not LEAKS.search(call.text), call.text
