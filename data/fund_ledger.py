"""SQL for the emergency fund: its settings on the squad, the ledger and the approvals.

Amounts are exact decimals stored as text and added up in Python (``Decimal``), never by
SQLite (which would add them as floats). The balance is read and a request approved inside
one ``BEGIN IMMEDIATE`` transaction, so two approvals cannot both spend the same money.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import aiosqlite

# What a request's state may be, and which of them have taken money out of the fund.
SPENT_STATES = ("approved", "paid")


@dataclass(frozen=True)
class FundSettings:
    currency: str | None
    second_approval: Decimal | None  # None: the setting's default


@dataclass(frozen=True)
class Entry:
    id: int
    squad_id: int
    kind: str  # deposit | request
    amount: Decimal
    purpose: str | None
    note: str
    state: str
    member_id: int | None  # who added or asked; None: a former member
    needs_approvals: int
    receipt: str | None
    created_at: float
    decided_at: float | None
    alias: str | None  # the member's alias, if they are still a member


def _entry(row: aiosqlite.Row) -> Entry:
    return Entry(
        id=row["id"],
        squad_id=row["squad_id"],
        kind=row["kind"],
        amount=Decimal(row["amount"]),
        purpose=row["purpose"],
        note=row["note"],
        state=row["state"],
        member_id=row["member_id"],
        needs_approvals=row["needs_approvals"],
        receipt=row["receipt"],
        created_at=row["created_at"],
        decided_at=row["decided_at"],
        alias=row["alias"],
    )


_SELECT = "SELECT e.*, m.alias FROM fund_entries e LEFT JOIN members m ON m.id = e.member_id"


async def settings_of(db: aiosqlite.Connection, squad_id: int) -> FundSettings:
    async with db.execute(
        "SELECT fund_currency, fund_second_approval FROM squads WHERE id = ?", (squad_id,)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return FundSettings(None, None)
    second = row["fund_second_approval"]
    return FundSettings(row["fund_currency"], Decimal(second) if second else None)


async def set_currency(db: aiosqlite.Connection, squad_id: int, currency: str) -> None:
    await db.execute("UPDATE squads SET fund_currency = ? WHERE id = ?", (currency, squad_id))


async def set_second_approval(db: aiosqlite.Connection, squad_id: int, amount: Decimal) -> None:
    await db.execute(
        "UPDATE squads SET fund_second_approval = ? WHERE id = ?", (str(amount), squad_id)
    )


async def has_entries(db: aiosqlite.Connection, squad_id: int) -> bool:
    async with db.execute("SELECT 1 FROM fund_entries WHERE squad_id = ?", (squad_id,)) as cur:
        return await cur.fetchone() is not None


async def add_entry(
    db: aiosqlite.Connection,
    *,
    squad_id: int,
    kind: str,
    amount: Decimal,
    state: str,
    member_id: int,
    now: float,
    note: str = "",
    needs_approvals: int = 1,
) -> int:
    cur = await db.execute(
        "INSERT INTO fund_entries(squad_id, kind, amount, note, state, member_id,"
        " needs_approvals, created_at, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            squad_id,
            kind,
            str(amount),
            note,
            state,
            member_id,
            needs_approvals,
            now,
            now if kind == "deposit" else None,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def entry_by_id(db: aiosqlite.Connection, entry_id: int) -> Entry | None:
    async with db.execute(f"{_SELECT} WHERE e.id = ?", (entry_id,)) as cur:
        row = await cur.fetchone()
    return _entry(row) if row is not None else None


async def entries_of(db: aiosqlite.Connection, squad_id: int) -> list[Entry]:
    """The squad's ledger, oldest first."""
    async with db.execute(f"{_SELECT} WHERE e.squad_id = ? ORDER BY e.id", (squad_id,)) as cur:
        return [_entry(r) for r in await cur.fetchall()]


async def requests_of_member(db: aiosqlite.Connection, member_id: int) -> list[Entry]:
    async with db.execute(
        f"{_SELECT} WHERE e.member_id = ? AND e.kind = 'request' AND e.state <> 'choosing'"
        " ORDER BY e.id DESC LIMIT 10",
        (member_id,),
    ) as cur:
        return [_entry(r) for r in await cur.fetchall()]


