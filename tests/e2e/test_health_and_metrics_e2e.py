"""/healthz and /metrics on their own address: 200 while every part runs and 503 with the
reason when one stops; Prometheus metrics whose labels never carry a name, a code or a
chat id."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import SquadApp
from bot.domain import AlertState
from bot.hosting.cli import healthcheck_command
from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import (
    ALERT_AT,
    BotProcess,
    Squad,
    bot_message,
    code_of,
    is_send,
    make_settings,
    running_bot,
    webhook_mode,
)


async def get(app: SquadApp, path: str) -> tuple[int, str]:
    health = app.bot_data.health
    assert health is not None
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{health.port}{path}") as answer,
    ):
        return answer.status, await answer.text()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_healthz_is_200_while_everything_runs_and_503_with_the_reason_when_not(
    fake: FakeTelegram, db_path: Path, mode: str
) -> None:
    hook = webhook_mode() if mode == "webhook" else {}
    async with running_bot(make_settings(fake, db_path, health_port=0, **hook)) as app:
        assert await get(app, "/healthz") == (200, "ok\n")
        services, intake = app.bot_data.services, app.bot_data.intake
        assert services is not None and intake is not None and app.bot_data.sender is not None
        assert app.bot_data.health is not None
        # What Docker's HEALTHCHECK runs: `squadline healthcheck`.
        asks = make_settings(fake, db_path, health_port=app.bot_data.health.port)
        assert await asyncio.to_thread(healthcheck_command, asks) == 0

        await services.deadlines.stop()
        status, body = await get(app, "/healthz")
        assert status == 503 and body == "the deadline runner is not running\n"
        assert await asyncio.to_thread(healthcheck_command, asks) == 1

        await app.bot_data.sender.stop()
        await services.auditor.stop()
        if mode == "webhook":
            assert app.bot_data.webhook is not None
            await app.bot_data.webhook.stop()
            stopped = "the webhook is not listening"
        else:
            await intake.stop()  # the poller and the inbox processor
            stopped = "the poller is not running\nthe inbox is not being handled"
        status, body = await get(app, "/healthz")
        assert status == 503
        assert set(body.splitlines()) == {
            *stopped.splitlines(),
            "the sender is not running",
            "the deadline runner is not running",
            "the auditor is not running",
        }


async def test_health_and_metrics_are_off_unless_a_port_is_set(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)) as app:
        assert app.bot_data.health is None


async def test_metrics_count_alerts_backlog_429s_lateness_and_size_and_name_nobody(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, health_port=0, max_offers=1)
    async with running_bot(settings) as app:
        squad = await Squad.set_up(fake, name="Hillbrow Squad")
        thandi, sipho = fake.user(201, "Thandeka", "thandi_m"), fake.user(202, "Sipho")
        await squad.join(thandi, ALERT_AT[0] + 0.004, ALERT_AT[1])
        await squad.join(sipho, ALERT_AT[0] + 0.02, ALERT_AT[1])
        await squad.ask(thandi, "/alias Lindelwa", private=True)
        zanele = fake.user(300, "Zanele")
        # One alert is accepted (time to acknowledge)...
        mark = await squad.say(zanele, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} Nomvula beaten")
        offer = await fake.wait_for(is_send(thandi.id, "#"), after=mark)
        codes = [code_of(offer)]
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        await fake.wait_for(lambda c: c.method == "sendLocation", after=mark)
        # ...one nobody answers, so its ack deadline fires (lateness) and it escalates; and
        # Telegram answers one message with 429.
        fake.fail("sendMessage", 429, chat_id=squad.group.id, retry_after=1)
        mark = await squad.say(zanele, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} robbed")
        # The squad's board now lists both alerts; the newest is the one just raised.
        board = await fake.wait_for(is_send(squad.group.id, "🚨"), after=mark)
        codes.append(code_of(board))
        # The escalation shows on the board and pages the leads in private.
        await fake.wait_for(is_send(squad.lead.id, "nobody has taken"), after=mark, timeout=15)
        status, text = await get(app, "/metrics")
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(text)}
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in families.values()
        for s in f.samples
    }
    by_state = {
        dict(labels)["state"]: value
        for (name, labels), value in samples.items()
        if name == "squadline_alerts"
    }
    assert set(by_state) == {s.value for s in AlertState}
    assert by_state["acknowledged"] == 1 and by_state["escalated"] == 1
    assert sum(by_state.values()) == 2
    assert samples[("squadline_time_to_acknowledge_seconds_count", ())] == 1
    assert samples[("squadline_deadline_lateness_seconds_count", ())] >= 1
    assert samples[("squadline_telegram_rate_limited_total", ())] >= 1
    assert samples[("squadline_database_size_bytes", ())] > 4096
    backlog = {
        dict(labels)["priority"]
        for (name, labels), _ in samples.items()
        if name == "squadline_outbox_backlog"
    }
    assert backlog == {"urgent", "high", "routine"}

    # No label carries a name, a code or a chat id: every label is from a fixed list...
    for (_, labels), _ in samples.items():
        for key, value in labels:
            assert key in ("state", "priority", "le"), key
            assert key != "le" or value == "+Inf" or float(value) >= 0
    # ...and nothing anyone is called, wrote, or is known by is anywhere in the page.
    people = ["Nomsa", "Thandeka", "thandi_m", "Lindelwa", "Sipho", "Zanele", "Nomvula"]
    for word in [*people, "Hillbrow", "beaten", "robbed", *(f"#{c}" for c in codes)]:
        assert word not in text, word
    for code in codes:
        assert f'"{code}"' not in text
    ids = {squad.group.id, thandi.id, sipho.id, zanele.id, squad.lead.id}
    label_values = {value for (_, labels), _ in samples.items() for _, value in labels}
    assert not {str(i) for i in ids} & label_values


@pytest.mark.parametrize("taken", ["health", "webhook"])
async def test_a_port_already_taken_stops_the_bot_with_one_line(
    fake: FakeTelegram, tmp_path: Path, taken: str
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        ports = {"health_port": port} if taken == "health" else webhook_mode(port)
        bot = BotProcess(fake, tmp_path / "squadline.sqlite3", tmp_path, **ports)
        try:
            await bot.start(wait_ready=False)
            assert await bot.wait_dead(timeout=30) == 3
        finally:
            await bot.close()
    (said,) = [line for line in bot.log().splitlines() if "cannot listen" in line]
    assert f"127.0.0.1 port {port}" in said and "SQUADLINE_" in said
    assert "Traceback" not in bot.log()
