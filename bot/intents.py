"""What to tell whom, free of Telegram types.

The core returns a :class:`Reply` for the person who asked, and writes
:class:`Intent` rows to the outbox for everyone else, in the same transaction as
the state change that causes them.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, ParamSpec

from bot import json_codec
from bot.domain import from_fields, reader


class Priority(IntEnum):
    """Lower leaves first. Urgent kinds always go before routine ones."""

    URGENT = 0  # offers, escalations, lead pages, precise locations
    HIGH = 1  # reporter confirmations, card updates, stand-downs
    ROUTINE = 2  # status, help, notes


class Action(StrEnum):
    """Button actions; the codec in handlers/buttons.py turns them into callback data."""

    ACCEPT = "acc"
    DECLINE = "dec"
    CLAIM = "clm"
    EN_ROUTE = "enr"
    ARRIVED = "arr"
    CLOSE = "cls"
    OUTCOME = "out"
    CONTACT = "cnt"  # the reporter's choice: may the responder see their contact?
    NOTE = "not"  # "Add note" on a closed alert: the next private text is its note
    ALERT_NOW = "aln"  # "Send an alert" in a private chat (the id is the user)
    TYPE = "typ"  # the crisis type (arg: bot.domain.CrisisType value)
    POLICE = "pol"  # consent to involve the police for this alert
    # An alert held for a lead (blocked reporter, or over the cap): offer it, or drop it.
    DISPATCH = "dsp"
    DISMISS = "dsm"
    # Not about an alert: the id is the user (forget), the squad (wipe), or the member
    # whose join request a lead answers (approve, reject).
    FORGET = "fgt"
    WIPE_1 = "wp1"
    WIPE_2 = "wp2"
    APPROVE = "apv"
    REJECT = "rej"
    # /language: the id is the person (private) or the squad (group); the arg the language.
    LANGUAGE = "lng"
    # /skills: the id is the member whose skills they are; the arg the skill to switch.
    SKILL = "skl"
    # A legal or medical clock's mark (the id is the clock; the arg the mark).
    CLOCK_MARK = "clk"
    # A responder's answer to "Are you safe?": the id is the check-in (bot/checkins.py).
    SAFE = "saf"
    NEED_HELP = "hlp"
    # After the call (issue 12), routed to bot/aftercare/facade.py. The guided /service add
    # (the id is the squad; a saved place's button: the place), /service remove (the
    # service); /refer (the id is the alert, the arg a category or a service); a referral's
    # move, reason and note (the referral); a follow-up task (the task; the arg what to do,
    # or the member it goes to); a meeting held (the squad; the arg when its digest ends).
    SERVICE_CATEGORY = "svc"
    SERVICE_PLACE = "svp"
    SERVICE_HOURS = "svh"
    SERVICE_SKIP = "svs"
    SERVICE_REMOVE = "svr"
    REFER = "ref"
    REFER_TO = "rft"
    REFER_AGREED = "rfy"
    REFER_DECLINED = "rfn"
    REFERRAL = "rfl"
    REFERRAL_REASON = "rfr"
    REFERRAL_NOTE = "rfo"
    TASK = "tsk"
    TASK_TO = "tkt"
    MEETING_HELD = "mtg"
    # Issue 13. The case record (the id is the alert; the arg a choice, see bot/records/).
    RECORD = "rec"
    # A warning: its draft's buttons, and a lead's approval (the id is the warning).
    WARNING_DRAFT = "wdr"
    WARNING_APPROVE = "wap"
    WARNING_REJECT = "wrj"
    # The fund (the id is the ledger entry): a request's purpose, a lead's answer, and the
    # requester's "paid out" (arg "receipt" or "none").
    FUND_PURPOSE = "fpu"
    FUND_APPROVE = "fap"
    FUND_REJECT = "frj"
    FUND_PAID = "fpd"


ACCOUNT_ACTIONS = frozenset(
    {
        Action.FORGET,
        Action.WIPE_1,
        Action.WIPE_2,
        Action.APPROVE,
        Action.REJECT,
        Action.LANGUAGE,
        Action.SKILL,
    }
)


class MessageRole(StrEnum):
    """What a sent message is, so later edits can find it."""

    CARD = "card"
    OFFER = "offer"
    ESCALATION = "escalation"
    PAGE = "page"
    OWNER = "owner"
    LOCATION = "location"
    LOCATION_PROMPT = "loc_prompt"
    REPORTER = "reporter"
    NOTICE = "notice"
    HELD = "held"  # an alert held for a lead, with Dispatch and Dismiss
    REPORTER_OWN = "reporter_own"  # what the reporter sent in private (a pin, an answer)
    JOIN_REQUEST = "join_request"
    CHECKIN = "checkin"  # "Are you safe?", to a responder on an alert
    WARNING = "warning"  # a warning about a dangerous person, or its approval page
    FUND = "fund"  # a fund request's page to the leads, or its answer to the requester


class Op(StrEnum):
    SEND = "send"
    EDIT = "edit"
    LOCATION = "location"
    LEAVE = "leave"  # leave a group that never completed /setup
    DELETE = "delete"  # delete one message (``message_id``)
    # A pin with a title and an address (the first line of ``text``, and the rest): how a
    # drill's pin goes out (bot/drills/marking.py). Made only as a row goes out.
    VENUE = "venue"


@dataclass(frozen=True)
class Text:
    """A catalogue key and its values; rendered to a string only when sent."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Button:
    """An inline button: either an action on an alert, or a URL."""

    label: Text
    action: Action | None = None
    alert_id: int | None = None
    arg: str = ""
    url: str | None = None
    # A start parameter for a link into the private chat with the bot; the adapter builds
    # the link (the core knows nothing of t.me).
    deep_link: str | None = None
    # A link to this person's profile (a reporter who agreed to be contacted); the adapter
    # builds it.
    profile_of: int | None = None


