"""The invariants checked after every crash round, from the database and the fake's record."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.delivery import honoured
from bot.intents import Intent, MessageRole, Op
from bot.messages import render
from data.privacy import COARSE_DECIMALS
from tests.fakegram.server import FakeTelegram

# A row whose content was emptied on purpose (an answered join request's copies, a delivered
# row after an erasure): nothing is left to compare, and nothing about alerts was in it.
EMPTIED = "{}"


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    alerts: int = 0
    uncertain_resends: int = 0  # rows sent again because a crash hid whether Telegram got them

    def __bool__(self) -> bool:
        return not self.problems


def _rows(db: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def check(db: Path, fake: FakeTelegram, *, max_escalations: int) -> Report:
    report = Report()
    alerts = _rows(db, "SELECT * FROM alerts")
    report.alerts = len(alerts)

    # 1. Every alert has an owner, is finished, or something is driving it.
    for a in alerts:
        pending = _rows(
            db,
            f"SELECT count(*) AS n FROM deadlines WHERE alert_id = {a['id']}"
            " AND fired_at IS NULL AND cancelled_at IS NULL",
        )[0]["n"]
        state = a["state"]
        if state in ("acknowledged", "en_route", "on_scene") and a["owner_member_id"] is None:
            report.problems.append(f"#{a['code']}: {state} without an owner")
        if state in ("new", "offered") and not pending:
            report.problems.append(f"#{a['code']}: {state} with nothing driving it")
        if state == "escalated" and not pending and a["escalations"] < max_escalations:
            report.problems.append(f"#{a['code']}: escalated without a live escalation")

    # 2. No alert was created twice from one update.
    origins = Counter((a["origin_chat_id"], a["origin_message_id"]) for a in alerts)
    for origin, n in origins.items():
        if n > 1:
            report.problems.append(f"{n} alerts from one message {origin}")
    # (The group's board may show several alerts, and folds changes together, so one
    # message is no evidence here: the alerts table's unique origin is.)

    # 3. No member holds two live offers for one alert.
    for r in _rows(
        db,
        "SELECT alert_id, member_id, count(*) AS n FROM offers WHERE answer IS NULL"
        " GROUP BY alert_id, member_id HAVING n > 1",
    ):
        report.problems.append(
            f"member {r['member_id']} holds {r['n']} offers of alert {r['alert_id']}"
        )
    for a in alerts:
        open_offers = _rows(
            db, f"SELECT count(*) AS n FROM offers WHERE alert_id = {a['id']} AND answer IS NULL"
        )[0]["n"]
        if open_offers > 1 and not a["broadcast"]:
            report.problems.append(f"#{a['code']}: {open_offers} open offers at once")
        if a["state"] not in ("new", "offered", "escalated") and open_offers:
            report.problems.append(f"#{a['code']}: {a['state']} but offers still open")

    # ... and as the member sees it: at most one message per alert and chat whose Accept
    # acts on the offer. Each copy's buttons carry its tag; only the recorded copy is
    # honoured: the newest sent, or the one before it when Telegram surely did not take it
    # (an older copy a crash left on the phone is refused).
    recorded = {
        (r["chat"], r["alert_id"]): r["copy"]
        for r in _rows(
            db,
            "SELECT u.private_chat_id AS chat, o.alert_id, o.copy FROM offers o"
            " JOIN members m ON m.id = o.member_id JOIN users u ON u.user_id = m.user_id",
        )
    }
    live: Counter[tuple[int, int]] = Counter()
    held: Counter[tuple[int, int]] = Counter()  # copies on the phone, acting or not
    for (chat_id, _), message in fake.messages.items():
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                parts = button.get("callback_data", "").split(":")
                if parts[:2] != ["s1", "acc"]:
                    continue
                alert_id, tag = int(parts[2]), (parts[3] if len(parts) > 3 else "")
                held[(chat_id, alert_id)] += 1
                if honoured(recorded.get((chat_id, alert_id)), tag):
                    live[(chat_id, alert_id)] += 1
    for (chat_id, alert_id), n in live.items():
        if n > 1:
            report.problems.append(f"chat {chat_id} sees {n} live offers of alert {alert_id}")
    # ... and an offer still open, with a copy on the phone, has one copy that acts.
    for r in _rows(
        db,
        "SELECT u.private_chat_id AS chat, o.alert_id FROM offers o JOIN members m"
        " ON m.id = o.member_id JOIN users u ON u.user_id = m.user_id WHERE o.answer IS NULL",
    ):
        key = (r["chat"], r["alert_id"])
        if held[key] and not live[key]:
            report.problems.append(f"chat {key[0]} holds offers of alert {key[1]}, none acting")

    # 4. Deadlines fired at most once: each firing's effects exist exactly once.
    leads = Counter(
        r["squad_id"]
        for r in _rows(
            db,
            "SELECT m.squad_id FROM members m JOIN users u ON u.user_id = m.user_id"
            " WHERE m.role = 'lead' AND u.private_chat_id IS NOT NULL",
        )
    )
    for a in alerts:
        offers = _rows(db, f"SELECT count(*) AS n FROM offers WHERE alert_id = {a['id']}")[0]["n"]
        if offers != a["offers_made"]:
            report.problems.append(
                f"#{a['code']}: {offers} offers but offers_made={a['offers_made']}"
            )
        # Each escalation pages every lead once (the group sees it on the squad's board,
        # which folds changes together, so the pages are the count).
        pages = [
            i for i, _, _ in _outbox(db, a["id"], MessageRole.PAGE)
            if i.text is not None and i.text.key == "escalation.lead"
        ]  # fmt: skip
        expected = a["escalations"] * leads[a["squad_id"]]
        if len(pages) != expected:
            report.problems.append(f"#{a['code']}: {len(pages)} escalation pages, {expected}")

    # 5. Every accepted member got the precise location (and every message that matters
    #    was delivered) exactly once, unless a crash hid whether Telegram had it.
    _delivered_once(db, fake, report)
    for a in alerts:
        if a["owner_member_id"] is None or a["lat"] is None:
            continue
        rows = [r for r in _outbox(db, a["id"], MessageRole.LOCATION) if r[1] == "sent"]
        if not rows:
            report.problems.append(f"#{a['code']}: the owner never got the location")
    return report


def _outbox(db: Path, alert_id: int, role: MessageRole) -> list[tuple[Intent, str, int]]:
    out = []
    for r in _rows(db, f"SELECT payload, state, attempts FROM outbox WHERE alert_id = {alert_id}"):
        if r["payload"] == EMPTIED:
            continue
        intent = Intent.from_json(r["payload"])
        if intent.role is role and intent.op is not Op.EDIT:
            out.append((intent, r["state"], r["attempts"]))
    return out


def _delivered_once(db: Path, fake: FakeTelegram, report: Report) -> None:
    expected: Counter[tuple[object, ...]] = Counter()
    allowed: Counter[tuple[object, ...]] = Counter()
    for r in _rows(db, "SELECT payload, state, attempts FROM outbox WHERE state = 'sent'"):
        if r["payload"] == EMPTIED:
            continue
        intent = Intent.from_json(r["payload"])
        if intent.op not in (Op.SEND, Op.LOCATION):
            continue  # an edit sent twice shows the same thing; deletes and leaves send nothing
        sig = _signature_of_intent(intent)
        expected[sig] += 1
        allowed[sig] += max(1, r["attempts"])
    seen: Counter[tuple[object, ...]] = Counter()
    for call in fake.calls:
        if call.status != 200 or call.method not in ("sendMessage", "sendLocation"):
            continue
        seen[_signature_of_call(call)] += 1
    for sig, n in expected.items():
        if seen[sig] < n:
            report.problems.append(f"sent {n}, Telegram got {seen[sig]}: {str(sig)[:80]}")
        elif seen[sig] > allowed[sig]:
            report.problems.append(
                f"delivered {seen[sig]} times, allowed {allowed[sig]}: {str(sig)[:80]}"
            )
        else:
            report.uncertain_resends += seen[sig] - n


def _signature_of_intent(intent: Intent) -> tuple[object, ...]:
    if intent.op is Op.LOCATION:
        return ("loc", intent.chat_id, *_coarse(intent.lat, intent.lon))
    text = render(intent.text.key, intent.text.params) if intent.text else ""
    return ("msg", intent.chat_id, text)


def _signature_of_call(call: object) -> tuple[object, ...]:
    from tests.fakegram.server import Call

    assert isinstance(call, Call)
    if call.method == "sendLocation":
        return ("loc", call.chat_id, *_coarse(call.params["latitude"], call.params["longitude"]))
    # A copy sent again after a crash says so; it is still the same message.
    return ("msg", call.chat_id, call.text.removesuffix("\n" + render("offer.resent")))


def _coarse(lat: object, lon: object) -> tuple[object, object]:
    """A closed alert's pins are coarsened in the outbox too, so compare at that grain."""
    if isinstance(lat, float) and isinstance(lon, float):
        return round(lat, COARSE_DECIMALS), round(lon, COARSE_DECIMALS)
    return lat, lon
