"""The custom callback context: handlers reach the core through typed properties."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core import Caller
from bot.intents import Reply, refuse
from bot.services import Services

if TYPE_CHECKING:
    from telegram.request import BaseRequest

    from bot.hosting.health import HealthServer
    from handlers.transport.intake import Intake
    from handlers.transport.sender import Sender
    from handlers.transport.webhook import Webhook


class BotData:
    """``application.bot_data``: filled once by the composition root."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.sender: Sender | None = None
        self.intake: Intake | None = None
        self.webhook: Webhook | None = None  # webhook mode only
        self.health: HealthServer | None = None  # when SQUADLINE_HEALTH_PORT is set
        # getUpdates' own request object, for the poller's raw calls (PTB keeps it private).
        self.polling: BaseRequest | None = None


class SquadContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        assert services is not None, "services are built in post_init"
        return services

    @property
    def sender(self) -> Sender:
        sender = self.bot_data.sender
        assert sender is not None, "the sender is built in post_init"
        return sender

    @staticmethod
    def refusal(key: str, **params: Any) -> Reply:
        return refuse(key, **params)


def caller_of(update: Update) -> Caller:
    """The plain values of who sent this update and from where."""
    user = update.effective_user
    chat = update.effective_chat
    message = update.effective_message
    assert user is not None and chat is not None
    return Caller(
        user_id=user.id,
        chat_id=chat.id,
        private=chat.type == "private",
        first_name=user.first_name or "",
        username=user.username or "",
        language_code=user.language_code or "",
        message_id=message.message_id
        if message is not None and update.callback_query is None
        else None,
        pressed_message_id=message.message_id
        if message is not None and update.callback_query is not None
        else None,
    )


def command_text(update: Update) -> str:
    """The text after ``/command`` (and after ``@botname``), as typed."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""
