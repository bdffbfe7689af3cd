from __future__ import annotations

from pathlib import Path

from bot.i18n import LANGUAGES
from bot.messages import render
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
        assert len(commands) == 3 * len(LANGUAGES), "private, group, group admins; per language"
        english = [c for c in commands if not c.params.get("language_code")]
        by_scope = {c.params["scope"]["type"]: [x["command"] for x in c.params["commands"]]
                    for c in english}  # fmt: skip
        assert "pin" in by_scope["all_private_chats"]
        assert "alert" in by_scope["all_group_chats"] and "wipe" not in by_scope["all_group_chats"]
        assert {"wipe", "block", "setup"} <= set(by_scope["all_chat_administrators"])
        zulu = [c for c in commands if c.params.get("language_code") == "zu"]
        described = {
            d["description"] for c in zulu for d in c.params["commands"] if d["command"] == "alert"
        }
        assert described == {render("cmd.alert", None, "zu")}
