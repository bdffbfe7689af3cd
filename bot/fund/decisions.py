"""The fund's decisions: a request's purpose, the leads' Approve and Reject, the requester's
"paid out", and the receipt photo. ``FundDecisions`` is the half of ``Fund`` that the
buttons reach (see ``bot.fund.service``).

Nobody approves or rejects their own request; above the squad's threshold two different
leads approve; the approval that takes the money reads the balance in the same
``BEGIN IMMEDIATE`` transaction, so two approvals at once can never overdraw the fund.
"""

from __future__ import annotations

import aiosqlite

from bot.core import Caller, Core, require_insider, require_lead
from bot.domain import Member
from bot.fund.amounts import Purpose
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
from bot.messages import money, t
from data import fund_ledger as fund_q
from data import squads as squads_q
from data.fund_ledger import Entry


class FundDecisions:
    def __init__(self, core: Core) -> None:
        self.core = core

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
            paged = await self.core.page_leads(
                db, entry.squad_id, text, buttons, MessageRole.FUND,
                skip=lambda lead: lead.id == member.id,
            )  # fmt: skip
        self.core.notify()
        # Fewer leads who can approve than the request needs: it waits, and the reply says so.
        if paged >= entry.needs_approvals:
            key = "fund.asked"
        else:
            key = "fund.asked_one_lead" if paged else "fund.asked_no_lead"
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
            if entry.member_id is None:
                # The requester left the squad or used /forgetme: nobody could be paid or
                # send the receipt, so the money is not taken; the request is withdrawn.
                if not await fund_q.decide(db, entry.id, "rejected", self.core.now()):
                    raise Refused(refuse("fund.already.rejected"))
                currency = (await fund_q.settings_of(db, entry.squad_id)).currency
                gone = Text("fund.requester_gone", {"amount": money(entry.amount, currency)})
                return Reply(text=gone, answer=gone, edit_pressed=True)
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
