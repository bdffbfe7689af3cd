"""Evidence end to end: the case record at closing, and /report with its real files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

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
from tests.support.png import png_metadata, png_size

WORDS = "Bongiwe beaten near the Qxtaverna"


async def test_the_record_after_closing_and_a_report_with_real_charts_and_csv(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, *THANDI_AT)
        closing = await closed_by(fake, squad, thandi, WORDS)
        code = code_of(closing)

        # The record: optional, on buttons, in a message of its own.
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, closing), button=render("button.record"))
        page = await fake.wait_for(is_send(thandi.id, "Step 1 of 4"), after=mark)
        labels = [b["text"] for b in page.buttons()]
        assert "▫️ physical violence" in labels and render("record.skip") in labels
        done = await press_through(
            fake, thandi, page,
            "▫️ physical violence", "▫️ robbery", render("record.next"),
            "▫️ client", render("record.next"),
            "▫️ first aid", "▫️ transport", render("record.next"),
            "▫️ may be counted", render("record.done"),
        )  # fmt: skip
        assert "is saved" in done.text and "physical violence and robbery" in done.text
        assert "Consent: may be counted in anonymised reports" in done.text
        assert not done.buttons()

        # The lead asks for this month's report in private: text, charts, then the CSV.
        mark = len(fake.calls)
        summary = await squad.ask(squad.lead, "/report", private=True)
        assert "📊 Report:" in summary.text and "Alerts raised: 1. Closed: 1." in summary.text
        assert "physical violence: 1" in summary.text
        csv_call = await fake.wait_for(
            lambda c: c.method == "sendDocument" and c.chat_id == squad.lead.id, after=mark
        )
        photos = [c for c in fake.calls[mark:] if c.method == "sendPhoto"]
        assert [p.chat_id for p in photos] == [squad.lead.id, squad.lead.id]
        for photo in photos:
            upload = photo.upload()
            assert upload is not None
            assert upload.data[:8] == b"\x89PNG\r\n\x1a\n"
            assert png_size(upload.data) == (1080, 1350)
            assert 5_000 < len(upload.data) < 1_000_000
            assert set(png_metadata(upload.data)) <= {"Software"}
        document = csv_call.upload()
        assert document is not None and document.filename.startswith("cases-")
        rows = list(csv.DictReader(io.StringIO(document.data.decode())))
        assert len(rows) == 1
        # One case in its area and month: every category would single it out.
        assert rows[0]["area"] == "<5" and rows[0]["violations"] == "<5"
        assert rows[0]["month"].count("-") == 1 and rows[0]["minutes_to_acknowledge"] != ""
        said = summary.text + document.data.decode()
        said += "".join(str(png_metadata(p.upload().data)) for p in photos)  # type: ignore[union-attr]
        for secret in ("Thandi", "Nomsa", "Zanele", "Bongiwe", "Qxtaverna", code,
                       f"{ALERT_AT[0]}", f"{ALERT_AT[1]}", "-26.20", "28.04"):  # fmt: skip
            assert secret not in said, secret
        assert not [c for c in fake.calls[mark:] if c.chat_id == squad.group.id]

        # Bad input: a clear reply, no files.
        mark = len(fake.calls)
        bad = await squad.ask(squad.lead, "/report last-year", private=True)
        assert "/report YYYY-MM" in bad.text
        members = await squad.ask(thandi, "/report", private=True)
        assert "Only a lead" in members.text
        await fake.idle()
        assert not [c for c in fake.calls[mark:] if c.method in ("sendPhoto", "sendDocument")]
