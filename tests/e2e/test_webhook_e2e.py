"""Webhook mode end to end: Telegram POSTs each update to the bot, which stores it in the
durable inbox before it answers 200; without the right secret it answers 401 and stores
nothing. Polling stays the default, and a bot that goes back to polling removes the
webhook it left behind."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.messages import render
from handlers.transport.webhook import MAX_BODY
from tests.fakegram.server import FakeTelegram
from tests.support import (
    ALERT_AT,
    WEBHOOK_SECRET,
    BotProcess,
    Squad,
    bot_message,
    db_rows,
    db_snapshot,
    is_send,
    make_settings,
    running_bot,
    webhook_mode,
)


def alert_update(fake: FakeTelegram, squad: Squad, text: str) -> dict[str, object]:
    """An /alert message in the squad's group, as Telegram would deliver it."""
    zanele = fake.user(300, "Zanele")
    message = {
        "message_id": 9000 + int(time.time() * 1000) % 1000,
        "date": int(time.time()),
        "chat": squad.group.as_json(),
        "from": zanele.as_json(),
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    return {"message": message}


def inbox_ids(db: Path) -> set[int]:
    return {row[0] for row in db_rows(db, "SELECT update_id FROM inbox")}


async def test_in_webhook_mode_an_alert_goes_out_and_nothing_polls(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, **webhook_mode())
    async with running_bot(settings):
        (hook,) = fake.calls_to("setWebhook")
        assert hook.params["url"] == settings.webhook_url
        assert hook.params["secret_token"] == WEBHOOK_SECRET
        assert hook.params["max_connections"] == 1, "one at a time keeps each person's order"
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, ALERT_AT[0] + 0.004, ALERT_AT[1])
        zanele = fake.user(300, "Zanele")
        mark = await squad.say(zanele, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} hurt")
        offer = await fake.wait_for(is_send(thandi.id, "#"), after=mark)
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        await fake.wait_for(lambda c: c.method == "sendLocation" and c.chat_id == thandi.id)
        await fake.idle()
    assert fake.polls == 0, "no getUpdates in webhook mode"
    assert fake.webhook.posts and all(status == 200 for _, status in fake.webhook.posts)
    # Stopping keeps the webhook: Telegram holds the updates that come meanwhile.
    assert fake.calls_to("deleteWebhook") == []
    assert inbox_ids(db_path) == {update_id for update_id, _ in fake.webhook.posts}


async def test_the_200_comes_only_once_the_update_is_committed_to_the_inbox(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, **webhook_mode())) as app:
        squad = await Squad.set_up(fake)
        await fake.idle()
        store = app.bot_data.services.core.store  # type: ignore[union-attr]
        update = {"update_id": 777001, **alert_update(fake, squad, "/alert at the rank")}
        async with store.transaction():
            # The database is busy with another write: the webhook cannot answer yet.
            posting = asyncio.create_task(fake.post_webhook(update, secret=WEBHOOK_SECRET))
            await asyncio.sleep(0.5)
            assert not posting.done(), "answered before the update was stored"
        assert await posting == 200
        assert 777001 in inbox_ids(db_path), "committed before the 200"
        await fake.wait_for(is_send(squad.group.id, "🚨 #"))


async def test_a_request_without_the_right_secret_gets_401_and_stores_nothing(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, **webhook_mode())):
        squad = await Squad.set_up(fake)
        await fake.idle()
        before, inbox_before, mark = db_snapshot(db_path), inbox_ids(db_path), len(fake.calls)
        forged = alert_update(fake, squad, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} forged")
        assert await fake.post_webhook({"update_id": 880001, **forged}, secret=None) == 401
        assert await fake.post_webhook({"update_id": 880002, **forged}, secret="guess") == 401
        wrong_case = WEBHOOK_SECRET.upper()
        assert await fake.post_webhook({"update_id": 880003, **forged}, secret=wrong_case) == 401
        # The right secret with something that is not an update: refused, nothing stored.
        assert await fake.post_webhook({"update_id": "x"}, secret=WEBHOOK_SECRET) == 400
        assert await fake.post_webhook({"update_id": 1.5}, secret=WEBHOOK_SECRET) == 400
        await asyncio.sleep(0.5)
        assert inbox_ids(db_path) == inbox_before
        assert db_snapshot(db_path) == before
        assert not [c for c in fake.calls[mark:] if c.method == "sendMessage"]