@dataclass(frozen=True)
class Intent:
    """One message to send, edit, or a location to deliver."""

    op: Op
    chat_id: int
    priority: Priority
    text: Text | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    alert_id: int | None = None
    member_id: int | None = None
    role: MessageRole = MessageRole.NOTICE
    reply_to: int | None = None
    lat: float | None = None
    lon: float | None = None
    request_location: bool = False
    force_reply: bool = False
    # An explicit target for EDIT or DELETE; otherwise an edit finds its message by role.
    message_id: int | None = None

    def to_json(self) -> str:
        # What ``dataclasses.asdict`` gives, without its deep copies (a raid writes many).
        data = {
            "op": self.op,
            "chat_id": self.chat_id,
            "priority": self.priority,
            "text": _text_dict(self.text),
            "buttons": [[_button_dict(b) for b in row] for row in self.buttons],
            "alert_id": self.alert_id,
            "member_id": self.member_id,
            "role": self.role,
            "reply_to": self.reply_to,
            "lat": self.lat,
            "lon": self.lon,
            "request_location": self.request_location,
            "force_reply": self.force_reply,
            "message_id": self.message_id,
        }
        return json_codec.dumps(data)

    @classmethod
    def from_json(cls, raw: str) -> Intent:
        # Made by ``from_fields``: every queued message is read back as it goes, a board's
        # with a button per alert, and each dataclass's own __init__ is slow (frozen).
        data = json_codec.loads(raw)
        text = _text(data["text"]) if data.get("text") else None
        buttons = tuple(
            tuple(
                from_fields(
                    Button,
                    {
                        "label": _text(b["label"]),
                        "action": _ACTION(b["action"]) if b.get("action") else None,
                        "alert_id": b.get("alert_id"),
                        "arg": b.get("arg", ""),
                        "url": b.get("url"),
                        "deep_link": b.get("deep_link"),
                        "profile_of": b.get("profile_of"),
                    },
                )
                for b in row
            )
            for row in data.get("buttons", ())
        )
        return from_fields(
            cls,
            {
                "op": _OP(data["op"]),
                "chat_id": data["chat_id"],
                "priority": _PRIORITY(data["priority"]),
                "text": text,
                "buttons": buttons,
                "alert_id": data.get("alert_id"),
                "member_id": data.get("member_id"),
                "role": _ROLE(data.get("role", MessageRole.NOTICE)),
                "reply_to": data.get("reply_to"),
                "lat": data.get("lat"),
                "lon": data.get("lon"),
                "request_location": data.get("request_location", False),
                "force_reply": data.get("force_reply", False),
                "message_id": data.get("message_id"),
            },
        )


