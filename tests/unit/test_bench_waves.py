"""The waves bench runs against the real core and returns figures (never asserted)."""

from __future__ import annotations

import math
from pathlib import Path

from bench.waves import Answer, behaviour, compare, simulate


async def test_the_waves_bench_runs_a_few_alerts_and_returns_figures(tmp_path: Path) -> None:
    results = await compare(tmp_path, alerts=4, members=8, seed=7)
    assert [r.wave for r in results] == [1, 3]
    for r in results:
        assert r.alerts == 4
        assert len(r.accepted_after_s) + r.escalated == 4
        assert all(t >= 0 for t in r.accepted_after_s)
        assert 0 <= r.escalated_share <= 1
        for figure in (r.median_s, r.p90_s):
            assert math.isnan(figure) or figure >= 0


async def test_the_same_seed_sees_the_same_people_behave_the_same_way(tmp_path: Path) -> None:
    first = await simulate(tmp_path / "a.sqlite3", wave=1, alerts=3, members=6, seed=11)
    again = await simulate(tmp_path / "b.sqlite3", wave=1, alerts=3, members=6, seed=11)
    assert first == again
    assert behaviour(11, 2, 5) == behaviour(11, 2, 5)
    # Over many members, some accept, some decline and some never answer.
    seen = {behaviour(11, 0, n).answer for n in range(200)}
    assert seen == set(Answer)
