"""docker/build_image.sh never hangs: every step that can wait has a time limit, and a
step that runs out of time is reported as skipped with the reason, never as built.

Here podman is a stand-in that waits forever at the chosen command, and the limits are
one or two seconds, so nothing is built and no image is touched."""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = 77
# The longest the script may take here: the limits below, plus the kill grace of 10 s.
BOUND = 40

STAND_IN = """#!/bin/sh
# podman, but "$HANGS_AT" never answers.
case " $* " in *" $HANGS_AT "*) exec sleep 1000 ;; esac
exit 0
"""


def build(tmp_path: Path, hangs_at: str = "never") -> subprocess.CompletedProcess[str]:
    tools = tmp_path / "bin"
    tools.mkdir(exist_ok=True)
    for name in ("podman", "debootstrap"):
        (tools / name).write_text(STAND_IN, encoding="utf-8")
        (tools / name).chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{tools}:{os.environ['PATH']}",
        "HANGS_AT": hangs_at,
        "IMAGE_WORK": str(tmp_path / "work"),
        "IMAGE_LOCK_WAIT": "1",
        "IMAGE_STEP_TIMEOUT": "2",
        "IMAGE_QUICK_TIMEOUT": "1",
    }
    return subprocess.run(
        ["bash", "docker/build_image.sh", "localhost/squadline:never-built"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=BOUND,
    )  # fmt: skip


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    return (done.stdout.strip().splitlines() or [""])[-1]


@pytest.mark.parametrize(
    ("hangs_at", "reason"),
    [
        ("info", "podman does not work here"),
        ("exists", "'podman image exists' took over 1 s"),
        ("build", "podman build took over 2 s"),
    ],
)
def test_a_podman_step_that_never_answers_is_skipped_with_the_reason(
    tmp_path: Path, hangs_at: str, reason: str
) -> None:
    done = build(tmp_path, hangs_at)
    assert done.returncode == SKIPPED, done.stdout + done.stderr
    assert last_line(done).startswith("SKIPPED: ") and reason in last_line(done)
    assert "BUILT" not in done.stdout


def test_another_build_holding_the_lock_too_long_is_a_skip_not_a_hang(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    with (tmp_path / "work" / "lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        done = build(tmp_path)
    assert done.returncode == SKIPPED, done.stdout + done.stderr
    assert "another image build held" in last_line(done)
