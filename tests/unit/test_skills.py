"""Skills and needs against a real SQLite file: who may set whose skills, what each crisis
type needs in a squad, and the counts a lead's /status shows."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core import Caller
from bot.crisis import DEFAULT_NEEDS
from bot.domain import Availability, CrisisType, Role, Skill
from bot.intents import Action, Refused, Reply
from bot.messages import render
from bot.skills import NeedsChange
from data import skills as skills_q
from handlers import parsing
from tests.support import World, db_rows

HERE = (-26.2041, 28.0473)


def text_of(reply: Reply) -> str:
    assert reply.text is not None
    return render(reply.text.key, reply.text.params)


def labels(reply: Reply) -> list[str]:
    return [render(b.label.key, b.label.params) for row in reply.buttons for b in row]


def press(reply: Reply, skill: Skill) -> tuple[int, str]:
    """The member id and skill a skill button of ``reply`` carries."""
    found = [b for row in reply.buttons for b in row if b.arg == skill.value]
    assert len(found) == 1 and found[0].action is Action.SKILL and found[0].alert_id is not None
    return found[0].alert_id, found[0].arg


async def stored_skills(world: World, name: str) -> set[str]:
    member = await world.get_member(name)
    rows = db_rows(
        world.services.core.settings.database,
        "SELECT skill FROM member_skills WHERE member_id = ?",
        member.id,
    )
    return {skill for (skill,) in rows}


async def make(world: World, name: str, role: str) -> None:
    reply = await world.services.squads.set_role(world.group(world.lead), name, None, Role(role))
    assert reply.ok, reply


@pytest.fixture
async def squad(world: World) -> World:
    """Nomsa leads; Thandi and Sipho respond; Olu observes; Wanda waits for approval."""
    await world.member("Thandi", *HERE)
    await world.member("Sipho", *HERE)
    await world.member("Olu", *HERE)
    await make(world, "Olu", "observer")
    await world.member("Wanda", approve=False)
    return world


# /skills and its buttons -------------------------------------------------------------


async def test_a_member_switches_her_skills_with_the_buttons(squad: World) -> None:
    skills = squad.services.skills
    shown = await skills.show(squad.private("Thandi"), "")
    assert shown.ok and not shown.private  # asked in private: answered there
    assert 'Your skills in "Hillbrow"' in text_of(shown)
    assert labels(shown) == [render(f"skill.{s.value}") for s in Skill]  # all off

    member_id, arg = press(shown, Skill.PARALEGAL)
    assert member_id == (await squad.get_member("Thandi")).id
    on = await skills.toggle(squad.private("Thandi"), member_id, arg)
    assert on.ok and on.edit_pressed
    assert on.answer is not None and render(on.answer.key, on.answer.params) == (
        "Switched on: paralegal."
    )
    assert "✅ paralegal" in labels(on)
    assert await stored_skills(squad, "Thandi") == {"paralegal"}
    assert (await squad.get_member("Thandi")).skills == {Skill.PARALEGAL}

    # Only a lead switches the police liaison skill: a liaison who could switch it off
    # would be offered alerts without anyone's consent to involve the police.
    before = await squad.snapshot()
    own = await skills.toggle(squad.private("Thandi"), member_id, Skill.POLICE.value)
    assert not own.ok and own.text is not None and own.text.key == "skills.police_lead"
    assert await squad.snapshot() == before
    lead = await skills.toggle(squad.private("Nomsa"), member_id, Skill.POLICE.value)
    assert lead.ok
    refused_off = await skills.toggle(squad.private("Thandi"), member_id, Skill.POLICE.value)
    assert not refused_off.ok
    off = await skills.toggle(squad.private("Thandi"), member_id, Skill.PARALEGAL.value)
    assert off.answer is not None and off.answer.key == "skills.switched_off"
    assert await stored_skills(squad, "Thandi") == {"police"}
    assert "✅ police liaison" in labels(off) and "paralegal" in labels(off)

    audited = db_rows(
        squad.services.core.settings.database,
        "SELECT action, target FROM audit WHERE action LIKE 'skill:%'",
    )
    assert [a for a, _ in audited] == [
        "skill:paralegal:on",
        "skill:police:on",
        "skill:paralegal:off",
    ]
    assert {t for _, t in audited} == {str(member_id)}


async def test_skills_asked_in_the_group_are_answered_in_private(squad: World) -> None:
    shown = await squad.services.skills.show(squad.group("Thandi"), "")
    assert shown.ok and shown.private


async def test_a_lead_sets_a_members_skill_and_a_non_lead_cannot(squad: World) -> None:
    skills = squad.services.skills
    shown = await skills.show(squad.group("Nomsa"), "Thandi")
    assert shown.ok and shown.private
    assert text_of(shown).startswith('Skills of "Thandi" in "Hillbrow"')
    member_id, arg = press(shown, Skill.HEALTH)
    done = await skills.toggle(squad.private("Nomsa"), member_id, arg)
    assert done.ok and await stored_skills(squad, "Thandi") == {"health"}
    # A lead in private, with the alias as typed (an @ and other case).
    assert (await skills.show(squad.private("Nomsa"), parsing.alias(["@thandi"]))).ok

    before = await squad.snapshot()
    refused = await skills.show(squad.group("Sipho"), "Thandi")
    assert not refused.ok and refused.text is not None
    assert refused.text.key == "skills.leads_only"
    pressed = await skills.toggle(squad.private("Sipho"), member_id, Skill.PEER.value)
    assert not pressed.ok and pressed.text is not None and pressed.text.key == "skills.not_yours"
    stranger = Caller(999, 999, private=True)
    assert not (await skills.toggle(stranger, member_id, Skill.PEER.value)).ok
    assert await squad.snapshot() == before
    # Their own alias is their own skills.
    assert (await skills.show(squad.private("Sipho"), "sipho")).ok


async def test_an_observer_or_a_waiting_member_gets_no_skills(squad: World) -> None:
    skills = squad.services.skills
    olu = await squad.get_member("Olu")
    wanda = await squad.get_member("Wanda")
    before = await squad.snapshot()
    for caller, alias, key in (
        (squad.private("Olu"), "", "skills.observer"),
        (squad.group("Olu"), "", "skills.observer"),
        (squad.private("Wanda"), "", "join.waiting"),
        (squad.group("Nomsa"), "Olu", "assign.observer"),
        (squad.group("Nomsa"), "Wanda", "assign.waiting"),
    ):
        reply = await skills.show(caller, alias)
        assert not reply.ok and reply.text is not None and reply.text.key == key, (alias, key)
    for target, presser in ((olu, "Olu"), (olu, "Nomsa"), (wanda, "Nomsa")):
        reply = await skills.toggle(squad.private(presser), target.id, Skill.POLICE.value)
        assert not reply.ok, (target.alias, presser)
    assert await squad.snapshot() == before
    assert "Observers do not respond" in render("skills.observer")


async def test_an_unknown_or_ambiguous_alias_or_a_forged_button_is_refused(squad: World) -> None:
    skills = squad.services.skills
    await squad.member("Lindi")
    await squad.member("Lindi2")
    await squad.services.members.set_alias(squad.private("Lindi2"), "Lindi")
    before = await squad.snapshot()
    unknown = await skills.show(squad.group("Nomsa"), "Nobody")
    assert unknown.text is not None and unknown.text.key == "member.unknown"
    ambiguous = await skills.show(squad.group("Nomsa"), "lindi")
    assert ambiguous.text is not None and ambiguous.text.key == "member.ambiguous"
    thandi = await squad.get_member("Thandi")
    for member_id, arg in ((thandi.id, "wizard"), (thandi.id, ""), (99_999, "peer")):
        reply = await skills.toggle(squad.private("Nomsa"), member_id, arg)
        assert not reply.ok and reply.text is not None and reply.text.key == "button.invalid"
    assert await squad.snapshot() == before


async def test_in_private_skills_are_for_the_latest_squad_where_one_responds(
    squad: World,
) -> None:
    services = squad.services
    squad.users["Ayanda"] = 150
    second = Caller(150, -2002, private=False, first_name="Ayanda", message_id=1)
    assert (await services.squads.setup(second, "Soweto", is_admin=True)).ok
    async with services.core.store.reading() as db:
        async with db.execute("SELECT invite_token FROM squads WHERE chat_id = -2002") as cur:
            token = (await cur.fetchone())["invite_token"]
    squad.clock.advance(60)
    assert (await services.joining.start(squad.private("Thandi"), token)).ok
    async with services.core.store.reading() as db:
        async with db.execute(
            "SELECT id FROM members WHERE user_id = ? AND squad_id ="
            " (SELECT id FROM squads WHERE chat_id = -2002)",
            (squad.users["Thandi"],),
        ) as cur:
            thandi_soweto = (await cur.fetchone())["id"]
    # Still waiting in Soweto: her skills are Hillbrow's.
    assert 'in "Hillbrow"' in text_of(await services.skills.show(squad.private("Thandi"), ""))
    approve = await services.joining.answer(squad.private("Ayanda"), thandi_soweto, approve=True)
    assert approve.ok
    shown = await services.skills.show(squad.private("Thandi"), "")
    assert 'in "Soweto"' in text_of(shown) and press(shown, Skill.PEER)[0] == thandi_soweto
    # Sent in Hillbrow's group, it is Hillbrow's.
    assert 'in "Hillbrow"' in text_of(await services.skills.show(squad.group("Thandi"), ""))


async def test_me_lists_skills_and_forgetme_deletes_them(squad: World) -> None:
    thandi = await squad.get_member("Thandi")
    await squad.services.skills.toggle(squad.private("Thandi"), thandi.id, "counsellor")
    me = await squad.services.members.me(squad.private("Thandi"))
    assert "Skills: counsellor" in text_of(me)
    assert (await squad.services.privacy.forget(squad.private("Thandi"), thandi.user_id)).ok
    rows = db_rows(squad.services.core.settings.database, "SELECT * FROM member_skills")
    assert rows == []


# /needs --------------------------------------------------------------------------------


def needs_of(args: str) -> NeedsChange | None:
    return parsing.needs(args.split())


def test_needs_are_read_as_a_type_and_skills_anyone_or_default() -> None:
    assert needs_of("") is None
    assert needs_of("arrest paralegal,health") == NeedsChange(
        CrisisType.ARREST, ((Skill.PARALEGAL,), (Skill.HEALTH,))
    )
    assert needs_of("ROBBERY peer, transport") == NeedsChange(
        CrisisType.ROBBERY, ((Skill.PEER,), (Skill.TRANSPORT,))
    )
    assert needs_of("assault peer/health") == NeedsChange(
        CrisisType.ASSAULT, ((Skill.PEER, Skill.HEALTH),)
    )
    assert needs_of("other anyone") == NeedsChange(CrisisType.OTHER, ())
    assert needs_of("sexual default") == NeedsChange(CrisisType.SEXUAL, None)


@pytest.mark.parametrize(
    ("args", "key", "listed"),
    [
        ("fire paralegal", "needs.unknown_type", "arrest, assault, sexual, health"),
        ("arrest", "needs.usage", "paralegal, health, peer, counsellor"),
        ("arrest wizard", "needs.unknown_skill", "transport, leader, police"),
        ("arrest paralegal,paralegal", "needs.unknown_skill", "paralegal"),
        ("arrest anyone,peer", "needs.unknown_skill", "paralegal"),
        ("arrest default,peer", "needs.unknown_skill", "paralegal"),
        ("arrest , ,", "needs.unknown_skill", "paralegal"),
    ],
)
def test_bad_needs_input_gets_a_reply_listing_the_words(args: str, key: str, listed: str) -> None:
    with pytest.raises(Refused) as refused:
        needs_of(args)
    reply = refused.value.reply
    assert not reply.ok and reply.text is not None and reply.text.key == key
    assert listed in text_of(reply)


async def test_needs_show_the_defaults_and_a_leads_change(squad: World) -> None:
    skills = squad.services.skills
    shown = text_of(await skills.needs(squad.private("Thandi"), None))
    assert shown.startswith('What each crisis type needs in "Hillbrow"')
    assert "• arrest or detention (arrest): paralegal\n" in shown
    assert "• physical assault (assault): peer educator, or else health worker\n" in shown
    assert "• other (other): anyone available" in shown
    assert "/needs <type>" not in shown  # the how-to is for leads

    done = await skills.needs(squad.group("Nomsa"), needs_of("arrest paralegal,transport"))
    assert (
        text_of(done)
        == 'In this squad, "arrest or detention" now needs: paralegal and has transport.'
    )
    anyone = await skills.needs(squad.private("Nomsa"), needs_of("harassment anyone"))
    assert text_of(anyone).endswith("now needs: anyone available.")
    lead_view = text_of(await skills.needs(squad.private("Nomsa"), None))
    assert "(arrest): paralegal and has transport (changed by a lead)" in lead_view
    assert "(harassment): anyone available (changed by a lead)" in lead_view
    assert "/needs <type> <skills>" in lead_view
    squad_id = (await squad.get_member("Nomsa")).squad_id
    async with squad.services.core.store.reading() as db:
        assert await skills_q.squad_needs(db, squad_id) == {
            CrisisType.ARREST: ((Skill.PARALEGAL,), (Skill.TRANSPORT,)),
            CrisisType.HARASSMENT: (),
        }
    back = await skills.needs(squad.group("Nomsa"), needs_of("arrest default"))
    assert text_of(back) == '"arrest or detention" is back to what it needs by default: paralegal.'
    # Setting what a type needs by default is no change.
    await skills.needs(squad.group("Nomsa"), needs_of("harassment paralegal/peer"))
    async with squad.services.core.store.reading() as db:
        assert await skills_q.squad_needs(db, squad_id) == {}
    audited = db_rows(
        squad.services.core.settings.database,
        "SELECT action, target FROM audit WHERE action LIKE 'needs:%' ORDER BY id",
    )
    assert audited == [
        ("needs:arrest", "paralegal,transport"),
        ("needs:harassment", "anyone"),
        ("needs:arrest", "default"),
        ("needs:harassment", "default"),
    ]
    assert DEFAULT_NEEDS[CrisisType.HARASSMENT] == ((Skill.PARALEGAL, Skill.PEER),)


async def test_only_a_lead_changes_needs_and_observers_do_not_read_them(squad: World) -> None:
    skills = squad.services.skills
    before = await squad.snapshot()
    for name in ("Thandi", "Olu", "Wanda"):
        for caller in (squad.group(name), squad.private(name)):
            reply = await skills.needs(caller, needs_of("arrest peer"))
            assert not reply.ok and reply.text is not None and reply.text.key == "leads_only"
    for caller in (squad.group("Olu"), squad.private("Olu")):
        reply = await skills.needs(caller, None)
        assert not reply.ok and reply.text is not None and reply.text.key == "observer.no"
    stranger = Caller(999, 999, private=True)
    assert not (await skills.needs(stranger, None)).ok
    assert await squad.snapshot() == before


# /status ---------------------------------------------------------------------------------


async def test_a_leads_status_counts_available_members_by_skill(squad: World) -> None:
    services = squad.services
    for name, wanted in (("Thandi", "paralegal"), ("Sipho", "paralegal"), ("Nomsa", "health")):
        member = await squad.get_member(name)
        assert (await services.skills.toggle(squad.private(name), member.id, wanted)).ok
    await services.members.set_availability(squad.private("Sipho"), Availability.BUSY)
    status = text_of(await services.squads.status(squad.private("Nomsa")))
    assert (
        "Available, by skill: paralegal: 1, health worker: 1, peer educator: 0, counsellor: 0,"
        " has transport: 0, community leader: 0, and police liaison: 0" in status
    )
    observer = text_of(await services.squads.status(squad.private("Olu")))
    assert "by skill" not in observer


async def test_skill_counts_leave_out_the_blocked_observers_and_the_waiting(squad: World) -> None:
    services = squad.services
    members = [await squad.get_member(n) for n in ("Thandi", "Sipho", "Olu", "Wanda")]
    async with services.core.store.transaction() as db:
        for member in members:
            await skills_q.set_skill(db, member.id, Skill.PEER, True)
    blocked = await services.blocks.set_blocked(squad.group("Nomsa"), "Sipho", None, blocked=True)
    assert blocked.ok, blocked
    async with services.core.store.reading() as db:
        counts: dict[Any, int] = await skills_q.available_counts(db, members[0].squad_id)
    assert counts[Skill.PEER] == 1 and set(counts) == set(Skill)
