"""A note cannot outlive retention (issue 8): the purge runs once per alert, so a note
written after it would never be deleted. It is refused, clearly, and nothing changes."""

from __future__ import annotations

from bot.intents import Action
from bot.messages import render
from tests.support import World

HERE = (-26.204137, 28.047391)


async def test_a_note_after_the_retention_purge_is_refused_and_stores_nothing(
    world: World,
) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} robbed")
    thandi = world.private("Thandi")
    assert (await world.alerts.press(thandi, Action.ACCEPT, alert.id, "")).ok
    assert (await world.alerts.press(thandi, Action.OUTCOME, alert.id, "legal")).ok
    code = alert.code
    await world.deliver_all()
    world.clock.advance(31 * 86400)
    assert await world.services.privacy.purge_expired() > 0

    for who in ("Thandi", "Nomsa"):  # the owner, and a lead
        before = await world.snapshot()
        result = await world.alerts.note(world.private(who), code, "late")
        assert not result.ok
        assert result.text is not None and result.text.key == "note.purged"
        assert render(result.text.key, result.text.params) == render(
            "note.purged", {"code": code, "days": 30}
        )
        assert await world.snapshot() == before
    assert (await world.reload(alert)).note is None
    # The purge does not come back for it: nothing would ever delete a late note.
    assert await world.services.privacy.purge_expired() == 0


async def test_a_note_before_the_purge_is_kept_until_the_purge(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} robbed")
    thandi = world.private("Thandi")
    assert (await world.alerts.press(thandi, Action.ACCEPT, alert.id, "")).ok
    assert (await world.alerts.press(thandi, Action.OUTCOME, alert.id, "legal")).ok
    world.clock.advance(29 * 86400)
    assert (await world.alerts.note(thandi, alert.code, "clinic")).ok
    assert (await world.reload(alert)).note == "clinic"
    world.clock.advance(2 * 86400)
    await world.services.privacy.purge_expired()
    assert (await world.reload(alert)).note is None
