"""Warnings: only with consent, approved by a second lead, sent in private to members (not
observers or police liaisons, never the group), deleted at expiry, naming nobody."""

from __future__ import annotations

from bot.domain import Alert, Role
from bot.intents import MessageRole
from bot.messages import render
from data import safety_warnings as warnings_q
from tests.support import GROUP, World
from tests.support.cases import closed_case, record


def shown(reply: object) -> str:
    text = getattr(reply, "text", None)
    assert text is not None
    return render(text.key, text.params)


async def squad_with_a_case(world: World, consent: str = "c_warn") -> Alert:
    """Nomsa and Lerato lead; Thandi and Kagiso are members, Pieter a police liaison, Olu an
    observer. Thandi closed Zanele's case and recorded it with ``consent``."""
    await world.member("Thandi", -26.2, 28.04)
    await world.member("Kagiso")
    await world.member("Lerato")
    await world.member("Pieter")
    await world.member("Olu")
    squads = world.services.squads
    assert (await squads.set_role(world.group("Nomsa"), "Lerato", None, Role.LEAD)).ok
    assert (await squads.set_role(world.group("Nomsa"), "Olu", None, Role.OBSERVER)).ok
    pieter = (await world.get_member("Pieter")).id
    assert (await world.services.skills.toggle(world.private("Nomsa"), pieter, "police")).ok
    case = await closed_case(world, "Thandi", words="Bongiwe was beaten")
    await record(world, "Thandi", case, "v_physical", "p_client", consent)
    return case


async def test_a_warning_needs_the_survivors_consent(world: World) -> None:
    case = await squad_with_a_case(world, consent="c_count")
    before = await world.snapshot()
    refused = await world.services.warnings.warn(world.private("Thandi"), case.code)
    assert not refused.ok and "did not allow a warning" in shown(refused)
    assert await world.snapshot() == before


async def test_a_second_lead_approves_and_every_member_gets_it_in_private(world: World) -> None:
    case = await squad_with_a_case(world)
    warn = world.services.warnings
    draft = await warn.warn(world.private("Thandi"), case.code)
    assert draft.ok and "What happened: physical violence" in shown(draft)
    assert (await warn.typed(world.private("Thandi"), "Tall, grey beard, red cap")) is not None
    assert (await warn.typed(world.private("Thandi"), "White Toyota bakkie")) is not None
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT max(id) FROM warnings") as cur:
            wid = (await cur.fetchone())[0]
    await world.deliver_all()
    submitted = await warn.draft_press(world.private("Thandi"), wid, "submit")
    assert submitted.ok
    pages = [i for i in await world.outbox() if i.role is MessageRole.WARNING]
    assert sorted(i.chat_id for i in pages) == sorted([world.users["Nomsa"], world.users["Lerato"]])
    await world.deliver_all()
    before = await world.snapshot()
    assert not (await warn.approve(world.private("Thandi"), wid)).ok  # not a lead
    assert await world.snapshot() == before
    approved = await warn.approve(world.private("Lerato"), wid)
    assert approved.ok and "went to 4 members" in shown(approved)
    sent = [i for i in await world.outbox() if i.role is MessageRole.WARNING]
    to = {i.chat_id for i in sent}
    members = {world.users[n] for n in ("Nomsa", "Lerato", "Thandi", "Kagiso")}
    assert members <= to and world.users["Pieter"] not in to and world.users["Olu"] not in to
    assert GROUP not in to
    words = "".join(render(i.text.key, i.text.params) for i in sent if i.text)
    assert "Tall, grey beard, red cap" in words and "White Toyota bakkie" in words
    for secret in (case.code, "Zanele", "Bongiwe", "Thandi", "-26.2041", "28.0473"):
        assert secret not in words, secret
    listed = await warn.list_in_force(world.private("Kagiso"))
    assert "Tall, grey beard" in shown(listed)
    assert not (await warn.list_in_force(world.private("Pieter"))).ok


async def test_a_squads_only_lead_sends_her_own_warning_at_once_and_it_expires(
    world: World,
) -> None:
    await world.member("Thandi", -26.2, 28.04)
    case = await closed_case(world, "Nomsa")
    await record(world, "Nomsa", case, "v_robbery", "c_police")
    warn = world.services.warnings
    assert (await warn.warn(world.private("Nomsa"), case.code)).ok
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT max(id) FROM warnings") as cur:
            wid = (await cur.fetchone())[0]
    assert (await warn.draft_press(world.private("Nomsa"), wid, "skip")).ok
    too_long = await warn.typed(world.private("Nomsa"), "x" * 61)
    assert too_long is not None and not too_long.ok
    assert (await warn.draft_press(world.private("Nomsa"), wid, "skip")).ok
    sent = await warn.draft_press(world.private("Nomsa"), wid, "submit")
    assert "went to 2 members" in shown(sent)
    world.clock.advance(29 * 86400)
    await world.services.privacy.purge_expired()
    assert "robbery" in shown(await warn.list_in_force(world.private("Thandi")))
    world.clock.advance(2 * 86400)
    await world.services.privacy.purge_expired()
    assert shown(await warn.list_in_force(world.private("Thandi"))) == "No warnings are in force."
    async with world.services.core.store.reading() as db:
        assert await warnings_q.warning_by_id(db, wid) is None


