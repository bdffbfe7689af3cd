"""``Fund``: the emergency fund's commands and buttons.

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
    Core,
    require_insider,
    require_lead,
    require_private,
    resolve_single_scope,
)
from bot.domain import AlertState, Member
from bot.fund import views
from bot.fund.amounts import FundCommand, FundVerb, Purpose
from bot.intents import (
    Action,
    Attachment,
    Button,
    FileKind,
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
from bot.messages import money, t
from bot.text import TooLong, clean
from data import alerts as alerts_q
from data import fund_ledger as fund_q
from data import report_cases as report_q
from data import slots as slots_q
from data import squads as squads_q
from data.fund_ledger import Entry

NOTE_MAX = 100


def _purpose_rows(entry_id: int) -> tuple[tuple[Button, ...], ...]:
    buttons = [
        Button(Text(f"purpose.{p}"), Action.FUND_PURPOSE, entry_id, p.value) for p in Purpose
    ]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


class Fund:
    def __init__(self, core: Core) -> None:
        self.core = core

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

    async def _entry(self, db: aiosqlite.Connection, entry_id: int) -> Entry:
        entry = await fund_q.entry_by_id(db, entry_id)
        if entry is None or entry.kind != "request":
            raise Refused(refuse("button.invalid"))
        return entry

    @refusing
    async def purpose(self, caller: Caller, entry_id: int, arg: str) -> Reply:
        """The requester picks the purpose: the request now waits for the leads."""
        try:
            purpose = Purpose(arg)
        except ValueError:
            return refuse("button.invalid")
        async with self.core.store.transaction() as db:
            entry = await self._entry(db, entry_id)
            member = await squads_q.member(db, entry.squad_id, caller.user_id)
            if member is None or member.id != entry.member_id:
                return refuse("fund.not_yours")
            require_insider(member)
            if not await fund_q.set_purpose(db, entry.id, purpose.value):
                return refuse("fund.already_asked")
            currency = (await fund_q.settings_of(db, entry.squad_id)).currency
            text = Text(
                "fund.lead_page",
                {
                    "alias": member.alias,
                    "amount": money(entry.amount, currency),
                    "purpose": t(f"purpose.{purpose}"),
                    "needs": entry.needs_approvals,
                },
            )
            buttons = (
                (
                    Button(Text("button.fund_approve"), Action.FUND_APPROVE, entry.id),
                    Button(Text("button.fund_reject"), Action.FUND_REJECT, entry.id),
                ),
            )
            paged = 0
            for lead in await squads_q.leads_of(db, entry.squad_id):
                if lead.id == member.id or lead.private_chat_id is None:
                    continue
                paged += 1
                await self.core.tell(
                    db,
                    Intent(
                        op=Op.SEND,
                        chat_id=lead.private_chat_id,
                        priority=Priority.HIGH,
                        text=text,
                        buttons=buttons,
                        member_id=lead.id,
                        role=MessageRole.FUND,
                    ),
                )
        self.core.notify()
        key = "fund.asked" if paged else "fund.asked_no_lead"
        return Reply(
            text=Text(key, {"amount": money(entry.amount, currency)}),
            answer=Text("fund.asked_answer"),
            edit_pressed=True,
        )

    async def _deciding_lead(
        self, db: aiosqlite.Connection, caller: Caller, entry: Entry
    ) -> Member:
        lead = require_lead(await squads_q.member(db, entry.squad_id, caller.user_id))
        require_insider(lead)
        if lead.id == entry.member_id:
            raise Refused(refuse("fund.own_request"))
        if entry.state != "pending":
            raise Refused(refuse(f"fund.already.{entry.state}"))
        return lead

    @refusing
    async def approve(self, caller: Caller, entry_id: int) -> Reply:
        """A lead approves. The last approval needed takes the money, if the fund has it."""
        async with self.core.store.transaction() as db:
            entry = await self._entry(db, entry_id)
            lead = await self._deciding_lead(db, caller, entry)
            approvals = await fund_q.approvers(db, entry.id)
            if any(member_id == lead.id for member_id, _ in approvals):
                return refuse("fund.already_approved_by_you")
            currency = (await fund_q.settings_of(db, entry.squad_id)).currency
            now = self.core.now()
            amount = money(entry.amount, currency)
            if len(approvals) + 1 < entry.needs_approvals:
                await fund_q.add_approval(db, entry.id, lead.id, now)
                return Reply(
                    text=Text("fund.first_approval", {"amount": amount}),
                    answer=Text("fund.first_approval_answer"),
                    edit_pressed=True,
                )
            balance = await fund_q.balance(db, entry.squad_id)
            if entry.amount > balance:
                return refuse("fund.not_enough", amount=amount, balance=money(balance, currency))
            await fund_q.add_approval(db, entry.id, lead.id, now)
            if not await fund_q.decide(db, entry.id, "approved", now):
                raise Refused(refuse("fund.already.approved"))
            await self._tell_requester(
                db,
                entry,
                Text("fund.approved_requester", {"amount": amount}),
                (
                    (
                        Button(
                            Text("button.fund_paid_receipt"), Action.FUND_PAID, entry.id, "receipt"
                        ),
                        Button(Text("button.fund_paid_none"), Action.FUND_PAID, entry.id, "none"),
                    ),
                ),
            )
            left = balance - entry.amount
        self.core.notify()
        return Reply(
            text=Text("fund.approved", {"amount": amount, "balance": money(left, currency)}),
            answer=Text("fund.approved_answer"),
            edit_pressed=True,
        )

    @refusing
    async def reject(self, caller: Caller, entry_id: int) -> Reply:
        async with self.core.store.transaction() as db:
            entry = await self._entry(db, entry_id)
            lead = await self._deciding_lead(db, caller, entry)
            now = self.core.now()
            if not await fund_q.decide(db, entry.id, "rejected", now, by=lead.id):
                return refuse("fund.already.rejected")
            currency = (await fund_q.settings_of(db, entry.squad_id)).currency
            amount = money(entry.amount, currency)
            await self._tell_requester(
                db, entry, Text("fund.rejected_requester", {"amount": amount})
            )
        self.core.notify()
        return Reply(
            text=Text("fund.rejected", {"amount": amount}),
            answer=Text("fund.rejected_answer"),
            edit_pressed=True,
        )

    async def _tell_requester(
        self,
        db: aiosqlite.Connection,
        entry: Entry,
        text: Text,
        buttons: tuple[tuple[Button, ...], ...] = (),
    ) -> None:
        requester = await squads_q.member_by_id(db, entry.member_id) if entry.member_id else None
        if requester is None or requester.private_chat_id is None:
            return
        await self.core.tell(
            db,
            Intent(
                op=Op.SEND,
                chat_id=requester.private_chat_id,
                priority=Priority.HIGH,
                text=text,
                buttons=buttons,
                member_id=requester.id,
                role=MessageRole.FUND,
            ),
        )

    @refusing
    async def paid(self, caller: Caller, entry_id: int, arg: str) -> Reply:
        """The requester marks the money paid out, with a receipt to follow or none."""
        if arg not in ("receipt", "none"):
            return refuse("button.invalid")
        async with self.core.store.transaction() as db:
            entry = await self._entry(db, entry_id)
            member = await squads_q.member(db, entry.squad_id, caller.user_id)
            if member is None or member.id != entry.member_id:
                return refuse("fund.not_yours")
            now = self.core.now()
            wait = self.core.settings.receipt_wait.total_seconds()
            receipt = None if arg == "receipt" else "none"
            until = now + wait if arg == "receipt" else None
            if not await fund_q.mark_paid(db, entry.id, receipt, until, now):
                return refuse("fund.not_approved")
        key = "fund.paid_send_receipt" if arg == "receipt" else "fund.paid_no_receipt"
        return Reply(text=Text(key), answer=Text("fund.paid_answer"), edit_pressed=True)

    async def receipt_photo(self, caller: Caller, file_id: str) -> Reply | None:
        """A photo in private: the receipt, if this person's paid request waits for one
        (``None``: it is not a receipt). Only Telegram's file id is kept."""
        if not caller.private:
            return None
        async with self.core.store.transaction() as db:
            entry = await fund_q.take_receipt(db, caller.user_id, file_id[:256], self.core.now())
        if entry is None:
            return None
        return Reply(text=Text("fund.receipt_saved"))
