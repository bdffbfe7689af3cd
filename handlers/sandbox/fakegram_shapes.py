"""What passes through the fake Telegram: its users and chats, the calls the bot makes and
the faults a test injects, the files the bot uploads, and Telegram's errors. (Which calls
count against Telegram's sending limits is in ``fakegram_limits``.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Parameters that Telegram takes as plain strings (everything else is JSON-encoded by PTB).
STRING_PARAMS = frozenset(
    {"text", "caption", "callback_query_id", "parse_mode", "description", "title", "address"}
)


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded (multipart/form-data), as Telegram received it."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    """One recorded Bot API call: ``at`` when it arrived, ``done`` when it was answered."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    result: Any = None
    done: float = 0.0

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        if self.method == "sendVenue":  # a venue's words are its title and its address
            return f"{self.params.get('title', '')}\n{self.params.get('address', '')}"
        return str(self.params.get("text", self.params.get("caption", "")))

    def upload(self) -> Upload | None:
        """The file this call uploaded (sendPhoto, sendDocument), if any."""
        return next((v for v in self.params.values() if isinstance(v, Upload)), None)

    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    """Answer a matching call with an error (or after a delay) ``times`` times."""

    method: str | None
    status: int
    chat_id: int | None = None
    times: int = 1
    retry_after: int | None = None
    delay: float = 0.0
    description: str | None = None


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None  # the language of their Telegram app, e.g. "zu"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    admins: set[int] = field(default_factory=set)
    owner: int | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        return data


# Telegram's limit for the text of a message, in characters.
MAX_TEXT = 4096
# Telegram's limit for a file a bot uploads (photos are 10 MB, documents 50 MB).
MAX_UPLOAD = 50 * 1024 * 1024
# The first bytes of every PNG file.
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """The width and height of a PNG (Telegram refuses a photo it cannot read as an image)."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
