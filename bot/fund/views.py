"""What ``/fund`` shows, and the ledger's CSV. Pure: ledger entries in, lines or bytes out.
Nothing here names a case: the ledger holds no code and no link to an alert."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.messages import day, listing, money, t
from data.fund_ledger import Entry

FORMER_MEMBER = "a former member"
RECENT = 8


def who(alias: str | None) -> dict[str, Any] | str:
    """A member's alias, or "a former member" once they were erased or removed."""
    return alias if alias is not None else t("fund.former_member")


def entry_line(e: Entry, currency: str | None, tz: str) -> dict[str, Any]:
    purpose = t(f"purpose.{e.purpose}") if e.purpose else t("fund.no_purpose")
    key = "fund.deposit_line" if e.kind == "deposit" else "fund.request_line"
    return t(
        key,
        id=str(e.id),
        day=day(e.created_at, tz),
        amount=money(e.amount, currency),
        purpose=purpose,
        state=t(f"fund.state.{e.state}"),
        who=who(e.alias),
    )


def lead_view(
    entries: Sequence[Entry],
    balance: Decimal,
    threshold: Decimal,
    spent: dict[str, Decimal],
    currency: str | None,
    tz: str,
) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = [
        t("fund.balance", amount=money(balance, currency)),
        t("fund.threshold", amount=money(threshold, currency)),
    ]
    pending = [e for e in entries if e.kind == "request" and e.state == "pending"]
    if pending:
        total = sum((e.amount for e in pending), Decimal(0))
        lines.append(t("fund.pending", count=len(pending), amount=money(total, currency)))
        lines.extend(entry_line(e, currency, tz) for e in pending)
    else:
        lines.append(t("fund.pending_none"))
    if spent:
        items = [
            t("report.spent_item", purpose=t(f"purpose.{p}"), amount=money(a, currency))
            for p, a in sorted(spent.items())
        ]
        lines.append(t("fund.month_spent", items=listing(items)))
    else:
        lines.append(t("fund.month_spent_none"))
    recent = [e for e in entries if e.state != "choosing"][-RECENT:]
    if recent:
        lines.append(t("fund.recent"))
        lines.extend(entry_line(e, currency, tz) for e in reversed(recent))
    lines.append(t("fund.export_hint"))
    return lines


def member_view(mine: Sequence[Entry], currency: str | None, tz: str) -> list[dict[str, Any]]:
    if not mine:
        return [t("fund.mine_none")]
    return [t("fund.mine"), *(entry_line(e, currency, tz) for e in mine)]


def _safe(cell: str) -> str:
    """A cell a spreadsheet will not read as a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def ledger_csv(
    entries: Sequence[Entry],
    approvers: dict[int, list[str | None]],
    currency: str | None,
    tz: str,
) -> bytes:
    """date, type, amount, currency, purpose, state, by, approvers, receipt, note; approvers
    and the person by alias ("a former member" once erased); no case details."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["date", "type", "amount", "currency", "purpose", "state", "by", "approvers", "receipt",
         "note"]
    )  # fmt: skip
    zone = ZoneInfo(tz)
    for e in entries:
        if e.state == "choosing":
            continue
        names = [a if a is not None else FORMER_MEMBER for a in approvers.get(e.id, [])]
        writer.writerow(
            [
                datetime.fromtimestamp(e.created_at, zone).date().isoformat(),
                "in" if e.kind == "deposit" else "out",
                str(e.amount),
                currency or "",
                e.purpose or "",
                e.state,
                _safe(e.alias if e.alias is not None else FORMER_MEMBER),
                _safe("; ".join(names)),
                e.receipt or "",
                _safe(e.note),
            ]
        )
    return buffer.getvalue().encode("utf-8")
