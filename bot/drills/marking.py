"""The one place that decides how a drill's messages say DRILL.

- A message to a person about a drill (an offer, a brief, a lead's page, a reporter's
  notice, a check-in, an edit that cleans a phone) gets ``MARKER`` as its first line, the
  line a lock screen shows. The outbox marks it as it goes out (``bot/delivery.py``), for
  every row whose alert is a drill, so no message about one can leave unmarked.
- A pin (the responder's, or a lead's ``/pin``) goes as a venue, whose title says DRILL:
  a bare location carries no words.
- The answer to whoever pressed or asked is marked the same way (``marked_reply``).
- The squad's board marks the drill's own line, and a card with only the drill on it
  marks itself (``bot/alerts/board.py``, ``bot/alerts/notices.py``): a board that lists
  real alerts too is not a drill.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.intents import Intent, MessageRole, Op, Reply, Text
from bot.messages import t

MARKER = "drill.marker"
# A venue's title and address, rendered as two lines (the sender splits them).
VENUE = Text("lines", {"lines": [t("drill.pin_title"), t("drill.pin_address")]})
# What a phone's clean-up says once the drill itself is deleted (bot/drills/service.py).
OVER = "drill.over"


def _is_marked(text: Text) -> bool:
    lines = text.params.get("lines") if text.key == "lines" else None
    return isinstance(lines, list) and bool(lines) and lines[0] == t(MARKER)


def marked(text: Text) -> Text:
    """``text`` under the DRILL line."""
    if _is_marked(text):
        return text
    return Text("lines", {"lines": [t(MARKER), t(text.key, **text.params)]})


def tagged(line: Any) -> Any:
    """One line of the squad's board (or of a list), tagged as a drill."""
    return t("drill.tagged", text=line)


def marked_intent(intent: Intent) -> Intent:
    """A message about a drill, as it goes out."""
    if intent.role is MessageRole.CARD:
        return intent  # the board marks the drill's own line
    if intent.op is Op.LOCATION:
        return replace(intent, op=Op.VENUE, text=VENUE)
    if intent.text is None:
        return intent  # a deletion: nothing to read
    return replace(intent, text=marked(intent.text))


def marked_reply(reply: Reply) -> Reply:
    """The answer about a drill to whoever pressed or asked."""
    return replace(
        reply,
        text=marked(reply.text) if reply.text is not None else None,
        answer=marked(reply.answer) if reply.answer is not None else None,
    )
