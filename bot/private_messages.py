"""What a message in private answers, decided in one place for every adapter.

The bot may be waiting for words or a photo from this person: a note after "Add note", a
warning's description or vehicle, where they are for their own alert, a step of the
directory dialogue or a referral's note, a receipt for the fund. The first question that
waits takes the message, in that order (an alert waiting for its location takes words
before a warning draft does: see ``Warnings.typed``). Anything that answers no question
gets the assistant's short answer with the one thing to do: nothing is met with silence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.aftercare.facade import Aftercare
from bot.alerts import Alerts
from bot.assist import Assist
from bot.core import Caller
from bot.fund.service import Fund
from bot.intents import Reply
from bot.locating import Locating
from bot.safety_warnings.service import Warnings

TextTaker = Callable[[Caller, str], Awaitable[Reply | None]]


class PrivateMessages:
    def __init__(
        self,
        alerts: Alerts,
        warnings: Warnings,
        locating: Locating,
        aftercare: Aftercare,
        fund: Fund,
        assist: Assist,
    ) -> None:
        self.fund = fund
        self.assist = assist

        async def where_they_are(caller: Caller, text: str) -> Reply | None:
            return await locating.typed_answer(caller, text, None)

        # Who may take a private text, first to last.
        self.text_takers: tuple[TextTaker, ...] = (
            alerts.typed_note,
            warnings.typed,
            where_they_are,
            aftercare.typed,
        )

    async def text(self, caller: Caller, text: str) -> Reply:
        """Words in private that are not a command."""
        for take in self.text_takers:
            answer = await take(caller, text)
            if answer is not None:
                return answer
        return await self.assist.private_message(caller)

    async def photo(self, caller: Caller, file_id: str) -> Reply:
        """A photo in private: a receipt the fund waits for (only its file id is kept)."""
        answer = await self.fund.receipt_photo(caller, file_id)
        return answer if answer is not None else await self.assist.private_message(caller)

    async def other(self, caller: Caller) -> Reply:
        """A voice note, a document, a sticker: nothing waits for these."""
        return await self.assist.private_message(caller)
