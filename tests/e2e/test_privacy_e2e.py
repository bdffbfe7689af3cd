"""Privacy end to end: group hygiene, unknown groups, logs without personal data, and no
network but the Bot API."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from bot.hosting import logs
from bot.hosting.logs import LogFormat
from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import (
    ALERT_AT,
    WEBHOOK_SECRET,
    Squad,
    bot_message,
    code_of,
    is_edit,
    is_send,
    make_settings,
    running_bot,
    webhook_mode,
)


async def test_group_hygiene_deletes_captured_messages_unless_switched_off(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        await squad.join(fake.user(201, "Thandi"), ALERT_AT[0] + 0.01, ALERT_AT[1])
        zanele = fake.user(300, "Zanele")
        pin = await fake.share_location(zanele, squad.group, *ALERT_AT)
        mark = len(fake.calls)
        alert = await fake.send(zanele, squad.group, "/alert here", reply_to=pin)
        await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        await fake.idle()
        deleted = {c.params["message_id"] for c in fake.calls_to("deleteMessage")}
        assert deleted == {alert["message_id"], pin["message_id"]}
        assert (squad.group.id, alert["message_id"]) not in fake.messages

        assert "Tidying is off" in (await squad.ask(squad.lead, "/hygiene off")).text
        mark = len(fake.calls)
        again = await fake.send(zanele, squad.group, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} again")
        await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        await fake.idle()
        # (The squad's previous board message is replaced by the new one: the bot's own.)
        assert (squad.group.id, again["message_id"]) in fake.messages, "the /alert stays"


async def test_a_group_that_never_sets_up_is_left(fake: FakeTelegram, db_path: Path) -> None:
    settings = make_settings(
        fake, db_path, setup_grace=timedelta(seconds=1), audit_interval=timedelta(seconds=0.3)
    )
    async with running_bot(settings):
        someone = fake.user(500, "Someone")
        stranger_group = fake.group(-4004, "Not ours", admins=(someone,))
        squad_group = fake.group(-4005, "Ours", admins=(someone,))
        mark = len(fake.calls)
        await fake.add_bot_to_group(stranger_group, someone)
        await fake.add_bot_to_group(squad_group, someone)
        await fake.send(someone, squad_group, "/setup Ours")
        left = await fake.wait_for(lambda c: c.method == "leaveChat", after=mark, timeout=10)
        assert left.chat_id == stranger_group.id
        await fake.idle(quiet=1.5)
        assert [c.chat_id for c in fake.calls_to("leaveChat")] == [stranger_group.id]


@pytest.mark.parametrize(
    ("log_format", "mode"), [("text", "polling"), ("json", "polling"), ("json", "webhook")]
)
async def test_logs_at_debug_hold_no_names_text_token_or_coordinates(
    fake: FakeTelegram,
    db_path: Path,
    caplog: pytest.LogCaptureFixture,
    log_format: LogFormat,
    mode: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    # The lines as the bot writes them (SQUADLINE_LOG_FORMAT), beside caplog's records.
    written = io.StringIO()
    out = logs.handler(log_format, written)
    logging.getLogger().addHandler(out)
    hook = webhook_mode() if mode == "webhook" else {}
    try:
        await _a_scenario_with_names_text_and_coordinates(fake, db_path, **hook)
    finally:
        logging.getLogger().removeHandler(out)
    lines = written.getvalue().splitlines()
    assert len(lines) > 5, "the handler wrote the lines"
    if log_format == "json":
        entries = [json.loads(line) for line in lines]  # one JSON object a line
        assert all(set(e) >= {"time", "level", "logger", "message"} for e in entries)
        said = [e["message"] + e.get("exception", "") for e in entries]
    else:
        said = [line.split(": ", 1)[1] if ": " in line else line for line in lines]
    records = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    assert len(caplog.records) > 5, "the capture works"
    _assert_no_personal_data("\n".join(lines + records), "\n".join(said + records), fake)


async def _a_scenario_with_names_text_and_coordinates(
    fake: FakeTelegram, db_path: Path, **mode: object
) -> None:
    async with running_bot(make_settings(fake, db_path, max_offers=1, **mode)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandeka")
        await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
        await squad.ask(thandi, "/alias Lindelwa", private=True)
        mark = await squad.say(
            fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} Nomvula was beaten"
        )
        offer = await fake.wait_for(is_send(thandi.id, "#"), after=mark)
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        brief = await fake.wait_for(is_send(thandi.id, "You have"), after=mark)
        await fake.press(thandi, bot_message(fake, brief), button=render("button.close"))
        picker = await fake.wait_for(is_send(thandi.id, "How did"), after=mark)
        await fake.press(thandi, bot_message(fake, picker), button=render("outcome.resolved"))
        await fake.wait_for(is_edit(thandi.id, f"#{code_of(offer)} is closed"), after=mark)
        await squad.ask(squad.lead, "/status")


def _assert_no_personal_data(text: str, messages: str, fake: FakeTelegram) -> None:
    """``text``: whole lines; ``messages``: what was logged, without the line's time."""
    for secret in (
        "Nomsa",
        "Thandeka",
        "Lindelwa",
        "Zanele",
        "Nomvula",
        "beaten",
        "Hillbrow",
        fake.token,
        fake.token.split(":")[1],
        WEBHOOK_SECRET,
    ):
        assert secret not in text, secret
    for coordinate in (ALERT_AT[0], ALERT_AT[1], ALERT_AT[0] + 0.0036):
        assert f"{coordinate:.3f}" not in text
    assert not re.search(r"-?\d{1,3}\.\d{3,}", messages), "no coordinate-like numbers at all"


async def test_with_the_defaults_only_the_bot_api_is_contacted(
    fake: FakeTelegram, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    destinations: set[tuple[str, int]] = set()
    real_connect = socket.socket.connect

    def recording(sock: socket.socket, address: object) -> object:
        if isinstance(address, tuple):
            destinations.add((str(address[0]), int(address[1])))
        return real_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", recording)
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        await squad.join(fake.user(201, "Thandi"), *ALERT_AT)
        await squad.ask(squad.lead, "/place add Park Station -26.1952, 28.0424")
        mark = await squad.say(fake.user(300, "Zanele"), "/alert robbed near Park Station")
        await fake.wait_for(is_send(201, "#"), after=mark)
        mark = await squad.say(fake.user(300, "Zanele"), "/alert robbed at Braamfontein clinic")
        await fake.wait_for(is_send(squad.group.id, "Reply to this message"), after=mark)
    assert destinations == {("127.0.0.1", fake.port)}


async def test_forgetme_and_wipe_through_their_buttons(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, *ALERT_AT)
        ask = await squad.ask(thandi, "/forgetme", private=True)
        assert "cannot be undone" in ask.text
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, ask), button="forget me")
        await fake.wait_for(is_send(thandi.id, "deleted everything"), after=mark)
        assert "not in any squad" in (await squad.ask(thandi, "/me", private=True)).text

        first = await squad.ask(squad.lead, "/wipe")
        mark = len(fake.calls)
        await fake.press(squad.lead, bot_message(fake, first), button="delete the squad")
        second = await fake.wait_for(is_send(squad.group.id, "Really delete"), after=mark)
        assert "is set up" not in (await squad.ask(squad.lead, "/status")).text  # still there
        mark = len(fake.calls)
        await fake.press(squad.lead, bot_message(fake, second), button="Delete it now")
        await fake.wait_for(is_send(squad.group.id, "The squad is deleted"), after=mark)
        assert (await squad.ask(squad.lead, "/status")).text == render("not_set_up")