# For reading stored intents back (see ``bot.domain.reader``).
_ACTION = reader(Action)
_OP = reader(Op)
_PRIORITY = reader(Priority)
_ROLE = reader(MessageRole)


class FileKind(StrEnum):
    PHOTO = "photo"  # an image shown inline (a PNG chart)
    DOCUMENT = "document"  # a file to keep or forward (a CSV, a plain-text digest)


@dataclass(frozen=True)
class Attachment:
    """A file for the person who asked, sent after the reply's text in the same chat. Its
    ``caption`` is rendered in the reader's language like any text."""

    kind: FileKind
    filename: str
    data: bytes
    caption: Text | None = None


def _text(data: dict[str, Any]) -> Text:
    return from_fields(Text, {"key": data["key"], "params": data.get("params", {})})


def _text_dict(text: Text | None) -> dict[str, Any] | None:
    return None if text is None else {"key": text.key, "params": text.params}


def _button_dict(button: Button) -> dict[str, Any]:
    return {
        "label": _text_dict(button.label),
        "action": button.action,
        "alert_id": button.alert_id,
        "arg": button.arg,
        "url": button.url,
        "deep_link": button.deep_link,
        "profile_of": button.profile_of,
    }


@dataclass(frozen=True)
class Reply:
    """The answer to the person who asked (a command reply or a button press).

    ``answer`` is the short callback answer for a button press; ``text`` is a
    message in the chat where they asked, or in their private chat when
    ``private`` is set.
    """

    text: Text | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    answer: Text | None = None
    request_location: bool = False
    remove_keyboard: bool = False
    private: bool = False
    ok: bool = True
    # Messages in the caller's chat to delete once answered (group hygiene).
    cleanup: tuple[int, ...] = ()
    # For a button press: show ``text`` (and ``buttons``) in place of the message whose
    # button was pressed, instead of as a new message.
    edit_pressed: bool = False
    # Files that follow ``text`` where it is sent (reports, charts, exports).
    attachments: tuple[Attachment, ...] = ()
    # Files that take a while to make (a report's charts): made once ``text`` and
    # ``attachments`` are sent, then sent after them, so the answer does not wait for them.
    later: Callable[[], Awaitable[tuple[Attachment, ...]]] | None = None

    async def files(self) -> tuple[Attachment, ...]:
        """Every file of this reply, in the order they are sent (``later`` made now)."""
        return self.attachments + (await self.later() if self.later is not None else ())


class Refused(Exception):
    """A rule refused the caller. Raised anywhere inside a use case marked ``@refusing``:
    the transaction it is in rolls back, and the use case answers with ``reply``."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.text.key if reply.text else "refused")
        self.reply = reply


P = ParamSpec("P")


def refusing(use_case: Callable[P, Awaitable[Reply]]) -> Callable[P, Awaitable[Reply]]:
    """The one way a use case refuses: rules raise :class:`Refused`, this turns it into the
    answer. Nothing has changed by then: any transaction was rolled back on the way out."""

    @functools.wraps(use_case)
    async def answer(*args: P.args, **kwargs: P.kwargs) -> Reply:
        try:
            return await use_case(*args, **kwargs)
        except Refused as refusal:
            return refusal.reply

    return answer


def reply(key: str, **params: Any) -> Reply:
    return Reply(text=Text(key, params))


def refuse(key: str, **params: Any) -> Reply:
    """A refusal: the caller is told why, nothing changed."""
    return Reply(text=Text(key, params), answer=Text(key, params), ok=False)
