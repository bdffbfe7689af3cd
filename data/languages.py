"""SQL for languages: a person's chosen and Telegram language, a squad's language."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite


async def private_languages(
    db: aiosqlite.Connection, user_id: int
) -> tuple[str | None, str | None, str | None]:
    """For the person whose private chat this is (its id is their user id): the language they
    chose, their Telegram app's, and that of the squad they joined most recently."""
    return (await languages_of_people(db, [user_id]))[user_id]


async def languages_of_people(
    db: aiosqlite.Connection, user_ids: Sequence[int]
) -> dict[int, tuple[str | None, str | None, str | None]]:
    """``private_languages`` for each of ``user_ids``, in one statement (the sender's pass
    asks for many)."""
    if not user_ids:
        return {}
    asked = ",".join("(?)" for _ in user_ids)
    async with db.execute(
        f"WITH asked(u) AS (VALUES {asked}) SELECT u,"
        " (SELECT language FROM users WHERE user_id = u) AS chosen,"
        " (SELECT telegram_language FROM users WHERE user_id = u) AS telegram,"
        " (SELECT s.language FROM members m JOIN squads s ON s.id = m.squad_id"
        "  WHERE m.user_id = u ORDER BY m.joined_at DESC, m.id DESC LIMIT 1) AS squad"
        " FROM asked",
        tuple(user_ids),
    ) as cur:
        rows = await cur.fetchall()
    return {row["u"]: (row["chosen"], row["telegram"], row["squad"]) for row in rows}


async def languages_of_groups(
    db: aiosqlite.Connection, chat_ids: Sequence[int]
) -> dict[int, str | None]:
    """``group_language`` for many groups in one statement (a group with no squad is left
    out)."""
    if not chat_ids:
        return {}
    marks = ",".join("?" for _ in chat_ids)
    async with db.execute(
        f"SELECT chat_id, language FROM squads WHERE chat_id IN ({marks})", tuple(chat_ids)
    ) as cur:
        return {row["chat_id"]: row["language"] for row in await cur.fetchall()}


async def group_language(db: aiosqlite.Connection, chat_id: int) -> str | None:
    async with db.execute("SELECT language FROM squads WHERE chat_id = ?", (chat_id,)) as cur:
        row = await cur.fetchone()
    return row["language"] if row else None


async def set_user_language(
    db: aiosqlite.Connection, user_id: int, language: str, now: float
) -> None:
    """The person chose a language in their private chat (which is their user id)."""
    await db.execute(
        "INSERT INTO users(user_id, private_chat_id, blocked, updated_at, language)"
        " VALUES (?, ?, 0, ?, ?)"
        " ON CONFLICT(user_id) DO UPDATE SET language = excluded.language,"
        " updated_at = excluded.updated_at",
        (user_id, user_id, now, language),
    )


async def set_squad_language(db: aiosqlite.Connection, squad_id: int, language: str) -> None:
    await db.execute("UPDATE squads SET language = ? WHERE id = ?", (language, squad_id))