async def balance(db: aiosqlite.Connection, squad_id: int) -> Decimal:
    """Money put in, less every approved or paid request: exact."""
    async with db.execute(
        "SELECT kind, state, amount FROM fund_entries WHERE squad_id = ?", (squad_id,)
    ) as cur:
        rows = await cur.fetchall()
    total = Decimal(0)
    for r in rows:
        if r["kind"] == "deposit":
            total += Decimal(r["amount"])
        elif r["state"] in SPENT_STATES:
            total -= Decimal(r["amount"])
    return total


async def set_purpose(db: aiosqlite.Connection, entry_id: int, purpose: str) -> bool:
    """A request's purpose is chosen (once): it now waits for the leads."""
    cur = await db.execute(
        "UPDATE fund_entries SET purpose = ?, state = 'pending'"
        " WHERE id = ? AND state = 'choosing'",
        (purpose, entry_id),
    )
    return cur.rowcount == 1


async def approvers(db: aiosqlite.Connection, entry_id: int) -> list[tuple[int | None, str | None]]:
    """Who approved (member id and alias; ``None``: a former member), in order."""
    async with db.execute(
        "SELECT a.member_id, m.alias FROM fund_approvals a LEFT JOIN members m"
        " ON m.id = a.member_id WHERE a.entry_id = ? ORDER BY a.rowid",
        (entry_id,),
    ) as cur:
        return [(r["member_id"], r["alias"]) for r in await cur.fetchall()]


async def add_approval(db: aiosqlite.Connection, entry_id: int, member_id: int, now: float) -> None:
    await db.execute(
        "INSERT INTO fund_approvals(entry_id, member_id, at) VALUES (?, ?, ?)",
        (entry_id, member_id, now),
    )


async def decide(
    db: aiosqlite.Connection, entry_id: int, state: str, now: float, by: int | None = None
) -> bool:
    """pending -> approved or rejected; the row count says whether this caller won."""
    cur = await db.execute(
        "UPDATE fund_entries SET state = ?, decided_at = ?, rejected_by = ?"
        " WHERE id = ? AND state = 'pending'",
        (state, now, by, entry_id),
    )
    return cur.rowcount == 1


async def mark_paid(
    db: aiosqlite.Connection, entry_id: int, receipt: str | None, receipt_until: float | None,
    now: float,
) -> bool:  # fmt: skip
    cur = await db.execute(
        "UPDATE fund_entries SET state = 'paid', paid_at = ?, receipt = ?, receipt_until = ?"
        " WHERE id = ? AND state = 'approved'",
        (now, receipt, receipt_until, entry_id),
    )
    return cur.rowcount == 1


async def take_receipt(
    db: aiosqlite.Connection, user_id: int, file_id: str, now: float
) -> Entry | None:
    """A private photo from ``user_id``: the receipt of their paid request that waits for
    one, if any (the newest)."""
    async with db.execute(
        f"{_SELECT} WHERE m.user_id = ? AND e.state = 'paid' AND e.receipt IS NULL"
        " AND e.receipt_until >= ? ORDER BY e.id DESC LIMIT 1",
        (user_id, now),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    await db.execute(
        "UPDATE fund_entries SET receipt = 'photo', receipt_file_id = ?, receipt_until = NULL"
        " WHERE id = ?",
        (file_id, row["id"]),
    )
    return _entry(row)


async def forget_user(db: aiosqlite.Connection, user_id: int) -> None:
    """/forgetme: before their memberships go (which leaves "a former member" in the
    ledger), the receipts they sent and the notes they typed are erased."""
    await db.execute(
        "UPDATE fund_entries SET receipt_file_id = NULL, receipt_until = NULL,"
        " receipt = CASE WHEN receipt = 'photo' THEN 'erased' ELSE receipt END,"
        " note = '' WHERE member_id IN (SELECT id FROM members WHERE user_id = ?)",
        (user_id,),
    )
