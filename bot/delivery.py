"""The outbox's side of the core: what a transport asks while it delivers.

The Telegram sender (handlers/transport/sender.py) makes the calls; every decision about
what a result means is here, so a second transport (Signal) gets the same rules:
- a row is marked ``sending`` before its call, so after a crash it is sent again only when
  its fate is unknown, and such an offer says it was sent again;
- an offer goes in one send, its buttons carrying the copy's number: only the newest copy
  is honoured (``copy_tag``, recorded before its call), so a member never holds two live
  offers, even when crashes hid the fate of several copies; a copy Telegram surely did not
  take (429, 5xx, 400, 403, no connection) gives the honour back to the one before it; an
  offer answered or withdrawn before its turn is not sent at all;
- a refused (403) private chat makes that person unreachable, and an offer moves on;
- a message still failing after the give-up time tells the leads, once;
- a private message about an alert that finished while it was on its way is cleaned up.
"""

from __future__ import annotations

import string
from collections.abc import Awaitable, Sequence
from dataclasses import replace
from typing import Protocol

import aiosqlite

from bot.core import Core
from bot.domain import Offer, OfferAnswer
from bot.drills.marking import marked_intent
from bot.intents import Action, Intent, MessageRole, Op, Priority, Text
from bot.languages import language_of_chat, languages_of_chats
from bot.messages import t
from bot.phones import late_redaction
from data import alerts as alerts_q
from data import offers as offers_q
from data import outbox
from data import sent_messages as sent_q
from data import squads as squads_q
from data.outbox import Due, OutboxRow

__all__ = ["Delivery", "Due", "OnUndeliverable", "OutboxRow"]

DELIVERY_FAILED = "delivery.failed"  # the catalogue key of the leads' "could not deliver"


class OnUndeliverable(Protocol):
    def __call__(
        self, alert_id: int, member_id: int | None, role: MessageRole, *, refused: bool
    ) -> Awaitable[None]: ...


def is_offer_send(intent: Intent) -> bool:
    return intent.role is MessageRole.OFFER and intent.op is Op.SEND


def copy_tag(copy: int) -> str:
    """The callback-data tag of an offer's ``copy``-th copy (1: the first send): letters only,
    as the callback codec's argument takes them."""
    letters = string.ascii_lowercase
    tag = ""
    while copy > 0:
        copy, digit = divmod(copy - 1, len(letters))
        tag = letters[digit] + tag
    return "c" + tag


def honoured(recorded: str | None, pressed: str) -> bool:
    """Whether a press on an offer copy tagged ``pressed`` acts on the offer: only the copy
    recorded does, the newest sent or, when Telegram surely did not take that one, the one
    before it (``recorded`` None: none recorded, nothing sent yet or an offer sent before
    copies were recorded as they go; ``pressed`` empty: an offer sent before copies were
    tagged, whose buttons only one copy ever had)."""
    return not pressed or recorded is None or recorded == pressed


def retired_board(chat_id: int, message_id: int) -> Intent:
    """An older message of the squad's board is taken away: deleted, or where Telegram no
    longer lets a bot delete it, edited to point to the newer one."""
    return Intent(
        op=Op.DELETE,
        chat_id=chat_id,
        priority=Priority.HIGH,
        text=Text("board.moved"),
        role=MessageRole.NOTICE,
        message_id=message_id,
    )


_WITHDRAWN_KEYS = {
    OfferAnswer.TIMEOUT: "offer.withdrawn",
    OfferAnswer.DECLINED: "offer.withdrawn",
    OfferAnswer.WITHDRAWN: "offer.taken",
}


