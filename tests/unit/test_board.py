"""The squad's board: one live group message about its alerts (issue 14). A lone alert's
board is its card; a raid's alerts are listed on one message, each with its Claim button,
and what waits for the group's turn is folded together."""

from __future__ import annotations

from dataclasses import replace

from bot.alerts.board import BOARD_TAG, MAX_LINES, BoardLine, board
from bot.core import Caller
from bot.delivery import Delivery
from bot.domain import OWNED_STATES, Alert, AlertState, Origin
from bot.i18n import LANGUAGES
from bot.intents import Action, MessageRole, Op, Priority
from bot.messages import render
from data.outbox import next_batch
from handlers.markup import TEXT_MAX, text_of
from tests.support import World, db_rows

HERE = (-26.2041, 28.0473)
AT = f"{HERE[0]}, {HERE[1]}"


async def queued_cards(world: World) -> list:  # type: ignore[type-arg]
    return [i for i in await world.outbox() if i.role is MessageRole.CARD]


async def test_a_lone_alert_reads_as_its_card_with_claim_and_type_buttons(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{AT} they took her phone")
    (card,) = await queued_cards(world)
    text = text_of(card.text)
    assert card.op is Op.SEND and card.reply_to is not None, "a new message, a reply to /alert"
    assert text.startswith(f"🚨 #{alert.code} · ") and "they took her phone" in text
    assert render("card.offered") in text, "the offer is made before the card goes"
    labels = [render(b.label.key, b.label.params) for row in card.buttons for b in row]
    assert labels[0] == render("button.claim") and render("crisis.robbery") in labels


async def test_a_raid_in_one_group_is_one_message_listing_every_alert(world: World) -> None:
    for name in ("Thandi", "Sipho", "Lerato"):
        await world.member(name, HERE[0] + 0.004, HERE[1])
    alerts = [await world.alert(f"R{i}", f"{AT} they are taking people {i}") for i in range(5)]
    # Nothing was delivered yet: every change waits in the one new board message.
    (card,) = await queued_cards(world)
    text = text_of(card.text)
    assert card.op is Op.SEND
    assert all(f"#{a.code}" in text for a in alerts)
    assert not any(str(HERE[0]) in line for line in text.splitlines()), "no coordinates"
    claims = [b for row in card.buttons for b in row if b.action is Action.CLAIM]
    assert sorted(b.alert_id for b in claims) == sorted(a.id for a in alerts)
    assert [render(b.label.key, b.label.params) for b in claims][:1] == [f"🙋 #{alerts[0].code}"]


async def test_a_board_change_finds_what_waits_for_the_group_in_one_read(world: World) -> None:
    """What waits for the group (a post to fold into, an edit to replace) is found by one
    read. (A waiting edit replaced: the test of a board edit replaced after the sender
    chose it, below.)"""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.alert("R0", f"{AT} they are taking people")

    async def another() -> None:
        await world.alert("R1", f"{AT} they are taking people too")

    waiting_card = "json_extract(payload, '$.role') = 'card'"
    looks = [s for s in await world.statements(another) if waiting_card in s]
    assert len(looks) == 1, looks
    (card,) = await queued_cards(world)
    assert card.op is Op.SEND, "still one new board message, the second alert folded in"


async def test_a_new_alerts_card_reads_no_members_name(world: World) -> None:
    """Nobody holds a place of a new alert, so its card reads no one's name. (Who holds
    what is shown once somebody does: test_teams_and_waves, the two-slot team.)"""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])

    async def raise_one() -> None:
        await world.alert("Zanele", f"{AT} help")

    holders = "m.id IN (SELECT holder_member_id FROM slots"
    assert [s for s in await world.statements(raise_one) if holders in s] == []
    (card,) = await queued_cards(world)
    assert card.op is Op.SEND


