"""Crisis types, teams of slots and waves of offers, against a real SQLite file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.domain import AlertState, CrisisType, OfferAnswer, Skill
from bot.intents import Action, MessageRole, Op
from bot.messages import render
from bot.services import Services
from data import offers as offers_q
from data import slots as slots_q
from tests.support import Clock, World, unit_settings

HERE = (-26.2041, 28.0473)
AT = f"{HERE[0]}, {HERE[1]}"


async def give(world: World, name: str, *skills: Skill) -> None:
    member = await world.get_member(name)
    async with world.services.core.store.transaction() as db:
        await db.executemany(
            "INSERT INTO member_skills(member_id, skill) VALUES (?, ?)",
            [(member.id, s.value) for s in skills],
        )


async def offered_to(world: World, alert_id: int) -> dict[str, str | None]:
    """Who holds an offer for the alert, and its answer."""
    async with world.services.core.store.reading() as db:
        offers = await offers_q.offers_of(db, alert_id)
    names = {v: k for k, v in world.users.items()}
    out = {}
    for offer in offers:
        member = await member_by_id(world, offer.member_id)
        out[names[member.user_id]] = offer.answer.value if offer.answer else None
    return out


async def member_by_id(world: World, member_id: int):  # type: ignore[no-untyped-def]
    from data import squads as squads_q

    async with world.services.core.store.reading() as db:
        return await squads_q.member_by_id(db, member_id)


async def team(world: World, alert_id: int) -> list[tuple[tuple[str, ...], str | None]]:
    async with world.services.core.store.reading() as db:
        slots = await slots_q.slots_of(db, alert_id)
    names = {v: k for k, v in world.users.items()}
    out = []
    for slot in slots:
        holder = None
        if slot.holder_member_id is not None:
            holder = names[(await member_by_id(world, slot.holder_member_id)).user_id]
        out.append((tuple(k.value for k in slot.skills), holder))
    return out


async def squad(world: World) -> None:
    """Thandi is nearest (no skills); Sipho and Lerato are paralegals further out; Ayanda is a
    health worker; Bongi a peer educator; Pule a police liaison, nearest of all."""
    await world.member("Thandi", HERE[0] + 0.002, HERE[1])
    await world.member("Sipho", HERE[0] + 0.02, HERE[1])
    await world.member("Lerato", HERE[0] + 0.03, HERE[1])
    await world.member("Ayanda", HERE[0] + 0.01, HERE[1])
    await world.member("Bongi", HERE[0] + 0.012, HERE[1])
    await world.member("Pule", HERE[0] + 0.001, HERE[1])
    await give(world, "Sipho", Skill.PARALEGAL)
    await give(world, "Lerato", Skill.PARALEGAL)
    await give(world, "Ayanda", Skill.HEALTH)
    await give(world, "Bongi", Skill.PEER)
    await give(world, "Pule", Skill.POLICE, Skill.PARALEGAL)


async def typed(world: World, text: str, kind: CrisisType):  # type: ignore[no-untyped-def]
    alert = await world.alert("Zanele", text)
    reply = await world.alerts.press(world.group(world.lead), Action.TYPE, alert.id, kind.value)
    assert reply.ok, reply
    return await world.reload(alert)


async def test_an_untyped_alert_goes_out_at_once_as_other_to_the_nearest(world: World) -> None:
    await squad(world)
    alert = await world.alert("Zanele", f"{AT} help")
    assert alert.crisis_type is None and alert.kind is CrisisType.OTHER
    # Pule is a police liaison: never offered without consent, however near.
    assert await offered_to(world, alert.id) == {"Thandi": None}
    assert await team(world, alert.id) == [((), None)]


async def test_an_arrest_goes_to_the_nearest_paralegals_in_a_wave_of_three(world: World) -> None:
    await squad(world)
    await world.member("Kagiso", HERE[0] + 0.04, HERE[1])
    await give(world, "Kagiso", Skill.PARALEGAL)
    await world.member("Mpho", HERE[0] + 0.05, HERE[1])
    await give(world, "Mpho", Skill.PARALEGAL)
    alert = await typed(world, f"{AT} help", CrisisType.ARREST)
    # Re-planned: Thandi's offer (she is no paralegal) is withdrawn; the three nearest
    # paralegals are asked at once, the liaison still not.
    assert await offered_to(world, alert.id) == {"Sipho": None, "Lerato": None, "Kagiso": None}
    thandi = await world.get_member("Thandi")
    edits = [i for i in await world.outbox() if i.op is Op.EDIT and i.member_id == thandi.id]
    assert [e.text.key for e in edits if e.text] == ["offer.withdrawn"]
    assert await team(world, alert.id) == [(("paralegal",), None)]
    offers = [i for i in await world.outbox() if i.role is MessageRole.OFFER and i.op is Op.SEND]
    sipho = await world.get_member("Sipho")
    (mine,) = [o for o in offers if o.member_id == sipho.id]
    assert mine.text is not None
    assert "Needed: paralegal." in render(mine.text.key, mine.text.params, "en")


async def test_one_accept_in_a_wave_withdraws_the_other_two(world: World) -> None:
    await squad(world)
    await world.member("Kagiso", HERE[0] + 0.04, HERE[1])
    await give(world, "Kagiso", Skill.PARALEGAL)
    alert = await typed(world, f"{AT} help", CrisisType.ARREST)
    await world.deliver_all()
    won = await world.alerts.press(world.private("Lerato"), Action.ACCEPT, alert.id, "")
    assert won.ok, won
    fresh = await world.reload(alert)
    lerato = await world.get_member("Lerato")
    assert fresh.state is AlertState.ACKNOWLEDGED and fresh.owner_member_id == lerato.id
    assert (await offered_to(world, alert.id))["Sipho"] == "withdrawn"
    assert (await offered_to(world, alert.id))["Kagiso"] == "withdrawn"
    edits = [i for i in await world.outbox() if i.role is MessageRole.OFFER and i.op is Op.EDIT]
    assert {i.text.key for i in edits if i.text} == {"offer.taken"}
    assert len(edits) == 2
    assert "taken by someone else, thank you" in render("offer.taken", {"code": "X"}, "en")
    late = await world.alerts.press(world.private("Sipho"), Action.ACCEPT, alert.id, "")
    assert not late.ok


async def test_a_wave_that_times_out_moves_to_the_next_wave(world: World) -> None:
    await squad(world)
    for i, name in enumerate(("Kagiso", "Mpho", "Dudu", "Themba")):
        await world.member(name, HERE[0] + 0.04 + i * 0.001, HERE[1])
        await give(world, name, Skill.PARALEGAL)
    alert = await typed(world, f"{AT} help", CrisisType.ARREST)
    world.clock.advance(world.services.core.settings.ack_timeout.total_seconds() + 1)
    await world.fire_due()
    offers = await offered_to(world, alert.id)
    assert [n for n in ("Sipho", "Lerato", "Kagiso") if offers[n] == "timeout"] == [
        "Sipho", "Lerato", "Kagiso",
    ]  # fmt: skip
    assert offers["Mpho"] is None and offers["Dudu"] is None and offers["Themba"] is None


async def test_a_sexual_assault_gets_a_two_slot_team_and_both_get_the_pin(world: World) -> None:
    await squad(world)
    alert = await typed(world, f"{AT} help", CrisisType.SEXUAL)
    assert await team(world, alert.id) == [(("health",), None), (("peer",), None)]
    offers = await offered_to(world, alert.id)
    assert offers["Ayanda"] is None and offers["Bongi"] is None
    await world.deliver_all()
    assert (await world.alerts.press(world.private("Ayanda"), Action.ACCEPT, alert.id, "")).ok
    assert (await world.alerts.press(world.private("Bongi"), Action.ACCEPT, alert.id, "")).ok
    assert await team(world, alert.id) == [(("health",), "Ayanda"), (("peer",), "Bongi")]
    pins = [i for i in await world.outbox() if i.op is Op.LOCATION]
    ayanda, bongi = await world.get_member("Ayanda"), await world.get_member("Bongi")
    assert sorted(p.member_id for p in pins) == sorted([ayanda.id, bongi.id])
    # The card shows each slot and who holds it; never a coordinate.
    cards = [i for i in await world.outbox() if i.role is MessageRole.CARD]
    text = render(cards[-1].text.key, cards[-1].text.params, "en")  # type: ignore[union-attr]
    assert "health worker: Ayanda" in text and "peer educator: Bongi" in text
    assert "-26.2" not in text
    # Either of them may close it; both are available again.
    assert (await world.alerts.press(world.private("Bongi"), Action.OUTCOME, alert.id, "health")).ok
    assert (await world.get_member("Ayanda")).availability.value == "available"


async def test_physical_assault_takes_a_peer_educator_else_a_health_worker(world: World) -> None:
    await squad(world)
    alert = await typed(world, f"{AT} help", CrisisType.ASSAULT)
    assert await team(world, alert.id) == [(("peer", "health"), None)]
    # A wave of one: the peer educator first, although the health worker is nearer.
    assert {k for k, v in (await offered_to(world, alert.id)).items() if v is None} == {"Bongi"}
    world.clock.advance(world.services.core.settings.ack_timeout.total_seconds() + 1)
    await world.fire_due()
    assert {k for k, v in (await offered_to(world, alert.id)).items() if v is None} == {"Ayanda"}


async def test_nobody_skilled_is_never_nobody(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.002, HERE[1])
    await world.member("Sipho", HERE[0] + 0.02, HERE[1])
    alert = await typed(world, f"{AT} help", CrisisType.ARREST)
    # No paralegal in the squad: the slot opens to any available member at once (the lead
    # Nomsa too: leads respond, and with no location known she ranks last).
    offers = await offered_to(world, alert.id)
    assert {k for k, v in offers.items() if v is None} == {"Thandi", "Sipho", "Nomsa"}
    async with world.services.core.store.reading() as db:
        (slot,) = await slots_q.slots_of(db, alert.id)
    assert slot.open_to_anyone


async def test_the_last_wave_opens_to_anyone_before_escalation(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.002, HERE[1])
    for i in range(8):
        await world.member(f"P{i}", HERE[0] + 0.02 + i * 0.001, HERE[1])
        await give(world, f"P{i}", Skill.PARALEGAL)
    alert = await typed(world, f"{AT} help", CrisisType.ARREST)
    timeout = world.services.core.settings.ack_timeout.total_seconds() + 1
    world.clock.advance(timeout)
    await world.fire_due()  # second wave: paralegals 3-5
    world.clock.advance(timeout)
    await world.fire_due()  # last wave: anyone, nearest first: Thandi and two paralegals
    live = {k for k, v in (await offered_to(world, alert.id)).items() if v is None}
    assert "Thandi" in live and len(live) == 3
    world.clock.advance(timeout)
    await world.fire_due()
    assert (await world.reload(alert)).state is AlertState.ESCALATED


async def test_a_police_liaison_is_offered_only_with_consent(world: World) -> None:
    await world.member("Pule", HERE[0] + 0.001, HERE[1])
    await give(world, "Pule", Skill.POLICE)
    await world.member("Thandi", HERE[0] + 0.01, HERE[1])
    alert = await world.alert("Zanele", f"{AT} help")
    assert await offered_to(world, alert.id) == {"Thandi": None}
    # Without consent a liaison can neither claim nor be assigned, so never gets the pin.
    claim = await world.alerts.press(world.private("Pule"), Action.CLAIM, alert.id, "")
    assert not claim.ok and claim.answer is not None and claim.answer.key == "police.no_consent"
    assign = await world.alerts.assign(world.group(world.lead), alert.code, "Pule")
    assert not assign.ok
    assert not [i for i in await world.outbox() if i.op is Op.LOCATION]
    # A stranger cannot record consent; the reporter can.
    refused = await world.alerts.press(world.private("Thandi"), Action.POLICE, alert.id, "")
    assert not refused.ok
    assert (await world.alerts.press(world.group("Zanele"), Action.POLICE, alert.id, "")).ok
    assert (await world.reload(alert)).police_consent
    world.clock.advance(world.services.core.settings.ack_timeout.total_seconds() + 1)
    await world.fire_due()
    assert (await offered_to(world, alert.id)).get("Pule") is None
    assert "Pule" in await offered_to(world, alert.id)


async def test_many_accepts_of_one_slot_at_once_have_exactly_one_winner(world: World) -> None:
    names = [f"P{i}" for i in range(3)]
    for i, name in enumerate(names):
        await world.member(name, HERE[0] + 0.01 + i * 0.001, HERE[1])
        await give(world, name, Skill.PARALEGAL)
    alert = await typed(world, f"{AT} help", CrisisType.ARREST)
    results = await asyncio.gather(
        *(world.alerts.press(world.private(n), Action.ACCEPT, alert.id, "") for n in names)
    )
    assert sum(r.ok for r in results) == 1
    answers = await offered_to(world, alert.id)
    assert sorted(answers.values(), key=str) == ["accepted", "withdrawn", "withdrawn"]
    holders = [h for _, h in await team(world, alert.id)]
    assert len([h for h in holders if h]) == 1


async def test_retyping_keeps_the_responder_and_adds_the_missing_skill(world: World) -> None:
    await squad(world)
    alert = await world.alert("Zanele", f"{AT} help")
    assert (await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")).ok
    await world.alerts.press(world.group(world.lead), Action.TYPE, alert.id, "arrest")
    # Thandi stays on the case; a paralegal slot is added and offered.
    assert await team(world, alert.id) == [((), "Thandi"), (("paralegal",), None)]
    offers = await offered_to(world, alert.id)
    assert offers["Sipho"] is None and offers["Lerato"] is None
    assert (await world.reload(alert)).state is AlertState.ACKNOWLEDGED


async def test_bad_type_input_is_refused_and_changes_nothing(world: World) -> None:
    await squad(world)
    alert = await world.alert("Zanele", f"{AT} help")
    before = await world.snapshot()
    unknown = await world.alerts.set_type(world.group(world.lead), alert.code, "kidnapping")
    assert not unknown.ok and unknown.text is not None and unknown.text.key == "type.unknown"
    stranger = await world.alerts.press(world.private("Sipho"), Action.TYPE, alert.id, "arrest")
    assert not stranger.ok
    forged = await world.alerts.press(world.group(world.lead), Action.TYPE, alert.id, "nope")
    assert not forged.ok
    assert await world.snapshot() == before


async def test_a_declined_wave_member_does_not_end_the_wave(world: World) -> None:
    await squad(world)
    await world.member("Kagiso", HERE[0] + 0.04, HERE[1])
    await give(world, "Kagiso", Skill.PARALEGAL)
    alert = await typed(world, f"{AT} help", CrisisType.ARREST)
    assert (await world.alerts.press(world.private("Sipho"), Action.DECLINE, alert.id, "")).ok
    offers = await offered_to(world, alert.id)
    assert offers["Sipho"] == OfferAnswer.DECLINED.value
    assert offers["Lerato"] is None and offers["Kagiso"] is None


async def test_forgetme_deletes_skills_and_reopens_the_slot(world: World) -> None:
    await squad(world)
    alert = await typed(world, f"{AT} help", CrisisType.SEXUAL)
    assert (await world.alerts.press(world.private("Ayanda"), Action.ACCEPT, alert.id, "")).ok
    assert (await world.alerts.press(world.private("Bongi"), Action.ACCEPT, alert.id, "")).ok
    ayanda = await world.get_member("Ayanda")
    forgot = await world.services.privacy.forget(world.private("Ayanda"), world.users["Ayanda"])
    assert forgot.ok, forgot
    async with world.services.core.store.reading() as db:
        async with db.execute(
            "SELECT count(*) FROM member_skills WHERE member_id = ?", (ayanda.id,)
        ) as cur:
            assert (await cur.fetchone())[0] == 0
    # Bongi owns it now, and the health worker's place is open again.
    fresh = await world.reload(alert)
    assert fresh.owner_member_id == (await world.get_member("Bongi")).id
    assert await team(world, alert.id) == [(("health",), None), (("peer",), "Bongi")]


async def test_a_reporter_cannot_claim_their_own_alert(world: World) -> None:
    await squad(world)
    alert = await world.alert("Thandi", f"{AT} help")
    before = await world.snapshot()
    own = await world.alerts.press(world.private("Thandi"), Action.CLAIM, alert.id, "")
    assert not own.ok and own.answer is not None and own.answer.key == "claim.own"
    assert await world.snapshot() == before


async def test_a_lead_who_is_a_liaison_gets_no_pin_without_consent(world: World) -> None:
    await squad(world)
    await give(world, world.lead, Skill.POLICE)
    alert = await world.alert("Zanele", f"{AT} help")
    refused = await world.services.privacy.pin(world.private(world.lead), alert.code)
    assert not refused.ok
    assert not [i for i in await world.outbox() if i.op is Op.LOCATION]


async def test_retyping_to_a_type_for_anyone_keeps_a_place_to_take(world: World) -> None:
    await squad(world)
    alert = await typed(world, f"{AT} help", CrisisType.SEXUAL)
    await world.alerts.press(world.group(world.lead), Action.TYPE, alert.id, "robbery")
    assert await team(world, alert.id) == [((), None)]
    assert (await world.alerts.press(world.private("Thandi"), Action.CLAIM, alert.id, "")).ok


async def test_an_arrest_named_in_words_starts_its_clock_before_anyone_takes_it(
    world: World,
) -> None:
    await squad(world)
    alert = await world.alert("Zanele", f"{AT} she was arrested")
    assert alert.crisis_type is CrisisType.ARREST
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT kind FROM clocks WHERE alert_id = ?", (alert.id,)) as cur:
            assert [r[0] for r in await cur.fetchall()] == ["legal"]


async def test_with_one_wave_a_skilled_slot_still_gets_its_wave_to_anyone(tmp_path: Path) -> None:
    clock = Clock()
    services = Services.build(unit_settings(tmp_path / "one.sqlite3", max_offers=1), clock=clock)
    await services.open()
    try:
        world = World(services, clock)
        await world.setup()
        await world.member("Thandi", HERE[0] + 0.002, HERE[1])
        await world.member("Sipho", HERE[0] + 0.02, HERE[1])
        await give(world, "Sipho", Skill.PARALEGAL)
        alert = await typed(world, f"{AT} help", CrisisType.ARREST)
        assert {k for k, v in (await offered_to(world, alert.id)).items() if v is None} == {"Sipho"}
        clock.advance(services.core.settings.ack_timeout.total_seconds() + 1)
        await world.fire_due()  # the wave to anyone: the nearest, Thandi, and the lead
        live = {k for k, v in (await offered_to(world, alert.id)).items() if v is None}
        assert "Thandi" in live
        clock.advance(services.core.settings.ack_timeout.total_seconds() + 1)
        await world.fire_due()
        assert (await world.reload(alert)).state is AlertState.ESCALATED
    finally:
        await services.close()


async def test_places_are_added_after_the_last_in_the_statement_that_adds_them(
    world: World,
) -> None:
    """Each new place goes after the alert's last, the ones just added included, with no
    read of the last position first."""
    alert = await world.alert("Zanele", f"{AT} help")

    async def add() -> None:
        async with world.services.core.store.transaction() as db:
            await slots_q.add_slots(db, alert.id, [(Skill.HEALTH,), (Skill.PEER, Skill.HEALTH)])
            await slots_q.add_slots(db, alert.id, [(Skill.PARALEGAL,)])

    ran = await world.statements(add)
    assert [s for s in ran if s.startswith("SELECT")] == [], "no position is read first"
    async with world.services.core.store.reading() as db:
        slots = await slots_q.slots_of(db, alert.id)
    assert [(s.position, s.skills) for s in slots] == [
        (0, ()),
        (1, (Skill.HEALTH,)),
        (2, (Skill.PEER, Skill.HEALTH)),
        (3, (Skill.PARALEGAL,)),
    ]


async def test_a_wave_skips_a_member_the_squad_blocked_and_reads_each_thing_once(
    world: World,
) -> None:
    """Raising an alert reads who may be offered it (the blocked left out) in one query, its
    offers once before the wave, and its squad once; an offer just written is not read
    back."""
    from data import blocks as blocks_q

    await world.member("Pule", HERE[0] + 0.001, HERE[1])  # nearest, but blocked
    await world.member("Thandi", HERE[0] + 0.002, HERE[1])
    pule = await world.get_member("Pule")
    async with world.services.core.store.transaction() as db:
        assert await blocks_q.block(db, pule.squad_id, pule.user_id, world.clock())
    raised = []

    async def raise_one() -> None:
        raised.append(await world.alert("Zanele", f"{AT} they took her phone"))

    ran = await world.statements(raise_one)
    assert await offered_to(world, raised[0].id) == {"Thandi": None}
    assert [s for s in ran if "FROM blocks WHERE squad_id" in s and "user_id =" not in s] == []
    made = next(i for i, s in enumerate(ran) if s.startswith("INSERT INTO offers"))
    assert len([s for s in ran[:made] if s.startswith("SELECT * FROM offers WHERE alert_id")]) == 1
    assert [s for s in ran if s.startswith("SELECT * FROM offers WHERE id")] == []
    assert len([s for s in ran if s.startswith("SELECT * FROM squads")]) == 1
