"""Build squads and members in one line, against a real SQLite file and a fake clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core import Caller
from bot.domain import Alert, Member
from bot.intents import Intent, MessageRole
from bot.services import Services
from data import alerts as alerts_q
from data import squads as squads_q
from data.outbox import next_batch
from tests.support.db import Rows, db_snapshot

GROUP = -1001


@dataclass
class Clock:
    t: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class World:
    services: Services
    clock: Clock
    token: str = ""
    users: dict[str, int] = field(default_factory=dict)
    message_ids: int = 0

    @property
    def alerts(self) -> Any:
        return self.services.alerts

    def group(self, name: str) -> Caller:
        """``name`` writing in the group; each call is a new message."""
        self.message_ids += 1
        return Caller(
            self.users[name], GROUP, private=False, first_name=name, message_id=self.message_ids
        )

    def private(self, name: str) -> Caller:
        uid = self.users[name]
        return Caller(uid, uid, private=True, first_name=name)

    lead: str = "Nomsa"

    async def setup(self, lead: str = "Nomsa") -> None:
        self.lead = lead
        self.users[lead] = 100
        reply = await self.services.squads.setup(self.group(lead), "Hillbrow", is_admin=True)
        assert reply.ok, reply
        async with self.services.core.store.reading() as db:
            squad = await squads_q.squad_by_chat(db, GROUP)
        assert squad is not None
        self.token = squad.invite_token
        await self.services.joining.start(self.private(lead), self.token)

    async def member(
        self,
        name: str,
        lat: float | None = None,
        lon: float | None = None,
        *,
        approve: bool = True,
    ) -> Member:
        """``name`` taps the invite link; unless ``approve`` is False, the lead approves."""
        self.users[name] = 200 + len(self.users)
        reply = await self.services.joining.start(self.private(name), self.token)
        assert reply.ok, reply
        if approve:
            pending = await self.get_member(name)
            answer = await self.services.joining.answer(
                self.private(self.lead), pending.id, approve=True
            )
            assert answer.ok, answer
        if lat is not None and lon is not None:
            await self.services.members.private_location(self.private(name), lat, lon)
        return await self.get_member(name)

    async def get_member(self, name: str) -> Member:
        async with self.services.core.store.reading() as db:
            squad = await squads_q.squad_by_chat(db, GROUP)
            assert squad is not None
            m = await squads_q.member(db, squad.id, self.users[name])
        assert m is not None
        return m

    async def alert(self, reporter: str, text: str) -> Alert:
        self.users.setdefault(reporter, 900 + len(self.users))
        reply = await self.alerts.raise_alert(self.group(reporter), text)
        assert reply.ok, reply
        async with self.services.core.store.reading() as db:
            async with db.execute("SELECT max(id) AS id FROM alerts") as cur:
                row = await cur.fetchone()
            alert = await alerts_q.alert_by_id(db, row["id"])
        assert alert is not None
        return alert

    async def statements(self, work: Callable[[], Awaitable[Any]]) -> list[str]:
        """The SQL statements ``work`` ran on the store's connection, in order."""
        connection = self.services.core.store.db._connection
        statements: list[str] = []
        connection.set_trace_callback(statements.append)
        try:
            await work()
        finally:
            connection.set_trace_callback(None)
        return statements

    async def reload(self, alert: Alert) -> Alert:
        async with self.services.core.store.reading() as db:
            fresh = await alerts_q.alert_by_id(db, alert.id)
        assert fresh is not None
        return fresh

    async def outbox(self) -> list[Intent]:
        async with self.services.core.store.reading() as db:
            return [row.intent for row in await next_batch(db, float("inf"), limit=10_000)]

    async def told(self) -> list[Intent]:
        """Everything queued so far, sent or still waiting, oldest first (not superseded)."""
        async with (
            self.services.core.store.reading() as db,
            db.execute(
                "SELECT payload FROM outbox WHERE state IN ('pending', 'sending', 'sent')"
                " AND payload <> '{}' ORDER BY id"
            ) as cur,
        ):
            return [Intent.from_json(r[0]) for r in await cur.fetchall()]

    async def cards(self, alert: Alert) -> list[Intent]:
        """The squad's board messages (its card) that show ``alert``, oldest first, whether
        sent or still queued (a newer change folded into a queued one is that one)."""
        from bot.messages import render

        return [
            i
            for i in await self.told()
            if i.role is MessageRole.CARD
            and i.text is not None
            and f"#{alert.code}" in render(i.text.key, i.text.params)
        ]

    async def deliver_all(self) -> None:
        """As if the sender had delivered everything queued so far."""
        async with self.services.core.store.transaction() as db:
            await db.execute(
                "UPDATE outbox SET state = 'sent', sent_at = ? WHERE state = 'pending'",
                (self.clock(),),
            )

    async def fire_due(self) -> int:
        return await self.services.deadlines.fire_due()

    async def snapshot(self) -> Rows:
        """Every row of every table but the transport's: compare before and after to prove
        nothing changed (see ``tests.support.db.db_snapshot``)."""
        return db_snapshot(self.services.core.settings)
