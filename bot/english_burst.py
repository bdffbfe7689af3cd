"""The English source of the sentences about a raid (issue 14): the squad's board, which
lists its open alerts in one live group message, and an offer's older copy. Merged into
``bot.english.EN``; translations are in the same gettext catalogues."""

from __future__ import annotations

BURST: dict[str, str] = {
    "board.header": "🚨 Open alerts in this squad. Any available member: press 🙋 to take one.",
    "board.open": "🚨 #{code} · {state} · {area} · {text}",
    "board.taken": "✅ #{code} · {state}: {alias} · {area} · {text}",
    "board.ended": "✔️ #{code} · {state}",
    "board.no_area": "no location yet",
    "board.more": "More alerts are open than fit here: send /claim to see them all.",
    "board.moved": "The squad's open alerts are in the newer list below.",
    "button.claim_code": "🙋 #{code}",
    "offer.old_copy": "#{code}: this offer was sent to you again, so this copy no longer works. Please answer on the newer message.",
}
