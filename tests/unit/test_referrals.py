"""Referrals: made during an alert (or at its close) by a responder on it or a lead, only
with the person's agreement, and moved through their states by buttons, each with a time.

The fake clock starts on Friday 15 January 2027 at 10:00 in Johannesburg.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.aftercare.model import Category
from bot.aftercare.referrals import fitting
from bot.domain import Alert, AlertState, CrisisType, Origin, Outcome, Role
from bot.intents import Action, Refused
from data import alerts as alerts_q
from handlers import parsing
from tests.support import World
from tests.support.aftercare import add_service, labels, refer, said, world_rows

HERE = (-26.2041, 28.0473)
DAY = 86400.0
LEGAL_NEAR = "legal Legal Aid Hillbrow | -26.2000, 28.0460 | mon-fri 08:00-16:00"
LEGAL_FAR = "legal Lawyers for Human Rights | -26.1000, 28.0300 | mon-fri 08:00-16:00"
LEGAL_CLOSED = "legal Night Lawyer | -26.2040, 28.0470 | sat 09:00-10:00"
CLINIC = "clinic Hillbrow Clinic | -26.1913, 28.0434 | 24/7"
_SOME_ALERT = Alert(
    id=1, squad_id=1, code="K7QX", reporter_user_id=300, origin=Origin.GROUP,
    origin_chat_id=-1001, origin_message_id=1, text="", lat=None, lon=None, area_label=None,
    state=AlertState.CLOSED, owner_member_id=None, broadcast=False, offers_made=0,
    escalations=0, outcome=None, note=None, created_at=0.0, acknowledged_at=None,
    closed_at=None,
)  # fmt: skip


async def arrest(world: World, responder: str = "Thandi") -> Alert:
    """An arrest; ``responder`` (nearest) accepts it."""
    if responder not in world.users:
        await world.member(responder, HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} taken by police")
    async with world.services.core.store.transaction() as db:
        await alerts_q.set_crisis_type(db, alert.id, CrisisType.ARREST)
    accepted = await world.alerts.press(world.private(responder), Action.ACCEPT, alert.id, "")
    assert accepted.ok, accepted
    return await world.reload(alert)


async def test_refer_shows_the_nearest_open_services_of_the_fitting_kind(world: World) -> None:
    for line in (LEGAL_FAR, CLINIC, LEGAL_CLOSED, LEGAL_NEAR):
        await add_service(world, line)
    alert = await arrest(world)
    choices = await world.services.aftercare.referrals.refer(
        world.group("Thandi"), alert.code, None
    )
    assert choices.ok and choices.private
    assert said(choices).startswith(
        f"Refer #{alert.code} to which service (legal clinic or lawyer)?"
    )
    # An arrest fits legal help: open first, nearest first; the closed one last, with when.
    assert labels(choices) == [
        "Legal Aid Hillbrow · 450 m · open now",
        "Lawyers for Human Rights · 11.7 km · open now",
        "Night Lawyer · < 50 m · opens Sat 09:00",
    ]
    clinics = await world.services.aftercare.referrals.refer(
        world.private("Thandi"), alert.code, Category.CLINIC
    )
    assert labels(clinics) == ["Hillbrow Clinic · 1.5 km · 24/7"]


async def test_without_the_persons_agreement_no_referral_is_made(world: World) -> None:
    service = await add_service(world, LEGAL_NEAR)
    alert = await arrest(world)
    aftercare = world.services.aftercare
    thandi = world.private("Thandi")
    picked = await aftercare.press(thandi, Action.REFER_TO, alert.id, str(service))
    assert said(picked) == (
        f"#{alert.code}: did the person agree to be referred to Legal Aid Hillbrow (legal clinic "
        "or lawyer)? I make the referral only with their agreement."
    )
    assert labels(picked) == ["✅ They agreed", "❌ They did not agree"]
    before = await world.snapshot()
    declined = await aftercare.press(thandi, Action.REFER_DECLINED, alert.id, str(service))
    assert said(declined).startswith("Not referred: a referral is made only when the person agrees")
    assert await world.snapshot() == before


async def test_a_second_they_agreed_makes_no_second_referral(world: World) -> None:
    """A double tap, two phones, or an old consent question pressed again: one referral, one
    check, and the second press says why."""
    service = await add_service(world, LEGAL_NEAR)
    alert = await arrest(world)
    aftercare = world.services.aftercare
    thandi, nomsa = world.private("Thandi"), world.private("Nomsa")
    first, second = await asyncio.gather(
        aftercare.press(thandi, Action.REFER_AGREED, alert.id, str(service)),
        aftercare.press(nomsa, Action.REFER_AGREED, alert.id, str(service)),
    )
    assert sorted([first.ok, second.ok]) == [False, True]
    refused = first if not first.ok else second
    assert said(refused) == f"#{alert.code} is already referred to Legal Aid Hillbrow."
    assert await world_rows(world, "SELECT count(*) FROM referrals") == [(1,)]
    assert await world_rows(world, "SELECT count(*) FROM followups") == [(1,)]
    before = await world.snapshot()
    stale = await aftercare.press(thandi, Action.REFER_AGREED, alert.id, str(service))
    assert not stale.ok and await world.snapshot() == before
    # Once that referral has ended, the person may be referred there again.
    (referral_id,) = (await world_rows(world, "SELECT id FROM referrals"))[0]
    assert (await aftercare.press(thandi, Action.REFERRAL, referral_id, "lost")).ok
    assert (await refer(world, "Thandi", alert, service)).ok
    assert await world_rows(world, "SELECT state FROM referrals ORDER BY id") == [
        ("lost",),
        ("referred",),
    ]


async def test_a_referral_moves_through_its_states_each_with_its_time(world: World) -> None:
    service = await add_service(world, LEGAL_NEAR)
    alert = await arrest(world)
    made = await refer(world, "Thandi", alert, service)
    assert made.ok and made.edit_pressed
    text = said(made)
    assert "Referred, with the person's agreement:" in text
    assert f"#{alert.code} → Legal Aid Hillbrow (legal clinic or lawyer)" in text
    assert "Referred: Jan 15, 2027 10:00" in text
    assert "Thandi will be asked on Jan 18, 2027 10:00 whether they got there." in text
    assert labels(made)[:4] == [
        "🚶 They got there", "✅ Completed, successful", "✖️ Not successful", "❓ Lost"
    ]  # fmt: skip
    (referral_id, consent_at) = (await world_rows(world, "SELECT id, consent_at FROM referrals"))[0]
    assert consent_at == world.clock()
    world.clock.advance(DAY)
    thandi = world.private("Thandi")
    attended = await world.services.aftercare.press(
        thandi, Action.REFERRAL, referral_id, "attended"
    )
    assert "Got there: Jan 16, 2027 10:00" in said(attended)
    assert "🚶 They got there" not in labels(attended)
    world.clock.advance(DAY)
    done = await world.services.aftercare.press(thandi, Action.REFERRAL, referral_id, "successful")
    assert "Completed, successful: Jan 17, 2027 10:00" in said(done) and labels(done) == []
    assert await world_rows(
        world, "SELECT state, referred_at, attended_at, finished_at FROM referrals"
    ) == [("successful", world.clock() - 2 * DAY, world.clock() - DAY, world.clock())]
    # Whether they got there is known: the referral's check is answered, and goes quiet.
    assert await world_rows(world, "SELECT state FROM followups WHERE rule = 'referral'") == [
        ("done",)
    ]
    again = await world.services.aftercare.press(thandi, Action.REFERRAL, referral_id, "lost")
    assert not again.ok and "already finished" in said(again)


async def test_not_successful_asks_why(world: World) -> None:
    service = await add_service(world, LEGAL_NEAR)
    alert = await arrest(world)
    await refer(world, "Thandi", alert, service)
    (referral_id,) = (await world_rows(world, "SELECT id FROM referrals"))[0]
    thandi = world.private("Thandi")
    why = await world.services.aftercare.press(thandi, Action.REFERRAL, referral_id, "unsuccessful")
    assert said(why) == f"#{alert.code}: why was the referral to Legal Aid Hillbrow not successful?"
    assert "the service turned them away" in labels(why)
    assert await world_rows(world, "SELECT state FROM referrals") == [("referred",)]
    away = await world.services.aftercare.press(
        thandi, Action.REFERRAL_REASON, referral_id, "turned_away"
    )
    assert "Completed, not successful (the service turned them away)" in said(away)
    assert await world_rows(world, "SELECT state, reason FROM referrals") == [
        ("unsuccessful", "turned_away")
    ]


async def test_a_referral_can_be_made_at_closing_when_the_outcome_is_a_referral(
    world: World,
) -> None:
    service = await add_service(world, LEGAL_NEAR)
    alert = await arrest(world)
    closed = await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert.id, "legal")
    assert "🏥 Refer to a service" in labels(closed)
    assert f"with their agreement: tap below, or /refer {alert.code}." in said(closed)
    button = next(b for row in closed.buttons for b in row if b.action is Action.REFER)
    choices = await world.services.aftercare.press(
        world.private("Thandi"), button.action, button.alert_id, button.arg
    )
    # (After the close the alert's place is rounded to about a kilometre.)
    assert labels(choices) == ["Legal Aid Hillbrow · 400 m · open now"]
    made = await refer(world, "Thandi", await world.reload(alert), service)
    assert made.ok
    assert await world_rows(world, "SELECT alert_id, state FROM referrals") == [
        (alert.id, "referred")
    ]
    # Resolved on the spot is not a referral: no button.
    other = await arrest(world)
    resolved = await world.alerts.press(
        world.private("Thandi"), Action.OUTCOME, other.id, "resolved"
    )
    assert "🏥 Refer to a service" not in labels(resolved)


async def test_only_its_maker_whoever_checks_it_or_a_lead_moves_a_referral(world: World) -> None:
    service = await add_service(world, LEGAL_NEAR)
    alert = await arrest(world)
    await world.member("Sipho", HERE[0] + 0.01, HERE[1])
    await refer(world, "Thandi", alert, service)
    (referral_id,) = (await world_rows(world, "SELECT id FROM referrals"))[0]
    before = await world.snapshot()
    for action, arg in ((Action.REFERRAL, "attended"), (Action.REFERRAL_REASON, "refused"),
                        (Action.REFERRAL_NOTE, "")):  # fmt: skip
        refused = await world.services.aftercare.press(
            world.private("Sipho"), action, referral_id, arg
        )
        assert not refused.ok and "Only whoever made this referral" in said(refused)
    assert await world.snapshot() == before
    lead = await world.services.aftercare.press(
        world.private("Nomsa"), Action.REFERRAL, referral_id, "lost"
    )
    assert lead.ok and "Lost (nobody could find out)" in said(lead)


async def test_status_shows_open_referrals_by_kind_and_how_many_are_overdue(world: World) -> None:
    legal = await add_service(world, LEGAL_NEAR)
    other_legal = await add_service(world, LEGAL_FAR)
    clinic = await add_service(world, CLINIC)
    alert = await arrest(world)
    await refer(world, "Thandi", alert, legal)
    await refer(world, "Thandi", alert, clinic)
    world.clock.advance(2 * DAY)
    await refer(world, "Thandi", alert, other_legal)
    status = said(await world.services.squads.status(world.private("Nomsa")))
    assert "Open referrals: clinic 1 and legal clinic or lawyer 2. Overdue" in status
    assert status.endswith("0.") is False and ": 0." in status
    # Four days (the check's 3 and the grace's 1) after the first two: they are overdue.
    world.clock.advance(2 * DAY + 60)
    status = said(await world.services.squads.status(world.private("Nomsa")))
    assert "whether the person got there): 2." in status
    assert "Follow-ups: 3 open, 2 overdue." in status


async def test_a_referral_note_is_the_next_private_text(world: World) -> None:
    service = await add_service(world, LEGAL_NEAR)
    alert = await arrest(world)
    await refer(world, "Thandi", alert, service)
    (referral_id,) = (await world_rows(world, "SELECT id FROM referrals"))[0]
    asked = await world.services.aftercare.press(
        world.private("Thandi"), Action.REFERRAL_NOTE, referral_id, ""
    )
    assert "Do not write the person's name or number" in said(asked)
    saved = await world.services.aftercare.typed(
        world.private("Thandi"), "ask for desk 4, bring ID"
    )
    assert saved is not None and said(saved) == f"Note saved for the referral of #{alert.code}."
    assert await world_rows(world, "SELECT note FROM referrals") == [("ask for desk 4, bring ID",)]
    assert await world.services.aftercare.typed(world.private("Thandi"), "hello") is None


@pytest.mark.parametrize(
    ("who", "words", "says"),
    [
        ("Thandi", "ZZZZ", "I don't know an alert with the code ZZZZ"),
        ("Thandi", "{code} spa", 'I do not know the category "spa"'),
        ("Thandi", "{code} legal now please", "Send /refer CODE"),
        ("Thandi", "", "Please give the alert code"),
        ("Sipho", "{code}", "Only a responder on #{code}, or a lead"),
        ("Olu", "{code}", "Only a responder on #{code}, or a lead"),
        ("Nomsa", "{cancelled}", "was cancelled, so there is nobody to refer"),
    ],
)
async def test_bad_input_to_refer_gets_a_clear_reply_and_changes_nothing(
    world: World, who: str, words: str, says: str
) -> None:
    await add_service(world, LEGAL_NEAR)
    alert = await arrest(world)
    await world.member("Sipho")
    await world.member("Olu")
    await world.services.squads.set_role(world.group("Nomsa"), "Olu", None, Role.OBSERVER)
    gone = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} never mind")
    assert (await world.alerts.cancel(world.group("Zanele"), gone.code)).ok
    typed = words.format(code=alert.code, cancelled=gone.code)
    before = await world.snapshot()
    try:  # as the handler does: parse, then the one core call
        reply = await world.services.aftercare.referrals.refer(
            world.private(who), *parsing.refer(typed.split())
        )
    except Refused as refusal:
        reply = refusal.reply
    assert not reply.ok
    assert says.format(code=alert.code) in said(reply)
    assert await world.snapshot() == before


async def test_the_audit_trail_records_referrals_rule_changes_and_meetings(world: World) -> None:
    """With the case's code where there is one, and never a service's or a person's name."""
    service = await add_service(world, LEGAL_NEAR)
    alert = await arrest(world)
    await refer(world, "Thandi", alert, service)
    (referral_id,) = (await world_rows(world, "SELECT id FROM referrals"))[0]
    aftercare = world.services.aftercare
    assert (await aftercare.press(world.private("Thandi"), Action.REFERRAL, referral_id, "lost")).ok
    changed = await aftercare.tasks.followups(
        world.private("Nomsa"), parsing.followups(["rule", "check", "12h"])
    )
    assert changed.ok
    world.clock.advance(60)
    digest = await aftercare.meeting.digest(world.private("Nomsa"))
    held = digest.buttons[0][0]
    assert (await aftercare.press(world.private("Nomsa"), held.action, held.alert_id, held.arg)).ok
    audit = await world_rows(
        world,
        "SELECT action, target FROM audit WHERE action NOT IN ('setup', 'join', 'approve',"
        " 'service:add') AND action NOT LIKE 'role%' ORDER BY id",
    )
    assert audit[-4:] == [
        ("referral", alert.code),
        ("referral:moved", alert.code),
        ("followup_rule:check", None),
        ("meeting", None),
    ]
    assert not [row for row in audit if "Legal Aid" in str(row) or "Thandi" in str(row)]


