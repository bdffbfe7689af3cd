"""The case record at closing: optional, all on buttons, categories only."""

from __future__ import annotations

from bot.intents import Action
from bot.messages import render
from bot.records.model import Consent, Perpetrator, Service, Violation
from data import case_records as records_q
from tests.support import World
from tests.support.cases import closed_case, record


async def test_the_closing_message_offers_the_record_and_it_is_kept_as_categories(
    world: World,
) -> None:
    await world.member("Thandi", -26.2, 28.04)
    alert = await world.alert("Zanele", "-26.2041, 28.0473 he hit me")
    assert (await world.alerts.press(world.private("Thandi"), Action.CLAIM, alert.id, "")).ok
    closed = await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert.id, "health")
    offered = [b for row in closed.buttons for b in row]
    # "Referred to health care" also offers the referral step (bot/aftercare/).
    assert [b.action for b in offered] == [Action.NOTE, Action.REFER, Action.RECORD]
    opened = await world.services.records.press(world.private("Thandi"), alert.id, "open")
    assert opened.ok and not opened.edit_pressed  # a new message; the closing one stays
    await record(world, "Thandi", alert, "v_physical", "v_threats", "v_physical", "v_robbery")
    await record(world, "Thandi", alert, "p_client", "s_transport", "s_clinic", "c_count")
    done = await world.services.records.press(world.private("Thandi"), alert.id, "done")
    assert done.text is not None
    shown = render(done.text.key, done.text.params)
    assert "robbery and threats or harassment" in shown and "Who: client" in shown
    async with world.services.core.store.reading() as db:
        kept = await records_q.record_of(db, alert.id)
        async with db.execute("SELECT * FROM case_records") as cur:
            raw = [tuple(r) for r in await cur.fetchall()]
    assert kept is not None
    assert kept.violations == {Violation.THREATS, Violation.ROBBERY}
    assert kept.perpetrator is Perpetrator.CLIENT
    assert kept.services == {Service.TRANSPORT, Service.CLINIC}
    assert kept.consent is Consent.COUNT
    assert "he hit me" not in repr(raw) and "Thandi" not in repr(raw)


async def test_skipping_keeps_nothing_and_record_completes_it_later(world: World) -> None:
    await world.member("Thandi", -26.2, 28.04)
    alert = await closed_case(world, "Thandi")
    before = await world.snapshot()
    skipped = await world.services.records.press(world.private("Thandi"), alert.id, "skip")
    assert skipped.ok and skipped.text is not None and skipped.text.key == "record.skipped"
    assert await world.snapshot() == before
    later = await world.services.records.command(world.private("Nomsa"), alert.code)
    assert later.ok and later.buttons
    await record(world, "Nomsa", alert, "v_sexual", "p_unknown", "c_warn")
    async with world.services.core.store.reading() as db:
        kept = await records_q.record_of(db, alert.id)
    assert kept is not None and kept.consent is Consent.WARN


async def test_only_the_team_or_a_lead_records_and_only_a_closed_alert(world: World) -> None:
    await world.member("Thandi", -26.2, 28.04)
    await world.member("Kagiso")
    closed = await closed_case(world, "Thandi")
    open_ = await world.alert("Zanele", "-26.2041, 28.0473 still open")
    before = await world.snapshot()
    for result in (
        await world.services.records.command(world.private("Kagiso"), closed.code),
        await world.services.records.press(world.private("Kagiso"), closed.id, "v_robbery"),
        await world.services.records.command(world.private("Nomsa"), open_.code),
        await world.services.records.press(world.private("Thandi"), closed.id, "v_nonsense"),
        await world.services.records.press(world.private("Thandi"), closed.id, "pg_x"),
    ):
        assert not result.ok, result
    assert await world.snapshot() == before


async def test_record_sent_in_the_group_is_answered_in_private_and_its_message_deleted(
    world: World,
) -> None:
    await world.member("Thandi", -26.2, 28.04)
    alert = await closed_case(world, "Thandi")
    asked = world.group("Thandi")
    opened = await world.services.records.command(asked, alert.code)
    assert opened.ok and opened.private and opened.buttons
    assert opened.cleanup == (asked.message_id,)


async def test_a_record_whose_consent_was_never_chosen_counts_as_record_only(
    world: World,
) -> None:
    """Violations chosen, consent never asked: the case is not counted in /report."""
    from bot.reports.periods import Period

    await world.member("Thandi", -26.2, 28.04)
    alert = await closed_case(world, "Thandi")
    await record(world, "Thandi", alert, "v_robbery", "p_client")
    done = await world.services.records.press(world.private("Thandi"), alert.id, "done")
    assert done.text is not None
    assert "Consent: record only" in render(done.text.key, done.text.params)
    reply = await world.services.reports.report(world.private("Nomsa"), Period())
    assert reply.text is not None
    assert "counted: 0." in render(reply.text.key, reply.text.params)
    table = (await reply.files())[-1].data.decode()
    assert table.count("\n") == 1  # the header only


async def test_a_record_stays_with_the_case_past_retention(world: World) -> None:
    await world.member("Thandi", -26.2, 28.04)
    alert = await closed_case(world, "Thandi")
    await record(world, "Thandi", alert, "v_robbery", "p_client", "s_first_aid", "c_count")
    world.clock.advance((world.services.core.settings.retention_days + 1) * 86400)
    assert await world.services.privacy.purge_expired() > 0  # the alert's text went
    async with world.services.core.store.reading() as db:
        kept = await records_q.record_of(db, alert.id)
    assert kept is not None and kept.violations == {Violation.ROBBERY}
    assert kept.perpetrator is Perpetrator.CLIENT and kept.consent is Consent.COUNT


async def test_a_forged_record_press_from_outside_the_squad_learns_nothing(world: World) -> None:
    """Mallory, in no squad, forges the record's callback data with an alert's id: she is
    refused without learning its code, and nothing changes."""
    await world.member("Thandi", -26.2, 28.04)
    alert = await closed_case(world, "Thandi")
    world.users["Mallory"] = 666
    before = await world.snapshot()
    for arg in ("open", "v_robbery", "done"):
        pressed = await world.services.records.press(world.private("Mallory"), alert.id, arg)
        assert not pressed.ok and pressed.text is not None
        assert alert.code not in render(pressed.text.key, pressed.text.params)
    assert await world.snapshot() == before