async def test_polling_stays_the_default_and_removes_a_webhook_left_behind(
    fake: FakeTelegram, db_path: Path
) -> None:
    # A previous run used webhook mode: Telegram still has its webhook, so getUpdates
    # answers 409 until the bot deletes it.
    fake.webhook.hook = {"url": "http://127.0.0.1:9/gone", "secret_token": "old"}
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        answer = await squad.ask(squad.lead, "/help")
        assert answer.text
    assert fake.calls_to("setWebhook") == []
    assert len(fake.calls_to("deleteWebhook")) == 1
    assert fake.polls > 0
    assert fake.webhook.posts == []


def test_webhook_mode_without_a_good_secret_does_not_start_and_echoes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for key in list(os.environ):
        if key.startswith("SQUADLINE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SQUADLINE_BOT_TOKEN", "123456:SECRET-TOKEN")
    monkeypatch.setenv("SQUADLINE_WEBHOOK_URL", "https://bot.example.org/telegram")
    for secret in (None, "", "has space", "x" * 257, "ümlaut"):
        if secret is None:
            monkeypatch.delenv("SQUADLINE_WEBHOOK_SECRET", raising=False)
        else:
            monkeypatch.setenv("SQUADLINE_WEBHOOK_SECRET", secret)
        assert main(["run"]) == 2
        err = capsys.readouterr().err
        assert "SQUADLINE_WEBHOOK_SECRET" in err
        assert "SECRET-TOKEN" not in err and (not secret or secret not in err)
    assert not (tmp_path / "var").exists(), "nothing was started"


async def test_a_webhook_url_telegram_refuses_stops_the_bot_with_telegrams_reason(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    reason = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    fake.fail("setWebhook", 400, description=reason)
    bot = BotProcess(fake, tmp_path / "squadline.sqlite3", tmp_path, **webhook_mode())
    try:
        await bot.start(wait_ready=False)
        assert await bot.wait_dead() == 2
    finally:
        await bot.close()
    (said,) = [line for line in bot.log().splitlines() if "Telegram refused" in line]
    assert said.startswith("Telegram refused SQUADLINE_WEBHOOK_URL:")
    assert "an https url must be provided" in said.lower()  # Telegram's words, via PTB
    assert "Traceback" not in bot.log() and fake.token not in bot.log()


async def raw_post(port: int, head: bytes, body: bytes) -> int:
    """One POST written byte for byte (no client library cleans its headers); the status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            b"POST /telegram/updates HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nConnection: close\r\n"
            + head
            + b"Content-Length: %d\r\n\r\n" % len(body)
            + body
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    return int(status_line.split()[1])


async def test_a_secret_header_that_is_not_text_gets_401_and_logs_no_traceback(
    fake: FakeTelegram, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(fake, db_path, **webhook_mode())
    async with running_bot(settings) as app:
        squad = await Squad.set_up(fake)
        await fake.idle()
        assert app.bot_data.webhook is not None
        before, mark = db_snapshot(db_path), len(caplog.records)
        forged = alert_update(fake, squad, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} forged")
        body = json.dumps({"update_id": 880101, **forged}).encode()
        port = app.bot_data.webhook.port
        for secret in (b"\xff\xfe", WEBHOOK_SECRET.encode() + b"\xc3"):
            head = b"X-Telegram-Bot-Api-Secret-Token: " + secret + b"\r\n"
            assert await raw_post(port, head, body) == 401
        await asyncio.sleep(0.3)
        assert db_snapshot(db_path) == before
        noise = [r for r in caplog.records[mark:] if r.levelno >= logging.ERROR]
        assert noise == [], [r.getMessage() for r in noise]


async def test_a_body_over_the_limit_gets_413_and_stores_nothing(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, **webhook_mode())) as app:
        squad = await Squad.set_up(fake)
        await fake.idle()
        assert app.bot_data.webhook is not None
        before = db_snapshot(db_path)
        padded = alert_update(fake, squad, "/alert " + "x" * (MAX_BODY + 1))
        body = json.dumps({"update_id": 880201, **padded}).encode()
        head = b"X-Telegram-Bot-Api-Secret-Token: " + WEBHOOK_SECRET.encode() + b"\r\n"
        assert await raw_post(app.bot_data.webhook.port, head, body) == 413
        await asyncio.sleep(0.3)
        assert db_snapshot(db_path) == before