class Delivery:
    def __init__(self, core: Core, on_undeliverable: OnUndeliverable | None = None) -> None:
        self.core = core
        self.on_undeliverable = on_undeliverable
        self.give_up_s = core.settings.send_give_up.total_seconds()

    # -- what is due -------------------------------------------------------------------

    async def due(self, limit: int = 100) -> list[Due]:
        """What is due, most urgent first (chat and operation only)."""
        async with self.core.store.reading() as db:
            return await outbox.next_due(db, self.core.now(), limit)

    async def next_due_at(self) -> float | None:
        """When a row not yet due comes due (rows due now but held by the limits: no)."""
        async with self.core.store.reading() as db:
            return await outbox.next_not_before(db, self.core.now())

    async def recent(self, since: float) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """What the previous run sent since ``since``, and the 429 holds still running."""
        async with self.core.store.transaction() as db:
            sends = await outbox.recent_sends(db, since)
            holds = await outbox.active_holds(db, self.core.now())
        return sends, holds

    async def log_send(self, chat_id: int, at: float) -> None:
        """A direct reply went out: the limits count it like an outbox row."""
        async with self.core.store.transaction() as db:
            await outbox.log_send(db, chat_id, at)

    async def language_of(self, chat_id: int) -> str:
        """The language a message to this chat is written in (its person's, or its squad's)."""
        async with self.core.store.reading() as db:
            return await language_of_chat(db, chat_id)

    async def languages_of(self, chat_ids: Sequence[int]) -> dict[int, str]:
        async with self.core.store.reading() as db:
            return await languages_of_chats(db, chat_ids)

    # -- results -----------------------------------------------------------------------

    async def started(self, ids: Sequence[int]) -> list[OutboxRow]:
        """Rows ``ids`` (chosen from ``due``) are read and marked ``sending`` in one
        transaction: after a crash, their fate is unknown. Returns them as they are to be
        sent. They are read here, not before: a change committed since they were chosen
        (the squad's board folded into a waiting post, a newer edit superseding a waiting
        one, an erasure redacting a waiting message) is in what goes, and a row that is no
        longer to be sent is not sent. An offer that is no longer open is dropped; an offer's
        buttons carry its copy's tag, and that copy is recorded as the only one honoured
        before the call is made; a copy whose first delivery's fate is unknown says it was
        sent again."""
        ready: list[OutboxRow] = []
        now = self.core.now()
        async with self.core.store.transaction() as db:
            for row in await outbox.rows_to_send(db, ids):
                if is_offer_send(row.intent):
                    offer = await self._newest_copy(db, row)
                    if offer is None:
                        await outbox.mark_superseded(db, row.id)
                        continue
                    row = replace(row, copy_before=_honoured_before(offer.copy, row))
                ready.append(_as_sent(row))
            if ready:
                await outbox.mark_sending(db, [row.id for row in ready])
                # A deletion takes no message's slot.
                chats = [row.intent.chat_id for row in ready if row.intent.op is not Op.DELETE]
                await outbox.log_sends(db, chats, now)
        return ready

    @staticmethod
    async def _newest_copy(db: aiosqlite.Connection, row: OutboxRow) -> Offer | None:
        """An offer about to be sent: if it is still open, this copy becomes the only one
        honoured, before its call (returns the offer as it was). Recorded at delivery
        instead, two copies whose fate crashes hid (neither recorded) would both act once
        the offer closed before a third went. ``None``: the offer is no longer open, so
        nothing is sent."""
        intent = row.intent
        assert intent.alert_id is not None and intent.member_id is not None
        offer = await offers_q.offer_for(db, intent.alert_id, intent.member_id)
        if offer is None or offer.answer is not None:
            return None
        await offers_q.record_copy(db, offer.id, _copy_of(row))
        return offer

    @staticmethod
    async def _not_taken(db: aiosqlite.Connection, row: OutboxRow) -> None:
        """Telegram surely did not take this copy of an offer: the copy honoured before it (one
        a crash or a timeout may have left on the phone) is honoured again, so the member's
        Accept there still acts."""
        intent = row.intent
        if not is_offer_send(intent) or row.copy_before == outbox.NOT_STARTED:
            return  # (a row that did not go through ``started`` put nothing to give back)
        assert intent.alert_id is not None and intent.member_id is not None
        await offers_q.put_back_copy(
            db, intent.alert_id, intent.member_id, _copy_of(row), row.copy_before
        )

    async def held(self, row: OutboxRow, seconds: float) -> None:
        """429: the chat is held (across restarts too) and the row waits."""
        await self.hold(row.intent.chat_id, seconds)
        await self.later(row, seconds, "retry_after", uncertain=False)

    async def hold(self, chat_id: int, seconds: float) -> None:
        """429 for this chat: nothing goes there for ``seconds``, across a restart too."""
        async with self.core.store.transaction() as db:
            await outbox.hold_chat(db, chat_id, self.core.now() + seconds)

    async def later(self, row: OutboxRow, seconds: float, error: str, *, uncertain: bool) -> None:
        """Try the row again in ``seconds``. ``uncertain``: Telegram may have it (a timeout, a
        connection lost once the request went); otherwise it surely did not, and an offer's
        copy gives the honour back (``_not_taken``)."""
        now = self.core.now()
        async with self.core.store.transaction() as db:
            await outbox.retry_later(db, row.id, now + seconds, error, now, uncertain=uncertain)
            if not uncertain:
                await self._not_taken(db, row)

    async def refused(self, row: OutboxRow) -> None:
        """403: the recipient cannot be reached (blocked the bot, never opened the chat)."""
        intent = row.intent
        async with self.core.store.transaction() as db:
            await outbox.mark_failed(db, row.id, "forbidden")
            await self._not_taken(db, row)
            if intent.chat_id > 0:
                await squads_q.mark_blocked(db, intent.chat_id, self.core.now())
        await self._undeliverable(intent, refused=True)

    async def rejected(self, row: OutboxRow) -> None:
        """400 that is not a known harmless one: this row will never go."""
        async with self.core.store.transaction() as db:
            await outbox.mark_failed(db, row.id, "bad_request")
            await self._not_taken(db, row)

    async def failing(self, row: OutboxRow, *, uncertain: bool) -> bool:
        """A 5xx or network error (``uncertain``: a timeout or a connection lost once the
        request went, so Telegram may have it). Past
        the give-up time, the leads are told once; an offer is then dropped (the next member
        was offered instead). Returns whether the row is dropped; otherwise it is retried
        with backoff by the caller."""
        failing_since = row.first_failed_at or self.core.now()
        if row.reported or self.core.now() - failing_since <= self.give_up_s:
            return False
        intent = row.intent
        async with self.core.store.transaction() as db:
            await outbox.mark_reported(db, row.id)
            if intent.role is MessageRole.OFFER:
                await outbox.mark_failed(db, row.id, "network")
                if not uncertain:
                    await self._not_taken(db, row)
        await self._undeliverable(intent, refused=False)
        return intent.role is MessageRole.OFFER

    async def delivered(self, results: Sequence[tuple[OutboxRow, int | None, int | None]]) -> None:
        """Telegram took these (row, chat id, message id), recorded in one transaction. Each
        message's id is remembered (edits and buttons find it after a restart); a late
        arrival is cleaned up."""
        if not results:
            return
        now = self.core.now()
        # Only what happened after: lost to a power cut, a row is sent again (said so).
        async with self.core.store.transaction(durable=False) as db:
            await outbox.mark_sent(db, [(row.id, message) for row, _, message in results], now)
            for row, chat_id, message_id in results:
                if chat_id is not None and message_id is not None:
                    await self._remember(db, row, chat_id, message_id, now)

    async def _remember(
        self, db: aiosqlite.Connection, row: OutboxRow, chat_id: int, message_id: int, now: float
    ) -> None:
        intent = row.intent
        if intent.role is MessageRole.CARD:
            await self._board_posted(db, intent, chat_id, message_id, now)
            return
        if intent.alert_id is None or intent.message_id is not None:
            return  # an edit or deletion of a known message: nothing new to remember
        alert = await alerts_q.alert_by_id(db, intent.alert_id)
        if alert is None:
            return  # deleted meanwhile (a drill): nothing left to point at
        await sent_q.remember_message(
            db,
            alert_id=intent.alert_id,
            member_id=intent.member_id,
            chat_id=chat_id,
            message_id=message_id,
            role=intent.role.value,
            now=now,
        )
        late = late_redaction(alert, intent, chat_id, message_id)
        if late is not None:
            await outbox.enqueue(db, late, now)
        elif is_offer_send(intent):
            # The offer ended while this copy was on its way: its buttons go.
            assert intent.member_id is not None
            offer = await offers_q.offer_for(db, intent.alert_id, intent.member_id)
            if offer is None:
                return
            key = _WITHDRAWN_KEYS.get(offer.answer) if offer.answer else None
            if key is not None and alert is not None:  # it ended while on its way
                edit = Intent(
                    op=Op.EDIT,
                    chat_id=chat_id,
                    priority=Priority.HIGH,
                    text=Text(key, {"code": alert.code}),
                    alert_id=alert.id,
                    member_id=intent.member_id,
                    role=MessageRole.OFFER,
                    message_id=message_id,
                )
                await outbox.enqueue(db, edit, now)

    @staticmethod
    async def _board_posted(
        db: aiosqlite.Connection, intent: Intent, chat_id: int, message_id: int, now: float
    ) -> None:
        """A new board message is the live one; the one before it, and any card from before
        the board of an alert still open, is retired (deleted, or where Telegram no longer
        lets a bot delete it, edited to point to the new one)."""
        old = await sent_q.find_board(db, chat_id)
        if old is not None and old[0] == message_id:
            return  # an edit of the live board
        await sent_q.remember_message(
            db, alert_id=intent.alert_id, member_id=None, chat_id=chat_id,
            message_id=message_id, role=MessageRole.CARD.value, now=now,
        )  # fmt: skip
        for stale in await sent_q.cards_to_retire(db, chat_id, message_id):
            await sent_q.forget_message(db, chat_id, stale)
            await outbox.enqueue(db, retired_board(chat_id, stale), now)

    async def target(self, intent: Intent) -> int | None:
        """The message an edit by role is meant for, if one was ever recorded."""
        if intent.role is MessageRole.CARD:
            async with self.core.store.reading() as db:
                board = await sent_q.find_board(db, intent.chat_id)
            return board[0] if board is not None else None
        if intent.alert_id is None:
            return None
        async with self.core.store.reading() as db:
            return await sent_q.find_message(db, intent.alert_id, intent.role.value, intent.chat_id)

    async def _undeliverable(self, intent: Intent, *, refused: bool) -> None:
        """Tell the alert lifecycle: an urgent message was refused (403), or a message about
        an alert is still failing after the give-up time (then the leads are told once)."""
        if intent.alert_id is None or self.on_undeliverable is None:
            return
        if intent.text is not None and intent.text.key == DELIVERY_FAILED:
            return  # the notice that a message is stuck is never itself reported: no loop
        if refused and (intent.priority is not Priority.URGENT or intent.op is Op.EDIT):
            return  # a 403 on anything else: the recipient is marked unreachable, that's all
        await self.on_undeliverable(intent.alert_id, intent.member_id, intent.role, refused=refused)


