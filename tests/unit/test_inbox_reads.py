"""The durable intake's reads of its inbox (bot/updates.py ``pending``): rows being handled
already are not read again, so a burst with many answers waiting never hides the rows
after them."""

from __future__ import annotations

from bot.updates import ONE_READ, UpdateLog
from tests.support.world import World


async def test_rows_after_a_reads_worth_being_handled_are_still_read(world: World) -> None:
    """In a burst, more than a read's worth of updates waited for their answers (behind
    urgent messages, for Telegram's limits), and every read returned those same rows: the
    updates after them (alerts) were not handled until some answers had gone."""
    updates = UpdateLog(world.services.core)
    await updates.store([(n, "{}") for n in range(1, ONE_READ + 51)], None)
    being_handled = [row.update_id for row in await updates.pending()]
    assert being_handled == list(range(1, ONE_READ + 1))
    after = [row.update_id for row in await updates.pending(skip=being_handled)]
    assert after == list(range(ONE_READ + 1, ONE_READ + 51))
