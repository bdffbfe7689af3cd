"""Least exposure over time: coarsening, retention, stale locations, pins, the audit trail,
and erasure that really erases (the raw bytes of the database and its WAL are searched)."""

from __future__ import annotations

import struct
from pathlib import Path

from bot.core import Caller
from bot.domain import AlertState
from bot.intents import Action, MessageRole, Op
from data import squads as squads_q
from tests.support import GROUP, World, place

HERE = (-26.204137, 28.047391)


def raw_bytes(world: World) -> bytes:
    path: Path = world.services.core.store.path
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        data += wal.read_bytes()
    return data


def traces(data: bytes, *needles: object) -> list[str]:
    """Which needles are in the bytes: text (UTF-8) and coordinates (as SQLite REALs)."""
    found = []
    for needle in needles:
        if isinstance(needle, float):
            forms = [struct.pack(">d", needle), repr(needle).encode(), f"{needle:.4f}".encode()]
        else:
            forms = [str(needle).encode()]
        if any(f in data for f in forms):
            found.append(repr(needle))
    return found


async def test_closing_coarsens_the_coordinates_to_about_a_kilometre(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    assert (await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")).ok
    assert (
        await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert.id, "health")
    ).ok
    fresh = await world.reload(alert)
    assert (fresh.lat, fresh.lon) == (round(HERE[0], 2), round(HERE[1], 2))


async def test_the_card_shows_a_grid_cell_not_coordinates(world: World) -> None:
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    assert alert.area_label is not None and alert.area_label.startswith("grid ")
    cards = [i for i in await world.outbox() if i.role is MessageRole.CARD]
    assert cards and "26.2" not in str(cards[0].text)


async def test_retention_deletes_text_notes_and_precise_data(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} robbed by a client")
    assert (await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")).ok
    assert (await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert.id, "legal")).ok
    code = alert.code
    assert (await world.alerts.note(world.private("Thandi"), code, "paralegal")).ok
    await world.deliver_all()
    world.clock.advance(29 * 86400)
    await world.services.privacy.purge_expired()
    assert (await world.reload(alert)).text == "robbed by a client"
    world.clock.advance(2 * 86400)
    assert await world.services.privacy.purge_expired() > 0
    fresh = await world.reload(alert)
    assert fresh.text == "" and fresh.note is None and fresh.state is AlertState.CLOSED
    assert not traces(raw_bytes(world), "robbed by a client", "lawyer met her")


async def test_member_locations_past_their_ttl_are_deleted(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    thandi = world.users["Thandi"]
    world.clock.advance(11 * 3600)
    await world.services.privacy.purge_expired()
    async with world.services.core.store.reading() as db:
        assert await squads_q.location_of(db, thandi) is not None
    world.clock.advance(2 * 3600)
    await world.services.privacy.purge_expired()
    async with world.services.core.store.reading() as db:
        assert await squads_q.location_of(db, thandi) is None
    assert not traces(raw_bytes(world), HERE[0] + 0.004)


async def test_a_lead_may_ask_for_the_pin_in_private_and_it_is_audited(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    in_group = await world.services.privacy.pin(world.group("Nomsa"), alert.code)
    assert not in_group.ok
    assert not (await world.services.privacy.pin(world.private("Thandi"), alert.code)).ok
    done = await world.services.privacy.pin(world.private("Nomsa"), alert.code)
    assert done.ok
    pins = [i for i in await world.outbox() if i.op is Op.LOCATION]
    assert [(i.chat_id, i.lat, i.lon) for i in pins] == [(world.users["Nomsa"], *HERE)]
    log = await world.services.privacy.audit_log(world.private("Nomsa"))
    from bot.messages import render

    assert log.text is not None
    text = render(log.text.key, log.text.params)
    assert "pin_request" in text and alert.code in text and "setup" in text
    assert "26.2" not in text


async def test_the_audit_trail_records_roles_assignments_and_setup(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Sipho")
    from bot.domain import Role

    await world.services.squads.set_role(world.group("Nomsa"), "Sipho", None, Role.LEAD)
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} secret words")
    await world.alerts.assign(world.group("Nomsa"), alert.code, "Thandi")
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT actor, action, target FROM audit ORDER BY id") as cur:
            rows = [tuple(r) for r in await cur.fetchall()]
    actions = [r[1] for r in rows]
    assert {"setup", "role:lead", "assign"} <= set(actions)
    assert all("secret" not in str(r) and "26.2" not in str(r) for r in rows)


async def test_forgetme_erases_a_member_and_a_reporter_down_to_the_bytes(world: World) -> None:
    await world.member("Lindiwe", HERE[0] + 0.0041, HERE[1])
    await world.services.members.set_alias(world.private("Lindiwe"), "Lindiwe-Alias")
    await world.member("Thandi", HERE[0] + 0.02, HERE[1])
    # Lindiwe reports an alert from her private chat, then leaves for good.
    lindiwe = world.private("Lindiwe")
    assert (
        await world.alerts.raise_alert(lindiwe, f"{HERE[0]}, {HERE[1]} Bongi hurt at Joubert Park")
    ).ok
    request = await world.services.privacy.forget_request(lindiwe)
    assert request.buttons and request.buttons[0][0].action is Action.FORGET
    await world.deliver_all()
    before = raw_bytes(world)
    assert traces(before, "Lindiwe-Alias", "Bongi hurt", HERE[0])
    done = await world.services.privacy.forget(lindiwe, world.users["Lindiwe"])
    assert done.ok
    left = traces(
        raw_bytes(world), "Lindiwe", "Bongi hurt", "Joubert Park", HERE[0], HERE[0] + 0.0041
    )
    assert left == []
    # The case stays, anonymised.
    async with world.services.core.store.reading() as db:
        async with db.execute(
            "SELECT count(*) AS n, max(reporter_user_id) AS r FROM alerts"
        ) as cur:
            row = await cur.fetchone()
    assert (row["n"], row["r"]) == (1, 0)


async def test_someone_else_cannot_confirm_my_forgetting(world: World) -> None:
    await world.member("Thandi")
    before = await world.snapshot()
    assert not (
        await world.services.privacy.forget(world.private("Nomsa"), world.users["Thandi"])
    ).ok
    assert await world.snapshot() == before


async def test_wipe_needs_two_confirmations_and_erases_the_squad(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.services.squads.place(
        world.group("Nomsa"), place("add Noord Taxi Rank -26.19, 28.05")
    )
    await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} Zodwa arrested")
    lead = world.group("Nomsa")
    first = await world.services.privacy.wipe_request(lead)
    assert first.buttons[0][0].action is Action.WIPE_1
    squad_id = first.buttons[0][0].alert_id
    assert squad_id is not None
    second = await world.services.privacy.wipe(lead, squad_id, 1)
    assert second.buttons[0][0].action is Action.WIPE_2
    assert await world.services.squads.is_set_up(GROUP)  # nothing deleted yet
    assert (await world.services.privacy.wipe(lead, squad_id, 2)).ok
    assert not await world.services.squads.is_set_up(GROUP)
    left = traces(
        raw_bytes(world), "Hillbrow", "Thandi", "Noord Taxi", "Zodwa", HERE[0], HERE[0] + 0.004
    )
    assert left == []
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT action FROM audit") as cur:
            assert [r["action"] for r in await cur.fetchall()] == ["wipe"]


async def test_private_reporters_get_a_pseudonym_and_choose_about_contact(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Lindiwe")
    lindiwe = world.private("Lindiwe")
    await world.alerts.raise_alert(lindiwe, f"{HERE[0]}, {HERE[1]} help")
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT id, reporter_alias, contact_ok FROM alerts") as cur:
            alert_id, alias, contact_ok = tuple(await cur.fetchone())
    assert alias.startswith("R-") and contact_ok == 0
    outbox = await world.outbox()
    card = next(i for i in outbox if i.role is MessageRole.CARD)
    assert "Lindiwe" not in str(card.text) and alias in str(card.text)
    question = next(i for i in outbox if i.role is MessageRole.REPORTER)
    assert {b.arg for row in question.buttons for b in row} == {"yes", "no"}
    thandi = Caller(world.users["Thandi"], world.users["Thandi"], private=True)
    assert not (await world.services.privacy.set_contact(thandi, alert_id, True)).ok
    assert (await world.alerts.press(thandi, Action.ACCEPT, alert_id, "")).ok
    brief = [i for i in await world.outbox() if i.role is MessageRole.OWNER][-1]
    # She has not answered: the brief must not say she chose anything.
    assert "owner.contact_unknown" in str(brief.text) and "anonymous" not in str(brief.text)
    assert not [
        i for i in await world.outbox() if any(b.profile_of for row in i.buttons for b in row)
    ]
    assert (await world.services.privacy.set_contact(lindiwe, alert_id, True)).ok
    links = [
        b.profile_of for i in await world.outbox() for row in i.buttons for b in row if b.profile_of
    ]
    assert links == [world.users["Lindiwe"]], "the core names the person; the adapter links"