def _copy_of(row: OutboxRow) -> str:
    """The tag of the copy of an offer this attempt sends (``row.attempts``: those before)."""
    return copy_tag(row.attempts + 1)


def _honoured_before(recorded: str | None, row: OutboxRow) -> str | None:
    """The copy honoured before this attempt, to give back if Telegram surely does not take
    it. None, with attempts before: an offer from before copies were recorded as they go,
    whose copies a crash may have left on the phone; the previous attempt's stands for them
    (None would let them all act)."""
    if recorded is None and row.attempts > 0:
        return copy_tag(row.attempts)
    return recorded


def _as_sent(row: OutboxRow) -> OutboxRow:
    """The row as this copy goes out (``row.attempts`` is the count before it); a message
    about a drill says DRILL."""
    intent = marked_intent(row.intent) if row.drill else row.intent
    if not is_offer_send(intent):
        return row if intent is row.intent else replace(row, intent=intent)
    tag = _copy_of(row)
    buttons = tuple(
        tuple(
            replace(b, arg=tag) if b.action in (Action.ACCEPT, Action.DECLINE) else b for b in line
        )
        for line in intent.buttons
    )
    text = _resent(intent.text) if row.uncertain and intent.text is not None else intent.text
    return replace(row, intent=replace(intent, buttons=buttons, text=text))


def _resent(text: Text) -> Text:
    """The offer's text with a line saying it is a second copy."""
    if text.key == "lines" and t("offer.resent") in text.params.get("lines", []):
        return text
    lines = [t(text.key, **text.params), t("offer.resent")]
    return Text("lines", {"lines": lines})
