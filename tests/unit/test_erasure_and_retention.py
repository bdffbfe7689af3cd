"""Handled updates keep only their id; closing unlinks the reporter and coarsens every copy;
retention coarsens further; erasure leaves no orphan squad and no traces; /me is complete."""

from __future__ import annotations

import json
from typing import Any

from bot.intents import Action, Intent, MessageRole, Op, Priority
from bot.messages import render
from data import alerts as alerts_q
from data import inbox
from data import outbox as outbox_q
from data import privacy as privacy_q
from data import squads as squads_q
from tests.support import GROUP, World

HERE = (-26.204137, 28.047391)
DAY = 86400


async def rows(world: World, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    async with world.services.core.store.reading() as db:
        async with db.execute(sql, args) as cur:
            return [tuple(r) for r in await cur.fetchall()]


def text_of(reply: Any) -> str:
    return render(reply.text.key, reply.text.params)


async def accept_and_close(world: World, responder: str, alert_id: int) -> None:
    assert (await world.alerts.press(world.private(responder), Action.ACCEPT, alert_id, "")).ok
    assert (
        await world.alerts.press(world.private(responder), Action.OUTCOME, alert_id, "resolved")
    ).ok


# -- the inbox ---------------------------------------------------------------------------


async def test_a_handled_or_abandoned_update_keeps_only_its_id(world: World) -> None:
    raw = json.dumps({"update_id": 1, "message": {"from": {"first_name": "Thandekazi"}}})
    store = world.services.core.store
    async with store.transaction() as db:
        await inbox.store_updates(db, [(1, raw), (2, raw), (3, raw)], 10.0)
        await inbox.mark_done(db, 1, 11.0)
        await inbox.retry_later(db, 2, 20.0, give_up=True, now=12.0)
        await inbox.retry_later(db, 3, 20.0, give_up=False, now=12.0)
    got = await rows(world, "SELECT update_id, raw, state, done_at FROM inbox ORDER BY update_id")
    assert got == [(1, "", "done", 11.0), (2, "", "failed", 12.0), (3, raw, "pending", None)]


async def test_after_an_erasure_earlier_waiting_updates_that_mention_them_go(world: World) -> None:
    def update(uid: int, user: int) -> tuple[int, str]:
        return uid, json.dumps({"update_id": uid, "message": {"from": {"id": user}}})

    store = world.services.core.store
    async with store.transaction() as db:
        await inbox.store_updates(db, [update(1, 555), update(2, 777), update(9, 555)], 1.0)
        await outbox_q.log_send(db, 555, 1.0)
        await outbox_q.hold_chat(db, 555, 99.0)
        await privacy_q.after_erasure(db, 555, 5)
    assert await rows(world, "SELECT update_id FROM inbox ORDER BY update_id") == [(2,), (9,)]
    assert await rows(world, "SELECT * FROM send_log WHERE chat_id = 555") == []
    assert await rows(world, "SELECT * FROM kv WHERE key = 'hold:555'") == []


# -- closing: the reporter's link and every copy of the coordinates -------------------------


async def test_closing_unlinks_a_reporter_who_did_not_choose_contact(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Lindiwe")
    lindiwe = world.users["Lindiwe"]
    assert (await world.alerts.raise_alert(world.private("Lindiwe"), f"{HERE[0]}, {HERE[1]}")).ok
    (alert_id,) = (await rows(world, "SELECT id FROM alerts"))[0]
    await accept_and_close(world, "Thandi", alert_id)
    got = await rows(
        world, "SELECT reporter_user_id, origin_chat_id, origin_message_id FROM alerts"
    )
    assert got == [(0, 0, None)]
    # She was still told it is closed (queued before the link went).
    told = [i for i in await world.outbox() if i.chat_id == lindiwe and i.text is not None]
    assert "reporter.closed" in [i.text.key for i in told if i.text is not None]


async def test_a_group_reporter_is_unlinked_when_they_cancel(world: World) -> None:
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    assert (await world.alerts.cancel(world.group("Zanele"), alert.code)).ok
    assert await rows(world, "SELECT reporter_user_id, origin_chat_id FROM alerts") == [(0, GROUP)]


async def test_a_contactable_reporter_stays_linked_until_retention(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Lindiwe")
    lindiwe = world.users["Lindiwe"]
    assert (await world.alerts.raise_alert(world.private("Lindiwe"), f"{HERE[0]}, {HERE[1]}")).ok
    (alert_id,) = (await rows(world, "SELECT id FROM alerts"))[0]
    assert (await world.services.privacy.set_contact(world.private("Lindiwe"), alert_id, True)).ok
    await accept_and_close(world, "Thandi", alert_id)
    assert await rows(world, "SELECT reporter_user_id, origin_chat_id FROM alerts") == [
        (lindiwe, lindiwe)
    ]
    await world.deliver_all()
    world.clock.advance(31 * DAY)
    assert await world.services.privacy.purge_expired() > 0
    got = await rows(world, "SELECT reporter_user_id, origin_chat_id, contact_ok FROM alerts")
    assert got == [(0, 0, 0)]
    # No outbox row or message record of the case keeps her private chat's id either.
    assert await rows(world, "SELECT id FROM outbox WHERE chat_id = ?", lindiwe) == []
    assert await rows(world, "SELECT id FROM messages WHERE chat_id = ?", lindiwe) == []


async def location_payloads(world: World) -> list[tuple[float, float]]:
    found = []
    for (payload,) in await rows(world, "SELECT payload FROM outbox"):
        data = json.loads(payload)
        if data.get("op") == Op.LOCATION.value:
            found.append((data["lat"], data["lon"]))
    return found


async def test_closing_coarsens_the_pins_in_the_outbox_and_retention_coarsens_further(
    world: World,
) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    assert (await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")).ok
    await world.deliver_all()  # the responder's pin is sent
    assert (await world.services.privacy.pin(world.private("Nomsa"), alert.code)).ok  # unsent
    assert await location_payloads(world) == [HERE, HERE]
    assert (
        await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert.id, "resolved")
    ).ok
    coarse = (round(HERE[0], 2), round(HERE[1], 2))
    assert await location_payloads(world) == [coarse, coarse]
    assert (await world.reload(alert)).area_label is not None
    await world.deliver_all()
    world.clock.advance(31 * DAY)
    await world.services.privacy.purge_expired()
    fresh = await world.reload(alert)
    assert (fresh.lat, fresh.lon) == (round(coarse[0], 1), round(coarse[1], 1))
    assert fresh.area_label is None


# -- erasure -------------------------------------------------------------------------------


async def test_the_only_member_who_leads_must_wipe_before_forgetting(world: World) -> None:
    nomsa = world.private("Nomsa")
    before = await world.snapshot()
    refused = await world.services.privacy.forget_request(nomsa)
    assert not refused.ok and refused.text is not None
    assert refused.text.key == "forget.wipe_first"
    assert not (await world.services.privacy.forget(nomsa, world.users["Nomsa"])).ok
    assert await world.snapshot() == before
    assert await world.services.squads.is_set_up(GROUP)


async def test_forgetme_drops_the_hold_and_redacts_unsent_rows_to_others(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Lindiwe", HERE[0] + 0.01, HERE[1])
    await world.services.members.set_alias(world.private("Lindiwe"), "Lindelwa")
    lindiwe = world.users["Lindiwe"]
    assert (
        await world.alerts.raise_alert(
            world.private("Lindiwe"), f"{HERE[0]}, {HERE[1]} Bongiwe hurt at the rank"
        )
    ).ok
    async with world.services.core.store.transaction() as db:
        await outbox_q.hold_chat(db, lindiwe, world.clock() + 60)
    offers = [i for i in await world.outbox() if i.role is MessageRole.OFFER]
    assert offers and "Bongiwe" in json.dumps(offers[0].text.__dict__ if offers[0].text else {})
    assert (await world.services.privacy.forget(world.private("Lindiwe"), lindiwe)).ok
    assert await rows(world, "SELECT * FROM kv WHERE key LIKE 'hold:%'") == []
    pending = await rows(world, "SELECT chat_id, payload FROM outbox WHERE state = 'pending'")
    assert pending, "messages to others are still sent"
    assert all(chat != lindiwe for chat, _ in pending)
    for _, payload in pending:
        assert "Bongiwe" not in payload and "Lindelwa" not in payload, payload
    assert any(render("forget.erased") in payload for _, payload in pending)


async def test_an_erased_reporter_is_not_told_anything_later(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Lindiwe")
    lindiwe = world.private("Lindiwe")
    assert (await world.alerts.raise_alert(lindiwe, f"{HERE[0]}, {HERE[1]} help")).ok
    (alert_id,) = (await rows(world, "SELECT id FROM alerts"))[0]
    assert (await world.services.privacy.forget(lindiwe, world.users["Lindiwe"])).ok
    await accept_and_close(world, "Thandi", alert_id)
    assert await rows(world, "SELECT id FROM outbox WHERE chat_id = 0") == []


# -- /me -----------------------------------------------------------------------------------


async def test_me_lists_the_alerts_reported_and_the_audit_entries(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} robbed at the rank")
    zanele = await world.services.members.me(world.private("Zanele"))
    assert zanele.ok, "a reporter who is not a member is not told they are in no squad"
    assert f"#{alert.code}" in text_of(zanele) and "robbed at the rank" in text_of(zanele)
    lead = await world.services.members.me(world.private("Nomsa"))
    assert "setup" in text_of(lead)
    assert (await world.alerts.cancel(world.group("Nomsa"), alert.code)).ok
    lead = await world.services.members.me(world.private("Nomsa"))
    assert f"cancelled {alert.code}" in text_of(lead)
    # Once the alert ends, it no longer points at her: /me has nothing left to show.
    assert not (await world.services.members.me(world.private("Zanele"))).ok


# -- retention of transport rows, offers and strangers' private-chat records ----------------


async def test_retention_leaves_no_ids_in_old_rows(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    stranger = 4242
    async with world.services.core.store.transaction() as db:
        await squads_q.upsert_private_chat(db, stranger, stranger, world.clock())
        notice = Intent(op=Op.SEND, chat_id=stranger, priority=Priority.ROUTINE)
        await outbox_q.enqueue(db, notice, world.clock())
        await outbox_q.hold_chat(db, stranger, world.clock() + 30)
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    await accept_and_close(world, "Thandi", alert.id)
    await world.deliver_all()
    assert await rows(world, "SELECT count(*) FROM offers WHERE distance_m IS NOT NULL") == [(1,)]
    world.clock.advance(2 * 3600)
    await world.services.privacy.purge_expired()
    assert await rows(world, "SELECT id FROM outbox WHERE chat_id = ?", stranger) == []
    assert await rows(world, "SELECT * FROM kv WHERE key LIKE 'hold:%'") == []
    world.clock.advance(DAY)
    await world.services.privacy.purge_expired()
    assert await rows(world, "SELECT * FROM users WHERE user_id = ?", stranger) == []
    assert await rows(world, "SELECT count(*) FROM users") == [(2,)]  # the members stay
    world.clock.advance(30 * DAY)
    await world.services.privacy.purge_expired()
    assert await rows(world, "SELECT count(*) FROM offers WHERE distance_m IS NOT NULL") == [(0,)]


async def test_wipe_drops_the_groups_rate_limit_hold(world: World) -> None:
    async with world.services.core.store.transaction() as db:
        await outbox_q.hold_chat(db, GROUP, world.clock() + 60)
    first = await world.services.privacy.wipe_request(world.group("Nomsa"))
    squad_id = first.buttons[0][0].alert_id
    assert squad_id is not None
    assert (await world.services.privacy.wipe(world.group("Nomsa"), squad_id, 2)).ok
    assert await rows(world, "SELECT * FROM kv WHERE key LIKE 'hold:%'") == []


# -- after the call (issue 12): the directory, referrals and follow-ups -----------------------


async def test_referral_notes_go_retention_days_after_the_case_ends(world: World) -> None:
    from tests.support.aftercare import add_service, refer

    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    service = await add_service(world, "legal Legal Aid | -26.19, 28.05 | 24/7")
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} held by police")
    await accept_and_close(world, "Thandi", alert.id)
    await refer(world, "Thandi", await world.reload(alert), service)
    (referral_id,) = (await rows(world, "SELECT id FROM referrals"))[0]
    aftercare = world.services.aftercare
    await aftercare.press(world.private("Thandi"), Action.REFERRAL_NOTE, referral_id, "")
    assert await aftercare.typed(world.private("Thandi"), "Quendolyn at desk 4") is not None
    retention = world.services.core.settings.retention_days * DAY
    # The alert's own retention passes, but the referral is still open: its note stays.
    world.clock.advance(retention + 60)
    await world.services.privacy.purge_expired()
    assert await rows(world, "SELECT note FROM referrals") == [("Quendolyn at desk 4",)]
    # It ends now (and its check is answered with it): the retention counts from here.
    for (task_id,) in await rows(world, "SELECT id FROM followups WHERE state = 'open'"):
        await aftercare.press(world.private("Thandi"), Action.TASK, task_id, "done")
    await aftercare.press(world.private("Thandi"), Action.REFERRAL, referral_id, "successful")
    world.clock.advance(retention - 60)
    await world.services.privacy.purge_expired()
    assert await rows(world, "SELECT note FROM referrals") == [("Quendolyn at desk 4",)]
    world.clock.advance(120)
    await world.services.privacy.purge_expired()
    assert await rows(world, "SELECT note, state FROM referrals") == [(None, "successful")]
    data = world.services.core.settings.database.read_bytes()
    wal = world.services.core.settings.database.with_name("unit.sqlite3-wal")
    assert b"Quendolyn" not in data + (wal.read_bytes() if wal.exists() else b"")


async def test_wipe_deletes_the_directory_referrals_and_follow_ups_down_to_the_bytes(
    world: World,
) -> None:
    from tests.support.aftercare import add_service, refer

    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    service = await add_service(
        world, "police Zxcvbnm Station | -26.19, 28.05 | 24/7 | +27 11 555 0199 | Sgt Qwertyuiop"
    )
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} held")
    await accept_and_close(world, "Thandi", alert.id)
    await refer(world, "Thandi", await world.reload(alert), service)
    (referral_id,) = (await rows(world, "SELECT id FROM referrals"))[0]
    aftercare = world.services.aftercare
    await aftercare.press(world.private("Thandi"), Action.REFERRAL_NOTE, referral_id, "")
    await aftercare.typed(world.private("Thandi"), "Asdfghjkl gate")
    squad_id = (await rows(world, "SELECT id FROM squads"))[0][0]
    assert (await world.services.privacy.wipe(world.group("Nomsa"), squad_id, 2)).ok
    for table in ("services", "referrals", "followups", "followup_rules", "meetings",
                  "service_drafts", "referral_note_requests"):  # fmt: skip
        assert await rows(world, f"SELECT * FROM {table}") == [], table
    path = world.services.core.settings.database
    data = b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )
    for needle in (b"Zxcvbnm", b"Qwertyuiop", b"555 0199", b"Asdfghjkl"):
        assert needle not in data, needle


async def test_forgetme_ends_the_follow_ups_about_the_person(
    world: World,
) -> None:
    thandi = await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    assert (await world.services.skills.toggle(world.private("Thandi"), thandi.id, "peer")).ok
    zodwa = await world.member("Zodwa", HERE[0] + 0.2, HERE[1])
    assert zodwa.reachable
    assert (await world.alerts.raise_alert(world.private("Zodwa"), f"{HERE[0]}, {HERE[1]} x")).ok
    (alert_id,) = (await rows(world, "SELECT max(id) FROM alerts"))[0]
    assert (await world.services.privacy.set_contact(world.private("Zodwa"), alert_id, True)).ok
    await accept_and_close(world, "Thandi", alert_id)
    assert await rows(world, "SELECT state FROM followups") == [("open",)]
    assert (await world.services.privacy.forget(world.private("Zodwa"), zodwa.user_id)).ok
    # Nobody is asked to check on someone who asked to be forgotten.
    assert await rows(world, "SELECT state FROM followups") == [("cancelled",)]


async def test_forgetme_erases_the_referral_notes_about_the_person_down_to_the_bytes(
    world: World,
) -> None:
    """Zodwa reported in private and chose "may contact me", so her closed alert still points
    at her; a referral about her has a note. Her /forgetme empties it, in the file too."""
    from tests.support.aftercare import add_service, refer

    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    zodwa = await world.member("Zodwa", HERE[0] + 0.2, HERE[1])
    service = await add_service(world, "legal Legal Aid | -26.19, 28.05 | 24/7")
    assert (await world.alerts.raise_alert(world.private("Zodwa"), f"{HERE[0]}, {HERE[1]} x")).ok
    (alert_id,) = (await rows(world, "SELECT max(id) FROM alerts"))[0]
    assert (await world.services.privacy.set_contact(world.private("Zodwa"), alert_id, True)).ok
    await accept_and_close(world, "Thandi", alert_id)
    async with world.services.core.store.reading() as db:
        alert = await alerts_q.alert_by_id(db, alert_id)
    assert alert is not None
    await refer(world, "Thandi", alert, service)
    (referral_id,) = (await rows(world, "SELECT id FROM referrals"))[0]
    aftercare = world.services.aftercare
    await aftercare.press(world.private("Thandi"), Action.REFERRAL_NOTE, referral_id, "")
    assert await aftercare.typed(world.private("Thandi"), "Xolelwapoint desk 9") is not None
    assert (await world.services.privacy.forget(world.private("Zodwa"), zodwa.user_id)).ok
    assert await rows(world, "SELECT note, state FROM referrals") == [(None, "referred")]
    path = world.services.core.settings.database
    data = b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )
    assert b"Xolelwapoint" not in data
