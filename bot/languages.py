"""Languages: which one each reader gets, and ``/language`` to choose it.

A private chat (whose id is the person's user id) gets: the language they chose with
``/language`` > the language their Telegram app uses, if the bot speaks it > the language of
the squad they joined most recently > English. A group gets its squad's language, which a
lead sets with ``/language`` in the group.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.core import Caller, Core, require_lead, resolve_scope
from bot.i18n import LANGUAGES, SOURCE, supported
from bot.intents import Action, Button, Reply, Text, refuse, refusing
from data import audit as audit_q
from data import languages as languages_q

ROW = 3  # buttons per row


def telegram_language_of(caller: Caller) -> str | None:
    """What to keep of the caller's Telegram language: a language the bot speaks, ``""``
    (keep none) if it speaks no such language, ``None`` if Telegram did not say."""
    if not caller.language_code:
        return None
    return supported(caller.language_code) or ""


async def language_of_chat(
    db: aiosqlite.Connection, chat_id: int, telegram_code: str | None = None
) -> str:
    """The language to write to ``chat_id`` in. ``telegram_code``: the language of the
    update being answered, newer than the one stored (private chats only)."""
    if chat_id < 0:
        return supported(await languages_q.group_language(db, chat_id)) or SOURCE
    return _personal(*await languages_q.private_languages(db, chat_id), telegram_code)


async def languages_of_chats(db: aiosqlite.Connection, chat_ids: Sequence[int]) -> dict[int, str]:
    """``language_of_chat`` for each of ``chat_ids``, in two statements whatever their
    number: a sender's pass writes to many chats."""
    groups = [c for c in chat_ids if c < 0]
    people = [c for c in chat_ids if c >= 0]
    squads = await languages_q.languages_of_groups(db, groups)
    found = {c: supported(squads.get(c)) or SOURCE for c in groups}
    known = await languages_q.languages_of_people(db, people)
    for c in people:
        found[c] = _personal(*known[c], None)
    return found


def _personal(
    chosen: str | None, telegram: str | None, squad: str | None, telegram_code: str | None
) -> str:
    """A private chat's language: chosen > this update's Telegram language > the stored
    Telegram language > the squad's > English."""
    for candidate in (chosen, supported(telegram_code), telegram, squad):
        if candidate in LANGUAGES:
            return candidate
    return SOURCE


class Languages:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def reader(self, chat_id: int, telegram_code: str | None = None) -> str:
        async with self.core.store.reading() as db:
            return await language_of_chat(db, chat_id, telegram_code)

    async def readers(
        self, user_id: int, telegram_code: str | None, chat_id: int | None
    ) -> tuple[str, str]:
        """For a direct answer: the asker's own language, and that of the chat they asked
        in (the same for a private chat)."""
        async with self.core.store.reading() as db:
            personal = await language_of_chat(db, user_id, telegram_code)
            if chat_id is None or chat_id == user_id:
                return personal, personal
            return personal, await language_of_chat(db, chat_id)

    @refusing
    async def command(self, caller: Caller, words: str) -> Reply:
        """``/language`` shows the buttons; ``/language zu`` chooses at once. ``words``: what
        follows the command, as typed."""
        args = words.split()
        if not caller.private:
            async with self.core.store.reading() as db:
                scope = await resolve_scope(db, caller)
            require_lead(scope.member)
            target = scope.squad.id
        else:
            target = caller.user_id
        if not args:
            key = "language.pick" if caller.private else "language.pick_group"
            return Reply(text=Text(key), buttons=_buttons(target))
        choice = supported(args[0])
        if choice is None or len(args) > 1:
            raw = " ".join(args)[:16]
            return Reply(
                text=Text("language.unknown", {"raw": raw}), buttons=_buttons(target), ok=False
            )
        return await self.choose(caller, target, choice)

    @refusing
    async def choose(self, caller: Caller, target: int, code: str) -> Reply:
        """A language button: for the person in private, for the squad in its group (leads)."""
        choice = code if code in LANGUAGES else None
        if choice is None:
            return refuse("button.invalid")
        now = self.core.now()
        name = LANGUAGES[choice]
        if caller.private:
            if target != caller.user_id:
                return refuse("button.invalid")
            async with self.core.store.transaction() as db:
                await languages_q.set_user_language(db, caller.user_id, choice, now)
            return Reply(text=Text("language.set", {"name": name}), edit_pressed=True)
        async with self.core.store.transaction() as db:
            scope = await resolve_scope(db, caller)
            if scope.squad.id != target:
                return refuse("button.invalid")
            require_lead(scope.member)
            await languages_q.set_squad_language(db, scope.squad.id, choice)
            await audit_q.audit(db, scope.squad.id, caller.user_id, f"language:{choice}", None, now)
        return Reply(text=Text("language.set_group", {"name": name}), edit_pressed=True)


def _buttons(target: int) -> tuple[tuple[Button, ...], ...]:
    buttons = [
        Button(Text("language.button", {"name": name}), Action.LANGUAGE, target, code)
        for code, name in LANGUAGES.items()
    ]
    return tuple(tuple(buttons[i : i + ROW]) for i in range(0, len(buttons), ROW))
