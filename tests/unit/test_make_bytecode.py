"""`make run`, `make test` and `make bench` compile the project's modules to bytecode first,
as `pip install .` leaves them in the image: where PYTHONDONTWRITEBYTECODE is set, every
start would otherwise compile them all from source again."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

from tests.support.sandbox import ROOT


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("target", ["run", "test", "bench"])
def test_the_target_compiles_the_modules_first(target: str) -> None:
    planned = make("-n", target)
    assert planned.returncode == 0, planned.stderr
    lines = planned.stdout.splitlines()
    compiling = [i for i, line in enumerate(lines) if "compileall -q bot handlers data" in line]
    assert compiling, planned.stdout
    start = {"run": "squadline run", "test": "pytest", "bench": "-m bench."}[target]
    starts = [i for i, line in enumerate(lines) if start in line]
    assert starts and compiling[0] < starts[0], planned.stdout


def test_make_bytecode_leaves_every_module_compiled() -> None:
    done = make("bytecode")
    assert done.returncode == 0, done.stdout + done.stderr
    modules = [p for d in ("bot", "handlers", "data") for p in (ROOT / d).rglob("*.py")]
    assert len(modules) > 100
    stale = []
    for source in modules:
        cached = Path(importlib.util.cache_from_source(str(source)))
        if not cached.exists() or cached.stat().st_mtime < source.stat().st_mtime:
            stale.append(source)
    assert stale == []
