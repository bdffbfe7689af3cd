"""``Tasks``: the follow-up watcher plus ``/followups`` (the list, the rules, a lead's
reassignment) and the task buttons (Done, Could not reach, Snooze, Hand over)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import aiosqlite

from bot.aftercare import lines, owners
from bot.aftercare.followups import Followups
from bot.aftercare.model import Rule, Task, TaskState
from bot.aftercare.rules import RULES, SPEC, Counts, RuleChange, offsets
from bot.core import Caller, require_lead, resolve_single_scope
from bot.domain import DeadlineKind, Member
from bot.intents import (
    Action,
    Button,
    Intent,
    MessageRole,
    Op,
    Priority,
    Refused,
    Reply,
    Text,
    refuse,
    refusing,
)
from bot.messages import listing, moment, span, t
from data import alerts as alerts_q
from data import audit as audit_q
from data import deadlines as deadlines_q
from data import followups as followups_q
from data import squads as squads_q


@dataclass(frozen=True)
class FollowupsRequest:
    """``/followups`` · ``/followups rules`` · ``/followups rule RULE TIME|off|default`` ·
    ``/followups assign F12 NAME``."""

    verb: Literal["list", "rules", "rule", "assign"] = "list"
    change: RuleChange | None = None
    task_id: int = 0
    alias: str = ""


class Tasks(Followups):
    # -- /followups ---------------------------------------------------------------------------

    @refusing
    async def followups(self, caller: Caller, request: FollowupsRequest) -> Reply:
        async with self.core.store.transaction() as db:
            scope = await resolve_single_scope(db, caller)
            member = scope.member
            if member is None:
                return refuse("not_member")
            if not member.is_responder:
                return refuse("observer.no")
            if request.verb == "rules":
                shown = await self._rules(db, scope.squad.id, scope.squad.name)
            elif request.verb == "rule":
                require_lead(member)
                assert request.change is not None
                shown = await self._change_rule(db, caller, scope.squad.id, request.change)
            elif request.verb == "assign":
                require_lead(member)
                shown = await self._assign(db, caller, member, request.task_id, request.alias)
            elif member.is_lead:
                shown = await self._squad_list(db, scope.squad.id, scope.squad.name)
            else:
                shown = await self._own_list(db, member)
        self.core.notify()
        # Codes and aliases: in private only.
        return Reply(text=Text("lines", {"lines": shown}), private=not caller.private)

    async def _own_list(self, db: aiosqlite.Connection, member: Member) -> list[Any]:
        tasks = await followups_q.open_tasks(db, member.squad_id, member.id)
        if not tasks:
            return [t("followups.mine_none")]
        now = self.core.now()
        shown = tasks[: lines.fitting_count([lines.TASK_LINE_SIZE] * len(tasks))]
        codes = await self._codes(db, shown)
        return [
            t("followups.mine"),
            *[
                lines.task_line(task, codes[task.alert_id], now, self.tz, with_owner=False)
                for task in shown
            ],
            *_not_listed(len(tasks) - len(shown)),
        ]

    async def _squad_list(self, db: aiosqlite.Connection, squad_id: int, name: str) -> list[Any]:
        tasks = await followups_q.open_tasks(db, squad_id)
        if not tasks:
            return [t("followups.squad_none", squad=name)]
        now = self.core.now()
        aliases = {m.id: m.alias for m in await squads_q.members_of_squad(db, squad_id)}
        overdue = [task for task in tasks if task.due_at <= now]
        shown: list[Any] = [
            t("followups.squad", squad=name, open=len(tasks), overdue=len(overdue)),
            t("followups.by_owner_header"),
        ]
        owners_seen: list[int | None] = []
        for task in tasks:
            if task.owner_member_id not in owners_seen:
                owners_seen.append(task.owner_member_id)
        for owner in owners_seen:
            mine = [x for x in tasks if x.owner_member_id == owner]
            alias: Any = aliases.get(owner, t("followups.nobody")) if owner else None
            shown.append(
                t(
                    "followups.by_owner",
                    alias=alias if alias is not None else t("followups.nobody"),
                    open=len(mine),
                    overdue=sum(1 for x in mine if x.due_at <= now),
                )
            )
        # Every owner's counts; then the tasks, the earliest due first, as many as fit.
        budget = lines.LIST_BUDGET - lines.OWNER_LINE_SIZE * len(owners_seen)
        listed = tasks[: lines.fitting_count([lines.TASK_LINE_SIZE] * len(tasks), budget)]
        codes = await self._codes(db, listed)
        for task in listed:
            owner_alias = aliases.get(task.owner_member_id) if task.owner_member_id else None
            shown.append(
                lines.task_line(
                    task, codes[task.alert_id], now, self.tz, owner_alias, with_owner=True
                )
            )
        return shown + _not_listed(len(tasks) - len(listed))

    async def _codes(self, db: aiosqlite.Connection, tasks: Sequence[Task]) -> dict[int, str]:
        codes: dict[int, str] = {}
        for task in tasks:
            if task.alert_id not in codes:
                alert = await alerts_q.alert_by_id(db, task.alert_id)
                codes[task.alert_id] = alert.code if alert else "?"
        return codes

    async def _rules(self, db: aiosqlite.Connection, squad_id: int, name: str) -> list[Any]:
        changed = await followups_q.changed_rules(db, squad_id)
        now_offsets = offsets(self.settings, changed)
        shown: list[Any] = [t("followups.rules_header", squad=name)]
        shown += [rule_line(spec.rule, now_offsets[spec.rule]) for spec in RULES]
        if changed:
            words = listing([r.value for r in Rule if r in changed])
            shown.append(t("followups.rules_changed", words=words))
        return shown

    async def _change_rule(
        self, db: aiosqlite.Connection, caller: Caller, squad_id: int, change: RuleChange
    ) -> list[Any]:
        if change.reset:
            await followups_q.reset_rule(db, squad_id, change.rule)
            key = "followups.rule_reset"
        else:
            await followups_q.change_rule(db, squad_id, change.rule, change.offset)
            key = "followups.rule_off" if change.offset is None else "followups.rule_set"
        now = self.core.now()
        await audit_q.audit(db, squad_id, caller.user_id, f"followup_rule:{change.rule}", None, now)
        offset = offsets(self.settings, await followups_q.changed_rules(db, squad_id))
        return [t(key), rule_line(change.rule, offset[change.rule])]

    async def _assign(
        self, db: aiosqlite.Connection, caller: Caller, lead: Member, task_id: int, alias: str
    ) -> list[Any]:
        task = await self._squad_task(db, lead.squad_id, task_id)
        if task is None:
            raise Refused(refuse("task.unknown", raw=f"F{task_id}"))
        matches = await squads_q.members_by_alias(db, lead.squad_id, alias)
        if not matches:
            raise Refused(refuse("member.unknown", alias=alias[:32]))
        if len(matches) > 1:
            raise Refused(refuse("member.ambiguous", alias=alias))
        return await self._give(db, caller, lead, task, matches[0])

    async def _squad_task(
        self, db: aiosqlite.Connection, squad_id: int, task_id: int
    ) -> Task | None:
        task = await followups_q.task_by_id(db, task_id)
        if task is None:
            return None
        alert = await alerts_q.alert_by_id(db, task.alert_id)
        return task if alert is not None and alert.squad_id == squad_id else None

    async def _give(
        self, db: aiosqlite.Connection, caller: Caller, by: Member, task: Task, to: Member
    ) -> list[Any]:
        """``task`` goes to ``to``; they are told (with the reminder, if it is due)."""
        if not task.is_open:
            raise Refused(refuse("task.not_open", label=task.label))
        if not to.is_responder:
            raise Refused(refuse("followups.cannot_own", alias=to.alias))
        if to.id == task.owner_member_id:
            raise Refused(refuse("task.already_theirs", label=task.label, alias=to.alias))
        if not await followups_q.set_owner(db, task.id, to.id):
            raise Refused(refuse("task.not_open", label=task.label))
        alert = await alerts_q.alert_by_id(db, task.alert_id)
        assert alert is not None
        now = self.core.now()
        await audit_q.audit(db, alert.squad_id, caller.user_id, "followup:handed", alert.code, now)
        fresh = await followups_q.task_by_id(db, task.id)
        assert fresh is not None
        given_by = by if by.id != to.id else None
        if fresh.due_at <= now:
            # Reminded now, by name: a reminder deadline still pending would remind twice.
            await deadlines_q.cancel_ref_deadlines(db, DeadlineKind.FOLLOWUP, fresh.id, now)
            await self.remind(db, fresh, by=given_by)
        elif to.private_chat_id is not None:
            await self.core.tell(
                db,
                Intent(
                    op=Op.SEND,
                    chat_id=to.private_chat_id,
                    priority=Priority.HIGH,
                    text=Text(
                        "task.given",
                        {
                            "alias": by.alias,
                            "label": fresh.label,
                            "code": alert.code,
                            "rule": lines.rule_name(fresh.rule),
                            "when": moment(fresh.due_at, self.tz),
                        },
                    ),
                    member_id=to.id,
                    role=MessageRole.NOTICE,
                ),
            )
        return [t("task.handed", label=task.label, code=alert.code, alias=to.alias)]

    # -- the task buttons ---------------------------------------------------------------------

    @refusing
    async def press(self, caller: Caller, action: Action, task_id: int, arg: str) -> Reply:
        """Done, Could not reach, Snooze, Hand over (and to whom): the task's owner or a lead
        of its squad; checked again on every press."""
        async with self.core.store.transaction() as db:
            task, alert_code, member = await self._pressed(db, caller, task_id)
            label = task.label
            if action is Action.TASK_TO:
                to = await self._handover_target(db, task, arg)
                said = await self._give(db, caller, member, task, to)
                reply = Reply(text=Text("lines", {"lines": said}), edit_pressed=True)
            elif arg in ("done", "unreached"):
                state = TaskState.DONE if arg == "done" else TaskState.UNREACHED
                if not await self.finish(db, task, state):
                    return refuse("task.not_open", label=label)
                reply = Reply(
                    text=Text(f"task.{arg}", {"label": label, "code": alert_code}),
                    edit_pressed=True,
                )
            elif arg == "snooze":
                due = self.core.now() + self.settings.followup_snooze.total_seconds()
                if not await followups_q.snooze(db, task.id, due):
                    return refuse("task.not_open", label=label)
                await self.schedule(db, task.id)
                when = moment(due, self.tz)
                reply = Reply(
                    text=Text("task.snoozed", {"label": label, "code": alert_code, "when": when}),
                    edit_pressed=True,
                )
            elif arg == "handover":
                reply = await self._handover_choices(db, task, alert_code)
            else:
                return refuse("button.invalid")
        self.core.notify()
        return reply

    async def _pressed(
        self, db: aiosqlite.Connection, caller: Caller, task_id: int
    ) -> tuple[Task, str, Member]:
        task = await followups_q.task_by_id(db, task_id)
        alert = await alerts_q.alert_by_id(db, task.alert_id) if task else None
        if task is None or alert is None:
            raise Refused(refuse("button.invalid"))
        member = await squads_q.member(db, alert.squad_id, caller.user_id)
        if member is None or not member.is_responder:
            raise Refused(refuse("task.not_yours", label=task.label))
        if not member.is_lead and member.id != task.owner_member_id:
            raise Refused(refuse("task.not_yours", label=task.label))
        if not task.is_open:
            raise Refused(refuse("task.not_open", label=task.label))
        return task, alert.code, member

    async def _handover_choices(self, db: aiosqlite.Connection, task: Task, code: str) -> Reply:
        alert = await alerts_q.alert_by_id(db, task.alert_id)
        assert alert is not None
        others = [
            m for m in await owners.may_own(db, alert.squad_id) if m.id != task.owner_member_id
        ]
        if not others:
            raise Refused(refuse("task.no_one", label=task.label))
        buttons = [
            Button(
                Text("button.handover_to", {"alias": m.alias}), Action.TASK_TO, task.id, str(m.id)
            )
            for m in others[:12]
        ]
        text = Text("task.pick_owner", {"label": task.label, "code": code})
        return Reply(text=text, buttons=lines.rows(buttons), answer=text, edit_pressed=True)

    async def _handover_target(self, db: aiosqlite.Connection, task: Task, arg: str) -> Member:
        """Only one of those the **Hand over** button offers (a stale or forged press is
        checked against the squad as it is now); a lead gives it to anyone with
        ``/followups assign``."""
        alert = await alerts_q.alert_by_id(db, task.alert_id)
        assert alert is not None
        offered = {m.id: m for m in await owners.may_own(db, alert.squad_id)}
        to = offered.get(int(arg)) if arg.isdigit() else None
        if to is None:
            raise Refused(refuse("button.invalid"))
        return to


def _not_listed(count: int) -> list[Any]:
    """The last line of a list cut to fit one message: how many tasks it left out."""
    return [t("followups.more", count=count)] if count else []


def rule_line(rule: Rule, offset: float | None) -> dict[str, Any]:
    """``/followups rules``: one rule, and when it falls due in this squad."""
    if offset is None:
        return t("followups.rule_line_off", word=rule.value, rule=lines.rule_name(rule))
    counts = SPEC[rule].counts.value
    if offset == 0 and SPEC[rule].counts is Counts.COURT:
        return t("followups.rule_line.court_open", word=rule.value, rule=lines.rule_name(rule))
    return t(
        f"followups.rule_line.{counts}",
        word=rule.value,
        rule=lines.rule_name(rule),
        after=span(offset),
    )
