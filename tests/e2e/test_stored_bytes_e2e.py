"""What a seized database file holds, read byte by byte from the outside.

Every needle below is something Squadline must NOT keep: Telegram usernames, the first
names of people who are not members or who chose another alias, refused input, the
words of an alert after its reporter's /forgetme, precise coordinates after close, and
everything of a wiped squad (its service directory and its referral notes included). The
file, its ``-wal`` and ``-shm`` are searched for each needle as UTF-8 text and, for
coordinates, also as IEEE-754 doubles in both byte orders.
"""

from __future__ import annotations

import struct
from pathlib import Path

from bot.messages import render
from tests.fakegram.server import Call, Chat, FakeTelegram, User
from tests.support import (
    ALERT_AT,
    Squad,
    bot_message,
    code_of,
    db_rows,
    is_edit,
    is_send,
    make_settings,
    running_bot,
)
from tests.support.aftercare_run import refer_with_consent
from tests.support.evidence import THANDI_AT, closed_by, press_through

# Where the alerts happen (typed, so distinctive digits); members stand nearby.
TYPED = (-26.204739, 28.045681)
TYPED_TEXT = ("-26.204739", "28.045681")
SETUP_CODE = "Kx9-squad-code"


def file_bytes(db_path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm"):
        part = db_path.with_name(db_path.name + suffix)
        if part.exists():
            data += part.read_bytes()
    return data


def traces(data: bytes, *needles: str | float) -> list[str]:
    """The needles found in ``data``: text as UTF-8; floats also as doubles (< and >)."""
    found = []
    for needle in needles:
        if isinstance(needle, float):
            forms = [
                repr(needle).encode(),
                struct.pack("<d", needle),
                struct.pack(">d", needle),
            ]
        else:
            forms = [needle.encode()]
        if any(form in data for form in forms):
            found.append(repr(needle))
    return found


async def set_up_with_code(fake: FakeTelegram, lead: User, name: str, chat_id: int) -> Squad:
    group = fake.group(chat_id, name, admins=(lead,))
    squad = Squad(fake, group, lead)
    mark = len(fake.calls)
    await fake.send(lead, group, f"/setup {SETUP_CODE} {name}")
    await fake.wait_for(is_send(group.id, "is set up"), after=mark)
    await squad.join(lead)
    return squad


async def in_sync(fake: FakeTelegram, user: User) -> Call:
    """A harmless command and its answer: every update received before it is handled,
    including whatever its handling does afterwards (the inbox works in batches)."""
    chat: Chat = fake.private_chat(user)
    mark = len(fake.calls)
    await fake.send(user, chat, "/help")
    call = await fake.wait_for(is_send(user.id), after=mark)
    await fake.idle()
    return call


async def raise_and_close(fake: FakeTelegram, squad: Squad, reporter: User, responder: User) -> str:
    mark = await squad.say(reporter, f"/alert {TYPED_TEXT[0]}, {TYPED_TEXT[1]} kept words")
    offer = await fake.wait_for(is_send(responder.id, "#"), after=mark)
    code = code_of(offer)
    await fake.press(responder, bot_message(fake, offer), button=render("button.accept"))
    brief = await fake.wait_for(is_send(responder.id, "You have"), after=mark)
    await fake.wait_for(lambda c: c.method == "sendLocation", after=mark)
    await fake.press(responder, bot_message(fake, brief), button=render("button.close"))
    picker = await fake.wait_for(is_send(responder.id, "How did"), after=mark)
    await fake.press(responder, bot_message(fake, picker), button=render("outcome.resolved"))
    await fake.wait_for(is_edit(responder.id, f"#{code} is closed"), after=mark)
    return code


async def test_a_stopped_bots_file_keeps_no_handled_update(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, setup_code=SETUP_CODE)
    async with running_bot(settings):
        lead = fake.user(100, "Nomsa", username="nomsa_handle")
        squad = await set_up_with_code(fake, lead, "Hillbrow Squad", -1001)
        thandeka = fake.user(201, "Thandekazi", username="thandekazi_handle")
        await squad.join(thandeka, ALERT_AT[0], ALERT_AT[1])
        await squad.ask(thandeka, "/alias Lindelwa", private=True)

        # A stranger's group, and its refused /setup with a wrong code.
        mallory = fake.user(666, "Malloryanne", username="mallory_handle")
        den = fake.group(-4040, "Malloryanne Den", admins=(mallory,))
        await fake.add_bot_to_group(den, mallory)
        mark = len(fake.calls)
        await fake.send(mallory, den, "/setup Wrongcode77 Malloryanne Den")
        await fake.wait_for(is_send(den.id), after=mark)

        # A non-member reports; it is answered, closed, and its pin was sent.
        zanele = fake.user(300, "Zanelephant", username="zanele_handle")
        await raise_and_close(fake, squad, zanele, thandeka)
        # Refused input: a 5,000-character alert and a place with bad coordinates.
        assert (await squad.ask(zanele, "/alert " + "Qzrefusedword " * 380)).text
        await squad.ask(lead, "/place add Secretplace Xq -95.123456, 200.654321")
        await in_sync(fake, lead)

    data = file_bytes(db_path)
    assert traces(data, "Lindelwa", "kept words"), "the search finds what is kept by design"
    assert db_rows(db_path, "SELECT count(*) FROM inbox WHERE raw <> ''") == [(0,)]
    left = traces(
        data,
        "nomsa_handle",
        "Thandekazi",
        "thandekazi_handle",
        "Malloryanne",
        "mallory_handle",
        "Wrongcode77",
        "Zanelephant",
        "zanele_handle",
        "Qzrefusedword",
        "Secretplace",
        "-95.123456",
        *TYPED_TEXT,
        *TYPED,
        SETUP_CODE,
    )
    assert left == []


async def test_a_running_bots_file_after_forgetme_holds_nothing_of_the_person(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandeka = fake.user(7301234567, "Thandekazi", username="thandekazi_handle")
        sipho = fake.user(202, "Sipho")
        await squad.join(thandeka, ALERT_AT[0] + 0.02, ALERT_AT[1])
        await squad.ask(thandeka, "/alias Lindelwa", private=True)
        await squad.join(sipho, ALERT_AT[0], ALERT_AT[1])
        # She reports in private; Sipho is offered her words.
        mark = await squad.say(
            thandeka, f"/alert {TYPED_TEXT[0]}, {TYPED_TEXT[1]} Bongiwe hurt", private=True
        )
        await fake.wait_for(is_send(sipho.id, "Bongiwe"), after=mark)
        mark = await squad.say(thandeka, "/alert " + "Qzrefusedword " * 380, private=True)
        await fake.wait_for(is_send(thandeka.id, "too long"), after=mark)
        mark = await squad.say(thandeka, "/forgetme", private=True)
        ask = await fake.wait_for(is_send(thandeka.id, "This deletes everything"), after=mark)
        mark = len(fake.calls)
        await fake.press(thandeka, bot_message(fake, ask), button="forget me")
        await fake.wait_for(is_send(thandeka.id, "deleted everything"), after=mark)
        await in_sync(fake, sipho)

        data = file_bytes(db_path)  # the bot is still running
        assert traces(data, "Hillbrow"), "the search finds what is kept by design"
        left = traces(
            data,
            "Thandekazi",
            "thandekazi_handle",
            "Lindelwa",
            "7301234567",
            "Bongiwe",
            "Qzrefusedword",
            *TYPED_TEXT,
            *TYPED,
            ALERT_AT[0] + 0.02,
        )
        assert left == []
        # Her "Done" reply's send-log row, and any rate-limit hold, went with the rest.
        assert db_rows(db_path, "SELECT * FROM send_log WHERE chat_id = ?", thandeka.id) == []
        assert db_rows(db_path, "SELECT * FROM kv WHERE key LIKE ?", f"%{thandeka.id}") == []
        assert (await squad.ask(sipho, "/status")).text  # still running, still answering


async def test_a_running_bots_file_after_wipe_holds_nothing_of_the_squad(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake, name="Ubuntuhaven Squad")
        lead = squad.lead
        thandeka = fake.user(201, "Thandekazi", username="thandekazi_handle")
        await squad.join(thandeka, ALERT_AT[0], ALERT_AT[1])
        await squad.ask(thandeka, "/alias Lindelwa", private=True)
        await squad.ask(lead, "/place add Secret Taxi Rank -26.195271, 28.042493")
        mark = await squad.say(
            fake.user(300, "Zanelephant"), f"/alert {TYPED_TEXT[0]}, {TYPED_TEXT[1]} Zodwa held"
        )
        offer = await fake.wait_for(is_send(thandeka.id, "Zodwa"), after=mark)
        await fake.wait_for(is_send(squad.group.id, "Zodwa"), after=mark)
        # The squad's directory, and a referral with a note (issue 12).
        await squad.ask(
            lead,
            "/service add police Qxstation Yeoville | -26.183917, 28.061529 | 24/7"
            " | +27 11 555 0177 | ask for Sgt Mbalenhle",
            private=True,
        )
        code = code_of(offer)
        await fake.press(thandeka, bot_message(fake, offer), button=render("button.accept"))
        await fake.wait_for(is_send(thandeka.id, "You have"), after=mark)
        made = await refer_with_consent(squad, thandeka, code, "Qxstation")
        mark = len(fake.calls)
        await fake.press(thandeka, bot_message(fake, made), button="Note")
        await fake.wait_for(is_send(thandeka.id, "Send the note"), after=mark)
        await squad.ask(thandeka, "Vuyelwa waits at the side gate", private=True)
        await fake.idle()
        assert traces(file_bytes(db_path), "Ubuntuhaven", "Lindelwa"), "the search works"
        assert traces(file_bytes(db_path), "Qxstation", "Mbalenhle", "Vuyelwa"), "and finds these"
        first = await squad.ask(lead, "/wipe")
        mark = len(fake.calls)
        await fake.press(lead, bot_message(fake, first), button="delete the squad")
        second = await fake.wait_for(is_send(squad.group.id, "Really delete"), after=mark)
        mark = len(fake.calls)
        await fake.press(lead, bot_message(fake, second), button="Delete it now")
        await fake.wait_for(is_send(squad.group.id, "The squad is deleted"), after=mark)
        await in_sync(fake, fake.user(999, "Someone"))

        data = file_bytes(db_path)  # the bot is still running
        left = traces(
            data,
            "Ubuntuhaven",
            "Nomsa",
            "Thandekazi",
            "thandekazi_handle",
            "Lindelwa",
            "Zanelephant",
            "Zodwa",
            "Secret Taxi",
            "-26.195271",
            -26.195271,
            "Qxstation",
            "Mbalenhle",
            "555 0177",
            "Vuyelwa",
            -26.183917,
            *TYPED_TEXT,
            *TYPED,
            ALERT_AT[0],
        )
        assert left == []


async def test_after_forgetme_her_receipt_and_draft_are_gone_and_the_ledger_says_former_member(
    fake: FakeTelegram, db_path: Path
) -> None:
    """Through Telegram: she records a case, is paid from the fund with a receipt photo, and
    starts a warning; after her /forgetme the file holds neither her receipt's file id nor
    her draft's words, and the ledger shows her as "a former member"."""
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        lead = squad.lead
        thandeka, lerato = fake.user(201, "Thandekazi"), fake.user(202, "Lerato")
        await squad.join(thandeka, *THANDI_AT)
        await squad.join(lerato)
        await squad.ask(lead, "/lead Lerato")
        code = code_of(await closed_by(fake, squad, thandeka, "robbed at the rank"))
        page = await squad.ask(thandeka, f"/record {code}", private=True)
        await press_through(
            fake, thandeka, page, "▫️ robbery", render("record.next"), render("record.next"),
            render("record.next"), "▫️ a warning may go", render("record.done"),
        )  # fmt: skip
        await squad.ask(lead, "/fund currency ZAR", private=True)
        await squad.ask(lead, "/fund add 500", private=True)
        picker = await squad.ask(thandeka, f"/fund request {code} 40", private=True)
        mark = len(fake.calls)
        await fake.press(thandeka, bot_message(fake, picker), button="transport")
        asked = await fake.wait_for(is_send(lerato.id, "asks the fund"), after=mark)
        mark = len(fake.calls)
        await fake.press(lerato, bot_message(fake, asked), button="Approve")
        told = await fake.wait_for(is_send(thandeka.id, "is approved"), after=mark)
        mark = len(fake.calls)
        await fake.press(thandeka, bot_message(fake, told), button="receipt follows")
        await fake.wait_for(is_edit(thandeka.id, "send the photo"), after=mark)
        mark = len(fake.calls)
        await fake.send_media(thandeka, fake.private_chat(thandeka), "photo")
        await fake.wait_for(is_send(thandeka.id, "Receipt saved"), after=mark)
        [(receipt,)] = db_rows(db_path, "SELECT receipt_file_id FROM fund_entries WHERE "
                                        "receipt_file_id IS NOT NULL")  # fmt: skip
        await squad.ask(thandeka, f"/warn {code}", private=True)
        await squad.ask(thandeka, "Qzdraftwords tall man", private=True)
        await in_sync(fake, thandeka)
        assert traces(file_bytes(db_path), receipt, "Qzdraftwords"), "the search works"

        mark = await squad.say(thandeka, "/forgetme", private=True)
        ask = await fake.wait_for(is_send(thandeka.id, "This deletes everything"), after=mark)
        mark = len(fake.calls)
        await fake.press(thandeka, bot_message(fake, ask), button="forget me")
        await fake.wait_for(is_send(thandeka.id, "deleted everything"), after=mark)
        await in_sync(fake, lerato)

        assert traces(file_bytes(db_path), "Thandekazi", receipt, "Qzdraftwords") == []
        mark = len(fake.calls)
        await squad.ask(lead, "/fund export", private=True)
        export = await fake.wait_for(
            lambda c: c.method == "sendDocument" and c.chat_id == lead.id, after=mark
        )
        upload = export.upload()
        assert upload is not None
        assert "40.00,ZAR,transport,paid,a former member,Lerato,erased" in upload.data.decode()
