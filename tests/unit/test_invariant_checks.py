"""The kill -9 suite's check on offers as members see them (tests/reliability/invariants.py)
reports two copies of one offer that both act, and an open offer none of whose copies acts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.fakegram.server import FakeTelegram
from tests.reliability import invariants
from tests.support.world import World

HERE = (-26.2041, 28.0473)


def _copy_on_phone(
    fake: FakeTelegram, chat_id: int, message_id: int, alert_id: int, tag: str
) -> None:
    accept = {"text": "Accept", "callback_data": f"s1:acc:{alert_id}:{tag}"}
    fake.messages[(chat_id, message_id)] = {
        "message_id": message_id,
        "chat": {"id": chat_id, "type": "private"},
        "text": "can you help?",
        "reply_markup": {"inline_keyboard": [[accept]]},
    }


def _offer_problems(db: Path, fake: FakeTelegram, copy: str | None) -> list[str]:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE offers SET copy = ?", (copy,))
    conn.close()
    report = invariants.check(db, fake, max_escalations=2)
    return [p for p in report.problems if "offers of alert" in p]


async def test_the_check_sees_two_live_copies_and_none(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} help")
    chat = world.users["Thandi"]
    fake = FakeTelegram()
    _copy_on_phone(fake, chat, 1, alert.id, "ca")
    _copy_on_phone(fake, chat, 2, alert.id, "cb")
    db = world.services.core.settings.database

    assert _offer_problems(db, fake, "cb") == []
    assert _offer_problems(db, fake, None) == [
        f"chat {chat} sees 2 live offers of alert {alert.id}"
    ]
    assert _offer_problems(db, fake, "cc") == [
        f"chat {chat} holds offers of alert {alert.id}, none acting"
    ]
