"""A raid in one group (issue 14): sixteen alerts from sixteen people within two seconds,
with Telegram's real limits. The group sees every one on the squad's board, in a handful
of messages within its 20 a minute, and every offer comes with its buttons."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

from tests.fakegram.server import FakeTelegram
from tests.support import ALERT_AT, Squad, db_rows, make_settings, running_bot

RAID = 16


async def test_a_raid_of_sixteen_alerts_is_all_on_the_board_within_the_groups_limit(
    fake: FakeTelegram, db_path: Path
) -> None:
    # Offers wait their turn (a second per private chat), so they last as long as usual.
    settings = make_settings(fake, db_path, ack_timeout=timedelta(seconds=120))
    async with running_bot(settings) as app:
        squad = await Squad.set_up(fake)
        members = [fake.user(201 + i, f"M{i}") for i in range(6)]
        for i, member in enumerate(members):
            await squad.join(member, ALERT_AT[0] + 0.002 * (i + 1), ALERT_AT[1])
        await fake.idle()
        limiter = app.bot_data.sender.limiter  # type: ignore[union-attr]
        limiter.global_per_s, limiter.group_per_min, limiter.private_per_s = 30, 20, 1
        limiter.group_window_s = 60.0
        mark = len(fake.calls)
        for i in range(RAID):
            person = fake.user(400 + i, f"P{i}")
            await fake.send(person, squad.group, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} raid {i}")
            await asyncio.sleep(2.0 / RAID)

        def codes() -> set[str]:
            return {code for (code,) in db_rows(db_path, "SELECT code FROM alerts")}

        def shown() -> set[str]:
            group = [
                c.text
                for c in fake.calls[mark:]
                if c.chat_id == squad.group.id and c.status == 200
                and c.method in ("sendMessage", "editMessageText")
            ]  # fmt: skip
            return {m for text in group for m in re.findall(r"#([A-Z2-9]{4,6})", text)}

        def offered() -> set[str]:
            return {
                c.text.split(":")[0].lstrip("#")
                for c in fake.calls[mark:]
                if c.method == "sendMessage" and c.status == 200 and (c.chat_id or 0) > 0
                and "can you help?" in c.text
            }  # fmt: skip

        for _ in range(300):
            if len(codes()) == RAID and codes() <= shown() and codes() <= offered():
                break
            await asyncio.sleep(0.1)
        assert len(codes()) == RAID
        assert codes() <= shown(), "every alert is on the group's board"
        assert codes() <= offered(), "every alert is offered to someone"
        group_messages = [
            c for c in fake.calls[mark:]
            if c.chat_id == squad.group.id and c.status == 200
            and c.method in ("sendMessage", "editMessageText")
        ]  # fmt: skip
        assert len(group_messages) < 20, "a handful of messages, not one per alert"
        offers = [
            c for c in fake.calls[mark:]
            if c.method == "sendMessage" and (c.chat_id or 0) > 0 and "can you help?" in c.text
        ]  # fmt: skip
        assert all(c.buttons() for c in offers), "each offer comes with its buttons"
        assert fake.limit_violations(after=mark) == []