async def test_a_rejected_or_discarded_warning_is_deleted_at_once(world: World) -> None:
    case = await squad_with_a_case(world)
    warn = world.services.warnings
    ids = []
    for _ in range(2):
        assert (await warn.warn(world.private("Thandi"), case.code)).ok
        assert await warn.typed(world.private("Thandi"), "Qzgone description") is not None
        async with world.services.core.store.reading() as db:
            async with db.execute("SELECT max(id) FROM warnings") as cur:
                ids.append((await cur.fetchone())[0])
    assert (await warn.draft_press(world.private("Thandi"), ids[1], "discard")).ok
    assert (await warn.warn(world.private("Thandi"), case.code)).ok
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT max(id) FROM warnings") as cur:
            pending = (await cur.fetchone())[0]
    assert (await warn.draft_press(world.private("Thandi"), pending, "submit")).ok
    rejected = await warn.reject(world.private("Lerato"), pending)
    assert rejected.ok
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT id FROM warnings") as cur:
            left = [r[0] for r in await cur.fetchall()]
    assert left == []  # the first draft went when the next /warn began one
    told = [i for i in await world.outbox() if i.chat_id == world.users["Thandi"]]
    assert any(i.text and i.text.key == "warning.rejected_issuer" for i in told)


async def test_coordinates_in_a_description_are_refused_and_change_nothing(world: World) -> None:
    case = await squad_with_a_case(world)
    assert (await world.services.warnings.warn(world.private("Thandi"), case.code)).ok
    before = await world.snapshot()
    typed = await world.services.warnings.typed(world.private("Thandi"), "-26.2041, 28.0473 man")
    assert typed is not None and not typed.ok and "no coordinates" in shown(typed)
    assert await world.snapshot() == before


async def test_a_reporter_asked_where_she_is_answers_her_alert_not_her_warning_draft(
    world: World,
) -> None:
    """Thandi starts a warning, then is in danger herself: she raises an alert in private
    and is asked where she is. Her typed answer is the alert's, not the draft's."""
    case = await squad_with_a_case(world)
    warn = world.services.warnings
    assert (await warn.warn(world.private("Thandi"), case.code)).ok
    asked = await world.alerts.raise_alert(world.private("Thandi"), "help me")
    assert asked.ok and "where are you?" in shown(asked)
    words = "behind the Qzshell garage"
    assert await warn.typed(world.private("Thandi"), words) is None
    answered = await world.services.locating.typed_answer(world.private("Thandi"), words, None)
    assert answered is not None and answered.ok, answered
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT description, awaiting FROM warnings") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("", "description")]
        async with db.execute("SELECT text FROM alerts ORDER BY id DESC LIMIT 1") as cur:
            assert words in (await cur.fetchone())[0]


async def newest_warning(world: World) -> int:
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT max(id) FROM warnings") as cur:
            return int((await cur.fetchone())[0])


async def test_a_lead_never_approves_her_own_warning_and_the_issuer_is_told_it_went_out(
    world: World,
) -> None:
    case = await squad_with_a_case(world)
    warn = world.services.warnings
    await record(world, "Lerato", case, "c_warn")  # Lerato, a lead, may warn too
    assert (await warn.warn(world.private("Lerato"), case.code)).ok
    wid = await newest_warning(world)
    assert (await warn.draft_press(world.private("Lerato"), wid, "submit")).ok
    before = await world.snapshot()
    own = await warn.approve(world.private("Lerato"), wid)
    assert not own.ok and "Another lead must approve" in shown(own)
    assert not (await warn.reject(world.private("Lerato"), wid)).ok
    assert await world.snapshot() == before
    await world.deliver_all()
    assert (await warn.approve(world.private("Nomsa"), wid)).ok
    told = [i for i in await world.outbox() if i.chat_id == world.users["Lerato"]]
    assert [i.text.key for i in told if i.text] == ["lines", "warning.approved_issuer"]


async def test_a_draft_or_an_unapproved_warning_is_deleted_after_the_warning_days(
    world: World,
) -> None:
    case = await squad_with_a_case(world)
    warn = world.services.warnings
    assert (await warn.warn(world.private("Thandi"), case.code)).ok
    assert (await warn.draft_press(world.private("Thandi"), await newest_warning(world),
                                   "submit")).ok  # fmt: skip
    assert (await warn.warn(world.private("Thandi"), case.code)).ok  # a second, a draft
    world.clock.advance(29 * 86400)
    await world.services.privacy.purge_expired()
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT state FROM warnings ORDER BY id") as cur:
            assert [r[0] for r in await cur.fetchall()] == ["pending", "draft"]
    world.clock.advance(2 * 86400)
    await world.services.privacy.purge_expired()
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT count(*) FROM warnings") as cur:
            assert (await cur.fetchone())[0] == 0
