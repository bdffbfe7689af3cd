"""Skills and needs: what each member can do (``/skills`` and its buttons), what each crisis
type needs in a squad (``/needs``), and the skill counts a lead's ``/status`` shows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import aiosqlite

from bot.core import Caller, Core, resolve_scope
from bot.crisis import DEFAULT_NEEDS, Need, Needs, needs_for, stored_needs
from bot.domain import CrisisType, Member, Role, Skill, Squad
from bot.intents import Action, Button, Refused, Reply, Text, refuse, refusing
from bot.messages import listing, t
from bot.text import ALIAS_MAX, clean_cut
from data import audit as audit_q
from data import skills as skills_q
from data import squads as squads_q

ROW = 2  # skill buttons per row

# The words people type (English ids, in every language), as the refusals list them.
TYPE_WORDS = ", ".join(k.value for k in CrisisType)
SKILL_WORDS = ", ".join(s.value for s in Skill)


@dataclass(frozen=True)
class NeedsChange:
    """``/needs TYPE SKILLS``: what ``kind`` needs from now on; ``skills`` None: the default,
    an empty tuple: anyone."""

    kind: CrisisType
    skills: Needs | None


def skill_name(skill: Skill) -> dict[str, Any]:
    """A skill's name, in the reader's language."""
    return t(f"skill.{skill.value}")


def crisis_name(kind: CrisisType) -> dict[str, Any]:
    """A crisis type's name, in the reader's language."""
    return t(f"crisis.{kind.value}")


def need_text(need: Need) -> dict[str, Any]:
    """One slot's skills: "peer educator", or "peer educator, or else health worker"."""
    if len(need) == 1:
        return skill_name(need[0])
    return t("needs.or_else", first=skill_name(need[0]), rest=need_text(need[1:]))


def needs_text(needs: Needs) -> dict[str, Any]:
    """What a type needs, one part per member, in the reader's language ("anyone" if none)."""
    if not needs:
        return t("needs.anyone")
    return listing([need_text(n) for n in needs])


async def status_line(db: aiosqlite.Connection, squad_id: int) -> dict[str, Any]:
    """For a lead's ``/status``: how many available members have each skill."""
    counts = await skills_q.available_counts(db, squad_id)
    items = [t("status.skill_count", skill=skill_name(s), count=n) for s, n in counts.items()]
    return t("status.skills", counts=listing(items))


def _may_have_skills(member: Member, *, own: bool, observer: str = "skills.observer") -> None:
    """Only approved responders have skills: observers never respond, and someone waiting
    for approval is offered nothing. ``observer``: the refusal an observer gets."""
    if member.role is Role.OBSERVER:
        raise Refused(refuse(observer) if own else refuse("assign.observer", alias=member.alias))
    if not member.approved:
        raise Refused(
            refuse("join.waiting") if own else refuse("assign.waiting", alias=member.alias)
        )


