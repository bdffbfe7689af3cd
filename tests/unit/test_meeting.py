"""/meeting: a digest for partners of the period since the last meeting, as text and as the
same document, with case codes and counts only."""

from __future__ import annotations

import re

from bot.domain import Alert, CrisisType
from bot.intents import Action, FileKind
from data import alerts as alerts_q
from tests.support import COORD_RE, World
from tests.support.aftercare import add_service, refer, said, world_rows

HERE = (-26.2041, 28.0473)
DAY = 86400.0
WORDS = "Bongiwe was hurt behind the Shoprite"


async def handled(world: World, responder: str, kind: CrisisType, outcome: str | None) -> Alert:
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} {WORDS}")
    async with world.services.core.store.transaction() as db:
        await alerts_q.set_crisis_type(db, alert.id, kind)
    assert (await world.alerts.press(world.private(responder), Action.CLAIM, alert.id, "")).ok
    if outcome is not None:
        done = await world.alerts.press(world.private(responder), Action.OUTCOME, alert.id, outcome)
        assert done.ok
    return await world.reload(alert)


async def a_month_of_cases(world: World) -> dict[str, Alert]:
    thandi = await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    lerato = await world.member("Lerato", HERE[0] + 0.02, HERE[1])
    assert (await world.services.skills.toggle(world.private("Thandi"), thandi.id, "peer")).ok
    assert (await world.services.skills.toggle(world.private("Lerato"), lerato.id, "paralegal")).ok
    clinic = await add_service(world, "clinic Hillbrow Clinic | -26.19, 28.04 | 24/7")
    legal = await add_service(world, "legal Legal Aid | -26.19, 28.05 | 24/7")
    sexual = await handled(world, "Thandi", CrisisType.SEXUAL, "health")
    away = await refer(world, "Thandi", sexual, clinic)
    (referral,) = (await world_rows(world, "SELECT max(id) FROM referrals"))[0]
    assert away.ok
    thandi_press = world.services.aftercare.press
    assert (
        await thandi_press(world.private("Thandi"), Action.REFERRAL_REASON, referral, "turned_away")
    ).ok
    arrest = await handled(world, "Lerato", CrisisType.ARREST, None)  # still open
    await refer(world, "Lerato", arrest, legal)
    await handled(world, "Thandi", CrisisType.ROBBERY, "false_alarm")
    gone = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} {WORDS}")
    assert (await world.alerts.cancel(world.group("Zanele"), gone.code)).ok
    return {"sexual": sexual, "arrest": arrest}


async def test_the_digest_counts_without_names_words_or_places(world: World) -> None:
    cases = await a_month_of_cases(world)
    world.clock.advance(2 * DAY + 60)  # the 24-hour check on the person is overdue
    digest = await world.services.aftercare.meeting.digest(world.private("Nomsa"))
    assert digest.ok
    text = said(digest)
    lines = text.splitlines()
    assert lines[0] == '📋 Meeting digest of "Hillbrow"'
    assert lines[1].startswith("From Jan 15, 2027 10:00 to Jan 17, 2027 10:01 (Africa/")
    assert "• sexual assault: 1 (referred to health care: 1)" in lines
    assert "• arrest or detention: 1 (still open: 1)" in lines
    assert "• robbery: 1 (false alarm: 1)" in lines
    assert "• other: 1 (cancelled: 1)" in lines
    assert "• clinic: 1 (completed, not successful: 1)" in lines
    assert "• legal clinic or lawyer: 1 (referred: 1)" in lines
    assert "• Hillbrow Clinic (clinic): 1" in lines  # the service that turned someone away
    assert f"• peer educator: 1 (#{cases['sexual'].code})" in lines
    assert any(line.startswith(f"• #{cases['arrest'].code} · ") for line in lines)  # its clock
    # Codes and counts only: no name, no word of an alert, no place finer than a service.
    for secret in ("Thandi", "Lerato", "Nomsa", "Zanele", "Bongiwe", "Shoprite", "hurt", "grid"):
        assert secret not in text, secret
    assert not COORD_RE.search(text) and not re.search(r"-?\d+\.\d{2,}", text)
    # The same digest, as a document to print or share.
    (document,) = digest.attachments
    assert document.kind is FileKind.DOCUMENT and document.filename == "meeting-2027-01-17.txt"
    assert document.data.decode("utf-8") == text + "\n"


async def test_a_meeting_marked_held_starts_the_next_digest(world: World) -> None:
    await a_month_of_cases(world)
    world.clock.advance(DAY)
    first = await world.services.aftercare.meeting.digest(world.private("Nomsa"))
    (held,) = (b for row in first.buttons for b in row)
    assert held.action is Action.MEETING_HELD
    world.clock.advance(3600)
    recorded = await world.services.aftercare.press(
        world.private("Nomsa"), held.action, held.alert_id, held.arg
    )
    assert said(recorded) == "Recorded: the next digest starts at Jan 16, 2027 10:00."
    again = await world.services.aftercare.press(
        world.private("Nomsa"), held.action, held.alert_id, held.arg
    )
    assert not again.ok and "already recorded" in said(again)
    later = said(await world.services.aftercare.meeting.digest(world.private("Nomsa")))
    assert "From Jan 16, 2027 10:00 to Jan 16, 2027 11:00" in later
    assert "No alerts in this period." in later
    assert "• legal clinic or lawyer: 1 (referred: 1)" in later  # still open: still shown
    assert "• clinic:" not in later  # finished before this period


async def test_only_a_lead_in_private_gets_the_digest(world: World) -> None:
    await world.member("Thandi")
    before = await world.snapshot()
    member = await world.services.aftercare.meeting.digest(world.private("Thandi"))
    assert not member.ok and "Only a lead" in said(member)
    group = await world.services.aftercare.meeting.digest(world.group("Nomsa"))
    assert not group.ok and "private chat" in said(group)
    assert await world.snapshot() == before
