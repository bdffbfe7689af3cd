from __future__ import annotations

from pathlib import Path

from tests.fakegram.server import FakeTelegram
from tests.support import Squad, make_settings, running_bot


async def test_setup_join_and_help(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, -26.2041, 28.0473)
        reply = await squad.ask(thandi, "/help")
        assert "/claim" in reply.text
        commands = fake.calls_to("setMyCommands")
        assert len(commands) == 3, "private, group, and the group's administrators"
        by_scope = {c.params["scope"]["type"]: [x["command"] for x in c.params["commands"]]
                    for c in commands}  # fmt: skip
        assert "pin" in by_scope["all_private_chats"]
        assert "alert" in by_scope["all_group_chats"] and "wipe" not in by_scope["all_group_chats"]
        assert {"wipe", "block", "setup"} <= set(by_scope["all_chat_administrators"])