class Skills:
    """Use cases for skills and needs."""

    def __init__(self, core: Core) -> None:
        self.core = core

    # who asks -------------------------------------------------------------------------

    async def _responding(
        self, db: aiosqlite.Connection, caller: Caller, observer: str = "skills.observer"
    ) -> Member:
        """The caller's own membership: in a group, there; in private, the most recently
        joined one where they respond (an observer or waiting membership has no skills).
        ``observer``: the refusal an observer gets."""
        if not caller.private:
            scope = await resolve_scope(db, caller)
            if scope.member is None:
                raise Refused(refuse("not_member"))
            _may_have_skills(scope.member, own=True, observer=observer)
            return scope.member
        mine = await squads_q.memberships_of_user(db, caller.user_id)
        if not mine:
            raise Refused(refuse("not_member_any"))
        for membership in mine:
            if membership.is_responder:
                return membership
        _may_have_skills(mine[0], own=True, observer=observer)
        raise AssertionError("a membership that is neither a responder nor refused")

    async def _leading(self, db: aiosqlite.Connection, caller: Caller) -> Member | None:
        """The caller's lead membership: in a group, there; in private, the one squad they
        lead (several: refused, ask in the group). ``None``: they lead no squad here."""
        if not caller.private:
            scope = await resolve_scope(db, caller)
            return scope.member if scope.is_lead else None
        leading = [m for m in await squads_q.memberships_of_user(db, caller.user_id) if m.is_lead]
        if len(leading) > 1:
            raise Refused(refuse("several_squads"))
        return leading[0] if leading else None

    # /skills --------------------------------------------------------------------------

    @refusing
    async def show(self, caller: Caller, alias: str) -> Reply:
        """``/skills``: the caller's skills as buttons; ``/skills ALIAS`` (leads): a member's.
        Always answered in private: skills are never shown in the group."""
        alias = clean_cut(alias, limit=ALIAS_MAX * 2)
        async with self.core.store.reading() as db:
            target = await self._target(db, caller, alias)
            squad = await squads_q.squad_by_id(db, target.squad_id)
        assert squad is not None
        own = target.user_id == caller.user_id
        return replace(_view(squad, target, own=own), private=not caller.private)

    async def _target(self, db: aiosqlite.Connection, caller: Caller, alias: str) -> Member:
        if alias:
            lead = await self._leading(db, caller)
            if lead is not None:
                matches = await squads_q.members_by_alias(db, lead.squad_id, alias)
                if not matches:
                    raise Refused(refuse("member.unknown", alias=alias[:ALIAS_MAX]))
                if len(matches) > 1:
                    raise Refused(refuse("member.ambiguous", alias=alias[:ALIAS_MAX]))
                _may_have_skills(matches[0], own=matches[0].user_id == caller.user_id)
                return matches[0]
        me = await self._responding(db, caller)
        if alias and alias.casefold() != me.alias.casefold():
            raise Refused(refuse("skills.leads_only"))
        return me

    @refusing
    async def toggle(self, caller: Caller, member_id: int, raw: str) -> Reply:
        """A skill button: switch that skill of ``member_id``. Only that member, or a lead of
        their squad; checked again on every press (a button can be stale or forged)."""
        try:
            skill = Skill(raw)
        except ValueError:
            return refuse("button.invalid")
        async with self.core.store.transaction() as db:
            target = await squads_q.member_by_id(db, member_id)
            if target is None:
                return refuse("button.invalid")
            presser = await squads_q.member(db, target.squad_id, caller.user_id)
            own = presser is not None and presser.id == target.id
            if presser is None or not (own or presser.is_lead):
                return refuse("skills.not_yours")
            _may_have_skills(target, own=own)
            if skill is Skill.POLICE and not presser.is_lead:
                # A liaison must not switch it off to be offered alerts without consent.
                return refuse("skills.police_lead")
            on = await skills_q.toggle_skill(db, target.id, skill)
            state = "on" if on else "off"
            await audit_q.audit(
                db, target.squad_id, caller.user_id, f"skill:{skill.value}:{state}",
                str(target.id), self.core.now(),
            )  # fmt: skip
            squad = await squads_q.squad_by_id(db, target.squad_id)
            changed = replace(target, skills=await skills_q.skills_of(db, target.id))
        assert squad is not None
        answer = Text(f"skills.switched_{state}", {"skill": skill_name(skill)})
        return replace(_view(squad, changed, own=own), edit_pressed=True, answer=answer)

    # /needs ---------------------------------------------------------------------------

    @refusing
    async def needs(self, caller: Caller, change: NeedsChange | None) -> Reply:
        """``/needs``: what each crisis type needs in the squad (members and leads);
        ``/needs TYPE SKILLS`` (leads): change one type, audited."""
        if change is None:
            async with self.core.store.reading() as db:
                lead = await self._leading(db, caller)
                me = lead or await self._responding(db, caller, observer="observer.no")
                squad = await squads_q.squad_by_id(db, me.squad_id)
                overrides = await skills_q.squad_needs(db, me.squad_id)
            assert squad is not None
            return _needs_view(squad, overrides, lead=me.is_lead)
        async with self.core.store.transaction() as db:
            lead = await self._leading(db, caller)
            if lead is None:
                return refuse("leads_only")
            kind, skills = change.kind, change.skills
            if skills is None or skills == DEFAULT_NEEDS[kind]:
                await skills_q.reset_need(db, lead.squad_id, kind)
                recorded = "default"
            else:
                await skills_q.set_need(db, lead.squad_id, kind, skills)
                recorded = stored_needs(skills) or "anyone"
            await audit_q.audit(
                db, lead.squad_id, caller.user_id, f"needs:{kind.value}", recorded, self.core.now()
            )
        now_needs = DEFAULT_NEEDS[kind] if skills is None else skills
        key = "needs.reset" if skills is None else "needs.set"
        return Reply(text=Text(key, {"type": crisis_name(kind), "skills": needs_text(now_needs)}))


def _view(squad: Squad, member: Member, *, own: bool) -> Reply:
    """A member's skills, one button each (✅ when on); a press switches it."""
    header = (
        t("skills.own", squad=squad.name)
        if own
        else t("skills.of", alias=member.alias, squad=squad.name)
    )
    buttons = [
        Button(
            Text(
                "skills.button_on" if skill in member.skills else "skills.button_off",
                {"skill": skill_name(skill)},
            ),
            Action.SKILL,
            member.id,
            skill.value,
        )
        for skill in Skill
    ]
    rows = tuple(tuple(buttons[i : i + ROW]) for i in range(0, len(buttons), ROW))
    return Reply(text=Text("lines", {"lines": [header, t("skills.police_note")]}), buttons=rows)


def _needs_view(squad: Squad, overrides: dict[CrisisType, Needs], *, lead: bool) -> Reply:
    lines: list[Any] = [t("needs.header", squad=squad.name)]
    for kind in CrisisType:
        lines.append(
            t(
                "needs.line_changed" if kind in overrides else "needs.line",
                type=crisis_name(kind),
                id=kind.value,
                skills=needs_text(needs_for(kind, overrides)),
            )
        )
    if lead:
        lines.append(t("needs.how"))
    return Reply(text=Text("lines", {"lines": lines}))
