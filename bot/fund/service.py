"""``Fund``: the emergency fund's commands (its buttons' half is ``bot.fund.decisions``).

- leads set the currency (once money is in, it stays), put money in, see the balance, what
  is pending, spending by purpose and the ledger, and export it;
- the owner of an alert or a slot holder asks for money, then picks a purpose;
- the leads are paged with Approve and Reject; nobody approves their own request; above the
  squad's threshold two different leads must approve; an approval that would take the
  balance below zero is refused, in the same transaction that reads the balance;
- the requester marks the money paid out, with a receipt photo (only Telegram's file id is
  kept) or none.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import aiosqlite

from bot.core import (
    Caller,
    require_insider,
    require_lead,
    require_private,
    resolve_single_scope,
)
from bot.domain import AlertState, Member
from bot.fund import views
from bot.fund.amounts import FundCommand, FundVerb, Purpose
from bot.fund.decisions import FundDecisions
from bot.intents import (
    Action,
    Attachment,
    Button,
    FileKind,
    Refused,
    Reply,
    Text,
    refuse,
    refusing,
)
from bot.messages import money
from bot.text import TooLong, clean
from data import alerts as alerts_q
from data import fund_ledger as fund_q
from data import report_cases as report_q
from data import slots as slots_q
from data import squads as squads_q

NOTE_MAX = 100


def _purpose_rows(entry_id: int) -> tuple[tuple[Button, ...], ...]:
    buttons = [
        Button(Text(f"purpose.{p}"), Action.FUND_PURPOSE, entry_id, p.value) for p in Purpose
    ]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


class Fund(FundDecisions):
    """The commands; the buttons' half is ``FundDecisions`` (bot/fund/decisions.py)."""

    @property
    def tz(self) -> str:
        return self.core.settings.timezone

    def _month_start(self) -> float:
        now = datetime.fromtimestamp(self.core.now(), ZoneInfo(self.tz))
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()

    async def _threshold(self, db: aiosqlite.Connection, squad_id: int) -> Decimal:
        chosen = (await fund_q.settings_of(db, squad_id)).second_approval
        return chosen if chosen is not None else self.core.settings.fund_second_approval

    @refusing
    async def command(self, caller: Caller, command: FundCommand) -> Reply:
        """``/fund ...``, in private (what it shows and holds is for the squad's insiders)."""
        require_private(caller)
        if command.verb is FundVerb.REQUEST:
            return await self._request(caller, command.code, command.amount)
        async with self.core.store.transaction() as db:
            scope = await resolve_single_scope(db, caller)
            member = require_insider(scope.member)
            squad_id = scope.squad.id
            if command.verb is FundVerb.SHOW:
                return await self._show(db, member)
            require_lead(member)
            if command.verb is FundVerb.CURRENCY:
                current = (await fund_q.settings_of(db, squad_id)).currency
                if current is not None and current != command.currency:
                    if await fund_q.has_entries(db, squad_id):
                        return refuse("fund.currency_fixed", currency=current)
                await fund_q.set_currency(db, squad_id, command.currency)
                return Reply(text=Text("fund.currency_set", {"currency": command.currency}))
            currency = (await fund_q.settings_of(db, squad_id)).currency
            if command.verb is FundVerb.EXPORT:
                return await self._export(db, squad_id, currency)
            amount = self._within_cap(command.amount)
            if command.verb is FundVerb.THRESHOLD:
                await fund_q.set_second_approval(db, squad_id, amount)
                text = Text("fund.threshold_set", {"amount": money(amount, currency)})
                return Reply(text=text)
            if currency is None:
                return refuse("fund.no_currency")
            try:
                note = clean(command.note, limit=NOTE_MAX)
            except TooLong as exc:
                return refuse("too_long", limit=exc.limit)
            await fund_q.add_entry(
                db,
                squad_id=squad_id,
                kind="deposit",
                amount=amount,
                state="added",
                member_id=member.id,
                now=self.core.now(),
                note=note,
            )
            balance = await fund_q.balance(db, squad_id)
        return Reply(
            text=Text(
                "fund.added",
                {"amount": money(amount, currency), "balance": money(balance, currency)},
            )
        )

    def _within_cap(self, amount: Decimal | None) -> Decimal:
        if amount is None:
            raise Refused(refuse("fund.usage"))
        cap = self.core.settings.fund_max_amount
        if amount > cap:
            raise Refused(refuse("fund.amount_cap", cap=money(cap, None)))
        return amount

    async def _show(self, db: aiosqlite.Connection, member: Member) -> Reply:
        currency = (await fund_q.settings_of(db, member.squad_id)).currency
        if not member.is_lead:
            mine = await fund_q.requests_of_member(db, member.id)
            lines = views.member_view(mine, currency, self.tz)
            return Reply(text=Text("lines", {"lines": lines}))
        if currency is None:
            return Reply(text=Text("fund.set_currency_first"))
        entries = await fund_q.entries_of(db, member.squad_id)
        spent = await report_q.fund_spent(db, member.squad_id, self._month_start(), float("inf"))
        lines = views.lead_view(
            entries,
            await fund_q.balance(db, member.squad_id),
            await self._threshold(db, member.squad_id),
            spent,
            currency,
            self.tz,
        )
        return Reply(text=Text("lines", {"lines": lines}))

    async def _export(self, db: aiosqlite.Connection, squad_id: int, currency: str | None) -> Reply:
        entries = await fund_q.entries_of(db, squad_id)
        approvers = {e.id: [a for _, a in await fund_q.approvers(db, e.id)] for e in entries}
        data = views.ledger_csv(entries, approvers, currency, self.tz)
        stamp = datetime.fromtimestamp(self.core.now(), ZoneInfo(self.tz)).date().isoformat()
        file = Attachment(FileKind.DOCUMENT, f"fund-ledger-{stamp}.csv", data)
        return Reply(text=Text("fund.exported", {"count": len(entries)}), attachments=(file,))

    async def _request(self, caller: Caller, code: str, amount: Decimal | None) -> Reply:
        """``/fund request CODE AMOUNT``: by the alert's owner or a slot holder."""
        amount = self._within_cap(amount)
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_code(db, None, code)
            member = await squads_q.member(db, alert.squad_id, caller.user_id) if alert else None
            if alert is None or member is None:
                return refuse("unknown_code", code=code)
            require_insider(member)
            if member.id not in await slots_q.holder_ids(db, alert.id):
                return refuse("fund.not_on_team", code=alert.code)
            if alert.drill:
                return refuse("drill.no_fund", code=alert.code)
            if alert.state is AlertState.CANCELLED:
                return refuse("fund.cancelled", code=alert.code)
            currency = (await fund_q.settings_of(db, alert.squad_id)).currency
            if currency is None:
                return refuse("fund.no_currency_member")
            threshold = await self._threshold(db, alert.squad_id)
            entry_id = await fund_q.add_entry(
                db,
                squad_id=alert.squad_id,
                kind="request",
                amount=amount,
                state="choosing",
                member_id=member.id,
                now=self.core.now(),
                needs_approvals=2 if amount > threshold else 1,
            )
        return Reply(
            text=Text("fund.pick_purpose", {"amount": money(amount, currency)}),
            buttons=_purpose_rows(entry_id),
        )