async def test_a_delivered_board_is_edited_and_a_new_alert_posts_it_anew(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    first = await world.alert("Zanele", f"{AT} help")
    await world.deliver_all()
    async with world.services.core.store.transaction() as db:  # as if the board was sent
        await db.execute(
            "INSERT INTO messages(alert_id, chat_id, message_id, role, created_at)"
            " VALUES (?, -1001, 41, 'card', ?)",
            (first.id, world.clock()),
        )
    await world.alerts.cancel(world.group("Nomsa"), first.code)
    (edit,) = await queued_cards(world)
    assert edit.op is Op.EDIT and f"#{first.code}" in text_of(edit.text)
    second = await world.alert("Sipho", f"{AT} help again")
    (post,) = await queued_cards(world)
    assert post.op is Op.SEND, "a new alert notifies the group with a new message"
    shown = text_of(post.text)
    assert f"#{second.code}" in shown and f"#{first.code}" not in shown, "it lists the open"


def _alert(i: int, state: AlertState = AlertState.OFFERED) -> Alert:
    return Alert(
        id=i, squad_id=1, code=f"C{i:03d}", reporter_user_id=1, origin=Origin.GROUP,
        origin_chat_id=-1001, origin_message_id=i, text="x" * 900, lat=-26.2, lon=28.0,
        area_label="grid 14176-41481", state=state, owner_member_id=None, broadcast=False,
        offers_made=1, escalations=1 if state is AlertState.ESCALATED else 0, outcome=None,
        note=None, created_at=0.0, acknowledged_at=None, closed_at=None,
    )  # fmt: skip


def test_a_board_of_a_hundred_alerts_fits_one_message_and_says_where_the_rest_are() -> None:
    lines = [BoardLine(_alert(i), None, 1) for i in range(1, 101)]
    intent = board(lines, -1001, Op.SEND, about=100)
    text = text_of(intent.text)
    assert len(text) <= TEXT_MAX and render("board.more") in text
    assert f"#{_alert(100).code}" in text, "the newest are shown"
    assert sum(len(row) for row in intent.buttons) <= min(MAX_LINES, 100)
    fifty = text_of(board(lines[:50], -1001, Op.SEND, about=50).text)
    assert len(fifty) < TEXT_MAX and all(f"#{_alert(i).code}" in fifty for i in range(1, 51))


def _telegram_length(text: str) -> int:
    """Telegram measures a message in UTF-16 code units (an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


def test_a_full_board_fits_one_message_in_every_language_with_the_longest_names_and_words() -> None:
    """However many alerts, in whatever states, with the longest aliases (32 characters), the
    longest words (1,000 characters, on several lines, or a "responder needs help" alert with
    words added) and long place names: the board fits Telegram's 4,096 in every language
    it speaks, and the newest alert is on it."""
    states = (
        AlertState.OFFERED,
        AlertState.ESCALATED,
        AlertState.ACKNOWLEDGED,
        AlertState.EN_ROUTE,
        AlertState.ON_SCENE,
    )

    def line(i: int, state: AlertState) -> BoardLine:
        alert = replace(
            _alert(i, state),
            text=("y" * 300 + "\n") * 3,
            area_label="Pretoria Central Taxi Rank, upper level, bay 14",
        )
        if i % 7 == 0:  # a responder needs help: the code of their alert, then words added
            alert = replace(alert, linked_alert_id=1, text="C001\n" + "z" * 990)
        owner = "W" * 32 if state in OWNED_STATES else None
        return BoardLine(alert, owner, 1)

    for count in (2, 12, 24, 40, 60, 100):
        for mix in [[s] * count for s in states] + [[states[i % 5] for i in range(count)]]:
            lines = [line(i + 1, state) for i, state in enumerate(mix)]
            intent = board(lines, -1001, Op.SEND, about=count)
            for lang in LANGUAGES:
                text = render(intent.text.key, intent.text.params, lang)
                assert _telegram_length(text) <= TEXT_MAX, (count, mix[0], lang)
                assert f"#C{count:03d} · " in text, "the newest alert is on it"


def test_an_escalated_alert_posts_the_board_as_urgent() -> None:
    escalated = BoardLine(_alert(1, AlertState.ESCALATED), None, 1)
    assert board([escalated, BoardLine(_alert(2), None, 1)], -1, Op.SEND, about=1).priority is (
        Priority.URGENT
    )
    assert board([BoardLine(_alert(2), None, 1)] * 2, -1, Op.SEND, about=2).priority is (
        Priority.HIGH
    )


async def _post_the_board(world: World, message_id: int) -> None:
    """As if the sender had delivered the board message that waits, as ``message_id``."""
    delivery = Delivery(world.services.core)
    async with world.services.core.store.reading() as db:
        rows = [
            r for r in await next_batch(db, float("inf"), 1000) if r.intent.role is MessageRole.CARD
        ]
    (row,) = rows
    (sending,) = await delivery.started([row.id])
    await delivery.delivered([(sending, row.intent.chat_id, message_id)])


async def test_cards_from_before_the_upgrade_of_open_alerts_are_retired_by_the_first_board(
    world: World,
) -> None:
    """Before the board, each alert had its own card. The first board retires the cards of
    the alerts it now shows (they would go stale), and leaves a finished alert's card."""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    first = await world.alert("Zanele", f"{AT} help")
    second = await world.alert("Sipho", f"{AT} help")
    done = await world.alert("Lerato", f"{AT} help")
    await world.alerts.cancel(world.group("Lerato"), done.code)
    await world.deliver_all()
    async with world.services.core.store.transaction() as db:  # each alert's own card
        for alert, message_id in ((done, 10), (first, 11), (second, 12)):
            await db.execute(
                "INSERT INTO messages(alert_id, chat_id, message_id, role, created_at)"
                " VALUES (?, -1001, ?, 'card', ?)",
                (alert.id, message_id, world.clock()),
            )
    await world.alert("Nomsa", f"{AT} help again")
    await _post_the_board(world, 50)
    retired = sorted(
        i.message_id for i in await world.outbox() if i.op is Op.DELETE and i.chat_id == -1001
    )
    assert retired == [11, 12], "the open alerts' cards go; the cancelled one's stays"
    db = world.services.core.settings.database
    cards = db_rows(db, "SELECT message_id FROM messages WHERE role = 'card' ORDER BY 1")
    assert cards == [(10,), (50,)]


async def test_a_board_a_crash_left_behind_is_retired_when_someone_presses_claim_on_it(
    world: World,
) -> None:
    """The bot died after posting the board, before recording it: it posted it again after
    the restart, and the first copy (whose message id it never learned) stayed in the group.
    The first Claim pressed on that copy claims as usual, and retires it."""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Sipho", HERE[0] + 0.004, HERE[1])
    first = await world.alert("Zanele", f"{AT} help")
    second = await world.alert("Lerato", f"{AT} help")
    (posted,) = await queued_cards(world)
    claims = [b for row in posted.buttons for b in row if b.action is Action.CLAIM]
    assert {b.arg for b in claims} == {BOARD_TAG}, "a board's Claim says it is the board's"
    await _post_the_board(world, 50)  # the copy sent again; the lost one was 49

    def pressed(name: str, message_id: int) -> Caller:
        return replace(world.group(name), pressed_message_id=message_id)

    reply = await world.alerts.press(pressed("Thandi", 49), Action.CLAIM, first.id, BOARD_TAG)
    assert reply.ok, reply
    retired = [i.message_id for i in await world.outbox() if i.op is Op.DELETE]
    assert retired == [49]
    # On the live board, nothing is retired.
    await world.deliver_all()
    reply = await world.alerts.press(pressed("Sipho", 50), Action.CLAIM, second.id, BOARD_TAG)
    assert reply.ok, reply
    assert not [i for i in await world.outbox() if i.op is Op.DELETE]


async def test_a_board_change_made_while_the_sender_takes_the_post_goes_out_with_it(
    world: World,
) -> None:
    """The sender chooses the rows that may go, then marks them ``sending``. A change of the
    board committed in between is folded into the waiting post: the post it sends is the
    folded one, so what the outbox records as sent is what the group got (else a new alert,
    or an escalation, would be recorded as shown on the board and never reach the group)."""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    first = await world.alert("Zanele", f"{AT} help")
    delivery = Delivery(world.services.core)
    (chosen,) = [d.id for d in await delivery.due() if d.board]
    late = await world.alert("Sipho", f"{AT} help too")  # folded into the waiting post
    (sending,) = [r for r in await delivery.started([chosen]) if r.intent.role is MessageRole.CARD]
    shown = text_of(sending.intent.text)
    assert f"#{first.code}" in shown and f"#{late.code}" in shown
    await delivery.delivered([(sending, -1001, 50)])
    db = world.services.core.settings.database
    recorded = db_rows(db, "SELECT payload, state FROM outbox WHERE id = ?", chosen)
    assert recorded == [(sending.intent.to_json(), "sent")], "recorded as sent what was sent"


async def test_a_board_edit_a_newer_change_replaced_after_the_sender_chose_it_is_not_sent(
    world: World,
) -> None:
    """The sender chose an edit of the live board; before it marked it, a newer change
    replaced that edit. The replaced edit is not sent (the newer one shows everything)."""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    first = await world.alert("Zanele", f"{AT} help")
    second = await world.alert("Sipho", f"{AT} help too")
    await _post_the_board(world, 41)
    await world.deliver_all()
    await world.alerts.cancel(world.group("Nomsa"), first.code)
    delivery = Delivery(world.services.core)
    (chosen,) = [d.id for d in await delivery.due() if d.board]
    await world.alerts.cancel(world.group("Nomsa"), second.code)  # replaces the chosen edit
    assert [r.id for r in await delivery.started([chosen])] == []
    db = world.services.core.settings.database
    assert db_rows(db, "SELECT state FROM outbox WHERE id = ?", chosen) == [("superseded",)]
    (edit,) = await queued_cards(world)
    assert edit.op is Op.EDIT and render("state.cancelled") in text_of(edit.text)