@pytest.mark.parametrize(
    ("kind", "outcome", "fits"),
    [  # as the README says it, in its order
        (CrisisType.SEXUAL, Outcome.HEALTH, "care pep clinic"),
        (CrisisType.ASSAULT, Outcome.HEALTH, "clinic pep counselling"),
        (CrisisType.ROBBERY, Outcome.LEGAL, "legal"),
        (CrisisType.HARASSMENT, Outcome.POLICE, "police"),
        (CrisisType.ARREST, None, "legal"),
        (CrisisType.SEXUAL, None, "care pep clinic"),
        (CrisisType.ASSAULT, Outcome.RESOLVED, "clinic counselling"),
        (CrisisType.HEALTH, None, "clinic pep"),
        (CrisisType.ROBBERY, None, "counselling police"),
        (CrisisType.HARASSMENT, None, "legal shelter"),
        (CrisisType.MISSING, None, "shelter other"),
        (CrisisType.OTHER, None, "clinic care pep legal shelter counselling police other"),
        (None, None, "clinic care pep legal shelter counselling police other"),
    ],
)
def test_the_kinds_of_service_that_fit_a_case_are_the_readmes(
    kind: CrisisType | None, outcome: Outcome | None, fits: str
) -> None:
    alert = replace(_SOME_ALERT, crisis_type=kind, outcome=outcome)
    assert [c.value for c in fitting(alert)] == fits.split()
