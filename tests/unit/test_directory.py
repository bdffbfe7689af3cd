"""The squad's service directory: leads keep it (in one line, or through a guided dialogue
with buttons), members read it, nearest first for an alert, and every list says whether a
service is open now.

The fake clock starts on Friday 15 January 2027 at 10:00 in Johannesburg.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.aftercare import hours
from bot.aftercare.lines import open_label
from bot.i18n import LANGUAGES
from bot.intents import Action, Refused
from bot.messages import render
from tests.support import World, place
from tests.support.aftercare import (
    add_service,
    labels,
    said,
    service_request,
    services_query,
    world_rows,
)

SAST = ZoneInfo("Africa/Johannesburg")
HERE = (-26.2041, 28.0473)
CLINIC = "clinic Hillbrow Clinic | -26.1913, 28.0434 | mon-fri 08:00-16:00 | +27 11 555 0101 | ask for the nurse on duty"  # noqa: E501
NIGHT = "clinic Night Clinic | -26.2050, 28.0480 | daily 18:00-06:00"
FAR = "clinic Soweto Clinic | -26.2678, 27.8585 | 24/7"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SAST).timestamp()


def label(raw: str, when: str) -> str:
    now = at(when)
    state = hours.state_at(hours.parse(raw), now, SAST)
    return render("lines", {"lines": [open_label(state, now, SAST)]})


def test_opening_hours_say_open_now_or_when_they_open() -> None:
    weekdays = "mon-fri 08:00-16:00, sat 08:00-12:00"
    assert label(weekdays, "2027-01-15 10:00") == "open now, until 16:00"  # a Friday
    assert label(weekdays, "2027-01-15 06:30") == "closed now, opens 08:00"
    assert label(weekdays, "2027-01-15 22:00") == "closed now, opens Sat 08:00"
    assert label(weekdays, "2027-01-16 13:00") == "closed now, opens Mon 08:00"
    assert label("20:00-06:00", "2027-01-15 02:00") == "open now, until 06:00"  # overnight
    assert label("24/7", "2027-01-15 03:00") == "open around the clock"
    assert label("", "2027-01-15 03:00") == "opening hours not known"
    assert hours.canonical(hours.parse("Mon–Fri 8-16; Sat 08h00-12h00")) == (
        "mon-fri 08:00-16:00; sat 08:00-12:00"
    )
    assert hours.canonical(hours.parse("daily 07:00-24:00")) == "mon-sun 07:00-24:00"


@pytest.mark.parametrize("raw", ["25:00", "mon-fri 08:00-25:00", "08:60-09:00", "someday 9-5",
                                 "08:00-08:00", "24:00-08:00", "mon-fri"])  # fmt: skip
def test_hours_that_do_not_read_are_named(raw: str) -> None:
    with pytest.raises(hours.HoursError) as refused:
        hours.parse(raw)
    assert refused.value.raw in raw


async def test_a_lead_adds_a_service_in_one_line_and_members_read_it(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    added = await world.services.aftercare.directory.service(
        world.private("Nomsa"), service_request(f"add {CLINIC}")
    )
    assert added.ok
    assert said(added) == (
        "Added to the directory:\n"
        "• Hillbrow Clinic (clinic): open now, until 16:00\n"
        "   📞 +27 11 555 0101\n"
        "   📝 ask for the nurse on duty"
    )
    await add_service(world, "legal Legal Aid | -26.19, 28.05 | 24/7")
    listing = await world.services.aftercare.directory.services(
        world.group("Thandi"), services_query()
    )
    assert listing.private  # asked in the group, answered in private
    text = said(listing)
    assert text.index("Hillbrow Clinic") < text.index("Legal Aid") and "open around" in text
    legal = await world.services.aftercare.directory.services(
        world.private("Thandi"), services_query("lawyer")
    )
    assert "Legal Aid" in said(legal) and "Hillbrow Clinic" not in said(legal)


async def test_a_one_line_entry_typed_in_the_group_is_refused_and_its_message_deleted(
    world: World,
) -> None:
    """Its phone number and its note (a trusted officer's name) are for members only, in
    private: typed in the group, nothing is kept or repeated there, and the message goes."""
    before = await world.snapshot()
    group = world.group("Nomsa")
    typed = "add police Yeoville Station | -26.19, 28.04 | 24/7 | +27 11 555 0177 | Sgt Dube"
    try:
        reply = await world.services.aftercare.directory.service(group, service_request(typed))
    except Refused as refusal:
        reply = refusal.reply
    assert not reply.ok and not reply.private
    assert said(reply) == "Please use this command in a private chat with me."
    assert reply.cleanup == (group.message_id,)
    assert await world.snapshot() == before
    # Started in the group, the guided dialogue goes on in private; the entry it makes is
    # shown only there.
    start = await world.services.aftercare.directory.service(group, service_request("add"))
    assert start.ok and start.private


async def test_services_for_an_alert_list_the_open_ones_first_nearest_first(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    for line in (CLINIC, NIGHT, FAR):
        await add_service(world, line)
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} hurt")
    accepted = await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")
    assert accepted.ok, accepted
    day = said(
        await world.services.aftercare.directory.services(
            world.private("Thandi"), services_query(alert.code)
        )
    )
    # Friday 10:00: the night clinic is nearest but closed; it comes after the open ones.
    assert day.index("Hillbrow Clinic") < day.index("Soweto Clinic") < day.index("Night Clinic")
    assert f"from #{alert.code}" in day and "closed now, opens 18:00" in day
    world.clock.t = at("2027-01-15 23:00")
    night = said(
        await world.services.aftercare.directory.services(
            world.private("Thandi"), services_query(alert.code)
        )
    )
    assert (
        night.index("Night Clinic") < night.index("Soweto Clinic") < night.index("Hillbrow Clinic")
    )


async def test_only_the_alerts_team_and_the_leads_see_how_far_its_services_are(
    world: World,
) -> None:
    """Distances from an open alert to three known places would give its precise location
    away: a member who is not responding to it gets no distances, and nothing changes."""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Sipho", HERE[0] + 0.02, HERE[1])
    for line in (CLINIC, NIGHT, FAR):
        await add_service(world, line)
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} hurt")
    before = await world.snapshot()
    try:
        asked = await world.services.aftercare.directory.services(
            world.private("Sipho"), services_query(alert.code)
        )
    except Refused as refusal:
        asked = refusal.reply
    assert not asked.ok and "from #" not in said(asked) and " m\n" not in said(asked)
    assert said(asked) == (
        f"Only a responder on #{alert.code}, or a lead, sees how far the services are from it."
        " Send /services for the whole directory."
    )
    assert await world.snapshot() == before
    lead = said(
        await world.services.aftercare.directory.services(
            world.private("Nomsa"), services_query(alert.code)
        )
    )
    assert f"from #{alert.code}" in lead


async def test_a_long_directory_fits_one_message_in_every_language(world: World) -> None:
    """Telegram takes at most 4,096 characters a message: a long directory stops in time and
    says how many entries it left out, and how to see one kind."""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    note = "ask at the front desk for the counsellor on duty, and bring an ID if you have one " * 2
    for i in range(30):
        await add_service(
            world,
            f"clinic Clinic number {i:02d} | -26.19, 28.04 | 24/7 | +27 11 555 01{i:02d} | {note}",
        )
    listed = await world.services.aftercare.directory.services(
        world.private("Thandi"), services_query()
    )
    assert listed.text is not None
    for lang in LANGUAGES:
        assert len(render(listed.text.key, listed.text.params, lang)) <= 4096, lang
    text = said(listed)
    shown = text.count("• Clinic number")
    assert 5 < shown < 30 and "• Clinic number 00 (clinic)" in text
    assert text.splitlines()[-1] == (
        f"Not listed here for lack of room: {30 - shown}. /services CATEGORY lists one kind."
    )


async def test_the_guided_dialogue_adds_a_service_with_buttons(world: World) -> None:
    directory = world.services.aftercare.directory
    aftercare = world.services.aftercare
    nomsa = world.private("Nomsa")
    await world.services.squads.place(nomsa, place("add Taxi Rank -26.2005, 28.0455"))
    start = await directory.service(world.group("Nomsa"), service_request("add"))
    assert start.private and "clinic" in labels(start)
    police = next(b for row in start.buttons for b in row if b.arg == "police")
    asked = await aftercare.press(nomsa, police.action, police.alert_id, police.arg)
    assert said(asked).startswith("A police station (trusted officer). What is it called?")
    where = await aftercare.typed(nomsa, "Hillbrow Police Station")
    assert where is not None and labels(where) == ["📍 Taxi Rank"]
    rank = where.buttons[0][0]
    when = await aftercare.press(nomsa, rank.action, rank.alert_id, rank.arg)
    assert "When is it open?" in said(when) and labels(when)[0] == "Open 24/7"
    # A bad answer is refused, says why, and the question stays open.
    before = await world.snapshot()
    bad = await aftercare.typed(nomsa, "mon-fri 08:00-25:00")
    assert bad is not None and not bad.ok and '"08:00-25:00"' in said(bad)
    assert await world.snapshot() == before
    phone = await aftercare.typed(nomsa, "24/7")
    assert phone is not None and "phone number" in said(phone)
    bad_phone = await aftercare.typed(nomsa, "call Sgt Dube")
    assert bad_phone is not None and not bad_phone.ok and "not a phone number" in said(bad_phone)
    note = await aftercare.typed(nomsa, "011 555 0199")
    assert note is not None and "trusted officer" in said(note)
    skip = note.buttons[0][0]
    done = await aftercare.press(nomsa, skip.action, skip.alert_id, skip.arg)
    assert done.ok and done.edit_pressed
    assert "Hillbrow Police Station (police station (trusted officer)): open around the clock" in (
        said(done)
    )
    got = await world_rows(
        world, "SELECT category, name, lat, lon, hours, phone, note FROM services"
    )
    assert got == [("police", "Hillbrow Police Station", -26.2005, 28.0455, "24/7", "011 555 0199",
                    None)]  # fmt: skip
    assert await world_rows(world, "SELECT * FROM service_drafts") == []
    # Done: the next text is not taken for the directory.
    assert await aftercare.typed(nomsa, "hello") is None


async def test_an_unanswered_dialogue_expires_and_the_auditor_drops_it(world: World) -> None:
    nomsa = world.private("Nomsa")
    start = await world.services.aftercare.directory.service(nomsa, service_request("add"))
    clinic = start.buttons[0][0]
    assert (
        await world.services.aftercare.press(nomsa, clinic.action, clinic.alert_id, "clinic")
    ).ok
    world.clock.advance(world.services.core.settings.note_wait.total_seconds() + 1)
    assert await world.services.aftercare.typed(nomsa, "Hillbrow Clinic") is None
    await world.services.privacy.purge_expired()
    assert await world_rows(world, "SELECT * FROM service_drafts") == []


async def test_a_lead_removes_a_service_by_name_or_with_a_button(world: World) -> None:
    await add_service(world, CLINIC)
    await add_service(world, FAR)
    directory = world.services.aftercare.directory
    removed = await directory.service(
        world.private("Nomsa"), service_request("remove hillbrow clinic")
    )
    assert said(removed) == "Removed from the directory: Hillbrow Clinic."
    pick = await directory.service(world.private("Nomsa"), service_request("remove"))
    assert labels(pick) == ["🗑 Soweto Clinic"]
    button = pick.buttons[0][0]
    gone = await world.services.aftercare.press(
        world.private("Nomsa"), button.action, button.alert_id, button.arg
    )
    assert gone.ok and await world_rows(world, "SELECT * FROM services") == []
    audit = await world_rows(world, "SELECT action, target FROM audit WHERE action LIKE 'service%'")
    assert audit == [("service:add", None)] * 2 + [("service:remove", None)] * 2


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("add wizard Hogwarts | -26.19, 28.04 | 24/7", 'I do not know the category "wizard"'),
        ("add clinic X | -26.19, 28.04 | mon-fri 08:00-25:00", 'I could not read "08:00-25:00"'),
        ("add clinic X | -26.19, 28.04 | 25:00", 'I could not read "25:00"'),
        ("add clinic X | -26.19, 28.04 | 24/7 | 12ab", '"12ab" is not a phone number'),
        ("add clinic X | -26.19, 28.04 | 24/7 | +1 23", '"+1 23" is not a phone number'),
        ("add clinic X | Nowhere Rank | 24/7", 'no saved place called "Nowhere Rank"'),
        ("add clinic X | -95.1, 28.04 | 24/7", "latitude must be between -90 and 90"),
        ("add clinic X | -26.19, 28.04", "/service add CATEGORY NAME"),
        ("add clinic | -26.19, 28.04 | 24/7", "/service add CATEGORY NAME"),
        ("add clinic Hillbrow Clinic | -26.2, 28.0 | 24/7", 'already has "Hillbrow Clinic"'),
        ("remove Nowhere", 'There is no "Nowhere" in the directory'),
        ("fix it", "/service add CATEGORY NAME"),
    ],
)
async def test_bad_input_to_service_gets_a_clear_reply_and_changes_nothing(
    world: World, typed: str, says: str
) -> None:
    await add_service(world, CLINIC)
    before = await world.snapshot()
    try:
        reply = await world.services.aftercare.directory.service(
            world.private("Nomsa"), service_request(typed)
        )
    except Refused as refusal:  # the parser refused: the core was never asked
        reply = refusal.reply
    assert not reply.ok and says in said(reply), said(reply)
    assert await world.snapshot() == before


@pytest.mark.parametrize(
    ("typed", "says"),
    [("ZZZZ", 'no alert called "ZZZZ"'), ("sauna", 'kind of service and no alert called "SAUNA"'),
     ("clinic legal", 'no alert called "clinic legal"'), ("x!", 'called "x!"')],
)  # fmt: skip
async def test_bad_input_to_services_gets_a_clear_reply_and_changes_nothing(
    world: World, typed: str, says: str
) -> None:
    await world.member("Thandi")
    before = await world.snapshot()
    try:
        reply = await world.services.aftercare.directory.services(
            world.private("Thandi"), services_query(typed)
        )
    except Refused as refusal:
        reply = refusal.reply
    assert not reply.ok and says in said(reply), said(reply)
    assert await world.snapshot() == before


async def test_a_dialogue_button_of_someone_who_is_not_a_lead_changes_nothing(
    world: World,
) -> None:
    await world.member("Thandi")
    start = await world.services.aftercare.directory.service(
        world.private("Nomsa"), service_request("add")
    )
    clinic = start.buttons[0][0]
    before = await world.snapshot()
    forged = await world.services.aftercare.press(
        world.private("Thandi"), Action.SERVICE_CATEGORY, clinic.alert_id, "clinic"
    )
    assert not forged.ok and await world.snapshot() == before
