"""A warning end to end: two leads, approval, delivery in private, and expiry."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import (
    ALERT_AT,
    Squad,
    bot_message,
    code_of,
    is_send,
    make_settings,
    running_bot,
)
from tests.support.evidence import THANDI_AT, closed_by, press_through


async def test_a_warning_approved_by_a_second_lead_reaches_members_and_expires(
    fake: FakeTelegram, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings(
        fake,
        db_path,
        warning_days=6 / 86400,  # six seconds
        audit_interval=timedelta(seconds=0.5),
    )
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        thandi, lerato, kagiso = (
            fake.user(201, "Thandi"),
            fake.user(202, "Lerato"),
            fake.user(203, "Kagiso"),
        )
        await squad.join(thandi, *THANDI_AT)
        await squad.join(lerato)
        await squad.join(kagiso)
        assert "lead" in (await squad.ask(squad.lead, "/lead Lerato")).text
        closing = await closed_by(fake, squad, thandi, "Bongiwe hurt by a client")
        code = code_of(closing)

        # No warning before the survivor's consent is recorded.
        refused = await squad.ask(thandi, f"/warn {code}", private=True)
        assert "no case record yet" in refused.text
        page = await squad.ask(thandi, f"/record {code}", private=True)
        await press_through(
            fake, thandi, page, "▫️ physical violence", render("record.next"),
            "▫️ client", render("record.next"), render("record.next"),
            "▫️ a warning may go", render("record.done"),
        )  # fmt: skip

        draft = await squad.ask(thandi, f"/warn {code}", private=True)
        assert "What happened: physical violence" in draft.text and code not in draft.text
        asked = await squad.ask(thandi, "Tall man, grey beard, red cap", private=True)
        assert "Send the vehicle" in asked.text
        ready = await squad.ask(thandi, "White Toyota bakkie", private=True)
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, ready), button=render("warning.submit"))
        await fake.wait_for(is_send(squad.lead.id, "waits for your approval"), after=mark)
        page_lerato = await fake.wait_for(is_send(lerato.id, "waits for your approval"), after=mark)

        # Lerato, a second lead, approves: every member gets it in private, not the group.
        mark = len(fake.calls)
        await fake.press(
            lerato, bot_message(fake, page_lerato), button=render("button.warning_approve")
        )
        for member in (kagiso, thandi, squad.lead, lerato):
            got = await fake.wait_for(is_send(member.id, "Warning from your squad"), after=mark)
            assert "White Toyota bakkie" in got.text and "grey beard" in got.text
            for secret in (code, "Bongiwe", "Zanele", "Thandi", f"{ALERT_AT[0]}"):
                assert secret not in got.text
        await fake.idle()
        assert not [c for c in fake.calls[mark:] if c.chat_id == squad.group.id]
        listed = await squad.ask(kagiso, "/warnings", private=True)
        assert "Warnings in force: 1" in listed.text

        # Six seconds after it was sent, it is deleted and no longer listed.
        for _ in range(40):
            listed = await squad.ask(kagiso, "/warnings", private=True)
            if "No warnings" in listed.text:
                break
            await asyncio.sleep(0.5)
        assert listed.text == render("warnings.none")

    # No log line holds the warning's words or a name.
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert len(caplog.records) > 5, "the capture works"
    for secret in ("grey beard", "Toyota", "Bongiwe", "Thandi", "Lerato", "Kagiso"):
        assert secret not in logged, secret
