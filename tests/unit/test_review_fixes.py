"""Holes a review found after the first pass, each closed and kept closed."""

from __future__ import annotations

from bot.core import Caller
from bot.intents import Action, MessageRole, Op
from bot.text import ALERT_TEXT_MAX
from tests.support import World

HERE = (-26.2041, 28.0473)


def private_with_message(world: World, name: str, message_id: int) -> Caller:
    uid = world.users[name]
    return Caller(uid, uid, private=True, first_name=name, message_id=message_id)


async def test_forgetme_and_expiry_remove_a_waiting_add_note(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Sipho", HERE[0] + 0.01, HERE[1])
    first = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    second = await world.alert("Zola", f"{HERE[0]}, {HERE[1]} again")
    for alert in (first, second):
        assert (await world.alerts.press(world.private("Thandi"), Action.CLAIM, alert.id, "")).ok
        done = await world.alerts.press(
            world.private("Thandi"), Action.OUTCOME, alert.id, "resolved"
        )
        assert done.ok, done
    # Sipho never pressed Add note; Thandi did, for the first alert.
    assert (await world.alerts.press(world.private("Thandi"), Action.NOTE, first.id, "")).ok
    rows = "SELECT user_id FROM note_requests"
    async with world.services.core.store.reading() as db, db.execute(rows) as cur:
        assert [r[0] for r in await cur.fetchall()] == [world.users["Thandi"]]
    thandi = world.users["Thandi"]
    assert (await world.services.privacy.forget(world.private("Thandi"), thandi)).ok
    async with world.services.core.store.reading() as db, db.execute(rows) as cur:
        assert await cur.fetchall() == [], "the erased person's id is not kept waiting"


async def test_a_wipe_keeps_neither_the_squad_nor_the_wiper(world: World) -> None:
    lead = world.private("Nomsa")
    async with (
        world.services.core.store.reading() as db,
        db.execute("SELECT id FROM squads") as cur,
    ):
        squad_id = (await cur.fetchone())[0]
    assert (await world.services.privacy.wipe(world.group("Nomsa"), squad_id, 2)).ok
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT squad_id, actor, action FROM audit") as cur:
            rows = [tuple(r) for r in await cur.fetchall()]
    assert rows == [(None, None, "wipe")], rows
    assert lead.user_id not in [v for row in rows for v in row]


async def test_typed_answers_cannot_grow_an_alert_past_its_cap(world: World) -> None:
    world.users["Zanele"] = 300
    reporter = world.group("Zanele")
    assert (await world.alerts.raise_alert(reporter, "help")).ok
    assert next(i for i in await world.outbox() if i.role is MessageRole.CARD)
    async with world.services.core.store.transaction() as db:  # as if the card was delivered
        await db.execute(
            "INSERT INTO messages(alert_id, chat_id, message_id, role, created_at)"
            " VALUES (NULL, ?, 77, 'card', 0)",
            (reporter.chat_id,),
        )
    for _ in range(5):
        assert await world.services.locating.typed_answer(world.group("Zanele"), "w" * 500, 77)
    async with (
        world.services.core.store.reading() as db,
        db.execute("SELECT text FROM alerts") as cur,
    ):
        (text,) = await cur.fetchone()
    assert len(text) <= ALERT_TEXT_MAX, len(text)
    assert text.startswith("help\nwww"), "the answers were added, up to the cap"


async def test_only_the_reporter_or_a_member_can_place_an_alert_from_the_group(
    world: World,
) -> None:
    from bot.geo import Point

    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    world.users["Zanele"] = 300
    world.users["Eve"] = 666
    assert (await world.alerts.raise_alert(world.group("Zanele"), "help")).ok
    card = next(i for i in await world.outbox() if i.role is MessageRole.CARD)
    async with world.services.core.store.transaction() as db:
        await db.execute(
            "INSERT INTO messages(alert_id, chat_id, message_id, role, created_at)"
            " VALUES (?, ?, 88, 'card', 0)",
            (card.alert_id, card.chat_id),
        )
    before = await world.snapshot()
    locating = world.services.locating
    assert await locating.group_pin(world.group("Eve"), 88, Point(*HERE)) is None
    assert await locating.typed_answer(world.group("Eve"), "-26.3 28.1 go here", 88) is None
    assert await locating.typed_answer(world.group("Eve"), "the taxi rank", 88) is None
    assert await world.snapshot() == before, "a stranger's reply changes nothing"
    # A member with the person may send the pin; words come only from the reporter.
    assert await locating.typed_answer(world.group("Thandi"), "who is near?", 88) is None
    assert await locating.group_pin(world.group("Thandi"), 88, Point(*HERE)) is not None


async def test_a_lead_who_cancels_tells_the_reporter(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Lindi", HERE[0] + 0.3, HERE[1])
    assert (await world.alerts.raise_alert(world.private("Lindi"), f"{HERE[0]}, {HERE[1]}")).ok
    async with (
        world.services.core.store.reading() as db,
        db.execute("SELECT code FROM alerts") as cur,
    ):
        (code,) = await cur.fetchone()
    assert (await world.alerts.cancel(world.group("Nomsa"), code)).ok
    told = [
        i
        for i in await world.outbox()
        if i.chat_id == world.users["Lindi"] and i.text is not None
        and i.text.key == "reporter.cancelled"
    ]  # fmt: skip
    assert len(told) == 1


async def test_a_merged_alert_updates_the_responders_brief(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    zanele_alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} first words")
    assert (await world.alerts.press(world.private("Thandi"), Action.CLAIM, zanele_alert.id, "")).ok
    world.services.core.settings.merge_window = type(world.services.core.settings.merge_window)(
        minutes=5
    )
    assert (await world.alerts.raise_alert(world.group("Zanele"), f"{HERE[0]}, {HERE[1]} more")).ok
    briefs = [i for i in await world.outbox() if i.role is MessageRole.OWNER and i.op is Op.EDIT]
    assert briefs and "more" in str(briefs[-1].text)


async def test_observers_get_the_alert_button_too(world: World) -> None:
    from bot.domain import Role

    await world.member("Olu")
    assert (
        await world.services.squads.set_role(world.group("Nomsa"), "Olu", None, Role.OBSERVER)
    ).ok
    answer = await world.services.assist.private_message(world.private("Olu"))
    assert [b.action for row in answer.buttons for b in row] == [Action.ALERT_NOW]


def test_degrees_and_minutes_without_marks_are_read_not_misread() -> None:
    """Found in review: "S 26 12.246 E 28 2.838" was read as (-26.0, 12.246), a point in
    the Atlantic, and "28" stayed on the card."""
    from bot.geo import Point, find_coordinates

    for text in ("help S 26 12.246 E 28 2.838 now", "26 12 14.8 S 28 2 50.3 E help now"):
        point, rest = find_coordinates(text)
        assert point is not None and abs(point.lat + 26.2041) < 1e-3, (text, point)
        assert abs(point.lon - 28.0473) < 1e-3
        assert rest == "help now", rest
    assert find_coordinates("2, 3 people hurt")[0] is None
    assert find_coordinates("-26.2041, 28.0473 x")[0] == Point(-26.2041, 28.0473)


def test_a_plus_codes_letters_are_not_hemispheres() -> None:
    """Found by hypothesis: the W of "W2222222+22" was read as West."""
    from bot.geo import Point, find_coordinates

    assert find_coordinates(" 0,0 1,0  W2222222+22") == (Point(0.0, 1.0), "")


async def test_block_and_unblock_with_bad_input_are_refused_and_change_nothing(
    world: World,
) -> None:
    blocks = world.services.blocks
    lead = world.group("Nomsa")
    cases = [
        (blocks.set_blocked(lead, "", None, blocked=True), "block.usage"),
        (blocks.set_blocked(lead, "Nobody", None, blocked=True), "member.unknown"),
        (blocks.set_blocked(lead, "", world.users["Nomsa"], blocked=True), "block.self"),
        (blocks.set_blocked(lead, "", 777, blocked=False), "unblock.not_blocked"),
    ]
    for call, key in cases:
        before = await world.snapshot()
        result = await call
        assert not result.ok and result.text is not None and result.text.key == key, result
        assert await world.snapshot() == before
