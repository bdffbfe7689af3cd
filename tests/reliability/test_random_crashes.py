"""kill -9 at random moments while alerts flow (a short run; bench/soak.py runs 30 rounds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.chaos import run_chaos

pytestmark = pytest.mark.timeout(240)


# A fixed seed keeps `make test` repeatable (kill moments still vary with timing);
# bench/soak.py draws a new seed every run to explore further.
SEED = 20261127


async def test_random_kills_lose_no_alert_and_break_no_invariant(tmp_path: Path) -> None:
    seed = SEED
    result = await run_chaos(tmp_path, rounds=4, alerts_per_round=5, seed=seed)
    print(result.summary())  # the seed reproduces a failure: run_chaos(..., seed=...)
    assert result.alerts_sent == 20
    assert result.kills >= 1
    assert result.alerts_lost == 0, result.summary()
    assert result.problems == [], (result.summary(), result.problems)
