"""The emergency fund end to end: requests, approvals, a rejection, two leads pressing at
the same moment, and a payout with a receipt photo."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from tests.fakegram.server import Call, FakeTelegram, User
from tests.support import Squad, bot_message, code_of, db_rows, is_send, make_settings, running_bot
from tests.support.evidence import THANDI_AT, closed_by


async def ask_fund(fake: FakeTelegram, squad: Squad, who: User, code: str, amount: str,
                   purpose: str, leads: tuple[User, ...]) -> list[Call]:  # fmt: skip
    """``who`` asks the fund; the pages each lead gets."""
    picker = await squad.ask(who, f"/fund request {code} {amount}", private=True)
    assert "What is it for?" in picker.text
    mark = len(fake.calls)
    await fake.press(who, bot_message(fake, picker), button=purpose)
    return [await fake.wait_for(is_send(lead.id, "asks the fund"), after=mark) for lead in leads]


async def test_requests_approvals_a_rejection_no_overdraft_and_a_receipt(
    fake: FakeTelegram, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        nomsa = squad.lead
        thandi, lerato, ayanda = (
            fake.user(201, "Thandi"),
            fake.user(202, "Lerato"),
            fake.user(203, "Ayanda"),
        )
        for person in (thandi, lerato, ayanda):
            await squad.join(person, *THANDI_AT)
        await squad.ask(nomsa, "/lead Lerato")
        await squad.ask(nomsa, "/lead Ayanda")
        code = code_of(await closed_by(fake, squad, thandi, "robbed at the rank"))
        leads = (nomsa, lerato, ayanda)

        bad = await squad.ask(nomsa, "/fund add abc", private=True)
        assert "cannot read abc" in bad.text
        assert "12.50 or 12,50" in bad.text
        assert "negative" in (await squad.ask(nomsa, "/fund add -5", private=True)).text
        assert "currency ZAR" in (await squad.ask(nomsa, "/fund add 5", private=True)).text
        assert "ZAR" in (await squad.ask(nomsa, "/fund currency zar", private=True)).text
        added = await squad.ask(nomsa, "/fund add 300,50 raffle", private=True)
        assert "The fund holds ZAR300.50" in added.text
        assert "ZAR100.00" in (await squad.ask(nomsa, "/fund threshold 100", private=True)).text

        # One approval: a small request, then paid out with a receipt photo.
        pages = await ask_fund(fake, squad, thandi, code, "40", "transport", leads)
        mark = len(fake.calls)
        await fake.press(lerato, bot_message(fake, pages[1]), button="Approve")
        told = await fake.wait_for(is_send(thandi.id, "is approved"), after=mark)
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, told), button="receipt follows")
        await fake.wait_for(lambda c: c.method == "editMessageText" and "send the photo" in c.text,
                            after=mark)  # fmt: skip
        mark = len(fake.calls)
        await fake.send_media(thandi, fake.private_chat(thandi), "photo")
        await fake.wait_for(is_send(thandi.id, "Receipt saved"), after=mark)
        stored = db_rows(db_path, "SELECT receipt, receipt_file_id FROM fund_entries WHERE "
                                  "kind = 'request'")  # fmt: skip
        assert stored[0][0] == "photo" and str(stored[0][1]).startswith("PHOTO-FILE-")

        # Two approvals above the threshold, by two different leads; the requester's own
        # press is refused.
        pages = await ask_fund(fake, squad, thandi, code, "150", "medical", leads)
        mark = len(fake.calls)
        await fake.press(nomsa, bot_message(fake, pages[0]), button="Approve")
        await fake.wait_for(lambda c: c.method == "editMessageText" and "another lead" in c.text,
                            after=mark)  # fmt: skip
        mark = len(fake.calls)
        await fake.press(ayanda, bot_message(fake, pages[2]), button="Approve")
        await fake.wait_for(is_send(thandi.id, "is approved"), after=mark)
        view = await squad.ask(nomsa, "/fund", private=True)
        assert "The fund holds ZAR110.50" in view.text

        # A rejection takes nothing.
        pages = await ask_fund(fake, squad, thandi, code, "30", "food", leads)
        mark = len(fake.calls)
        await fake.press(ayanda, bot_message(fake, pages[2]), button="Reject")
        await fake.wait_for(is_send(thandi.id, "was not approved"), after=mark)
        assert "ZAR110.50" in (await squad.ask(nomsa, "/fund", private=True)).text

        # Two requests that the fund cannot both pay, approved at the same moment.
        first = await ask_fund(fake, squad, thandi, code, "80", "airtime", leads)
        second = await ask_fund(fake, squad, thandi, code, "90", "bail", leads)
        mark = len(fake.calls)
        await asyncio.gather(
            fake.press(nomsa, bot_message(fake, first[0]), button="Approve"),
            fake.press(lerato, bot_message(fake, second[1]), button="Approve"),
        )
        for _ in range(100):  # both presses are answered
            if len([c for c in fake.calls[mark:] if c.method == "answerCallbackQuery"]) >= 2:
                break
            await asyncio.sleep(0.05)
        await fake.idle()
        replies = [c.text for c in fake.calls[mark:] if c.method == "answerCallbackQuery"]
        assert sum("Approved" in r for r in replies) == 1, replies
        assert sum("Nothing changed" in r for r in replies) == 1, replies
        ledger = db_rows(db_path, "SELECT amount, state FROM fund_entries ORDER BY id")
        spent = sum(float(a) for a, s in ledger if s in ("approved", "paid"))
        assert spent <= 300.50
        assert "approved" in {s for a, s in ledger if a in ("80.00", "90.00")}

        # The ledger as a CSV: approvers by alias, no case code.
        mark = len(fake.calls)
        await squad.ask(nomsa, "/fund export", private=True)
        export = await fake.wait_for(
            lambda c: c.method == "sendDocument" and c.chat_id == nomsa.id, after=mark
        )
        upload = export.upload()
        assert upload is not None
        ledger_csv = upload.data.decode()
        assert ledger_csv.startswith("date,type,amount,currency,purpose,state,by,approvers")
        assert "150.00,ZAR,medical,approved,Thandi,Nomsa; Ayanda" in ledger_csv
        assert "40.00,ZAR,transport,paid,Thandi,Lerato,photo" in ledger_csv
        assert code not in ledger_csv

        # Members see only their own requests; nobody but leads sees the balance.
        mine = await squad.ask(thandi, "/fund", private=True)
        assert "Your requests:" in mine.text and "holds" not in mine.text

    # No log line names a person, an amount or the deposit's note.
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert len(caplog.records) > 5, "the capture works"
    for secret in ("Nomsa", "Thandi", "Lerato", "Ayanda", "raffle", "300.50", "300,50", "150.00"):
        assert secret not in logged, secret
