"""`make test` installs what the browser test needs (`make browser`) on a clean machine:
without a question, within a time limit, not again once Chromium is there, and never
failing `make test` where it cannot: then it says so, and the browser test is skipped with
the reason. Each test runs the real Makefile target with a stand-in apt-get on the PATH."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from tests.support.sandbox import ROOT

NO_CHROMIUM = "no-such-chromium-here"


def stand_in(folder: Path, name: str, body: str) -> None:
    script = folder / name
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)


def make_browser(
    folder: Path, *, uid: int = 0, **variables: str
) -> subprocess.CompletedProcess[str]:
    """`make browser` with the stand-ins in ``folder`` first on the PATH, as user ``uid``."""
    stand_in(folder, "id", f'[ "$1" = -u ] && echo {uid} || exec /usr/bin/id "$@"')
    env = {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}"}
    args = [f"{k}={v}" for k, v in variables.items()]
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "browser", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_apt_get_that_hangs_is_stopped_in_time_and_make_test_goes_on(tmp_path: Path) -> None:
    log = tmp_path / "apt.log"
    # It would wait for an answer forever: the install asks nothing and is given no input.
    stand_in(
        tmp_path,
        "apt-get",
        f'echo "$DEBIAN_FRONTEND $*" >> {log}; [ "$1" = update ] && exit 0; read answer; sleep 300',
    )
    stand_in(tmp_path, "dpkg", "exit 0")
    started = time.monotonic()
    done = make_browser(tmp_path, CHROMIUM=NO_CHROMIUM, BROWSER_INSTALL_TIMEOUT="2")
    assert time.monotonic() - started < 30
    assert done.returncode == 0, done.stderr
    assert "Chromium could not be installed" in done.stdout
    assert "browser test will be skipped" in done.stdout
    update, install = log.read_text(encoding="utf-8").splitlines()
    assert update.startswith("noninteractive update")
    assert install.startswith("noninteractive install -y ")
    assert "chromium" in install.split()


def test_without_root_or_apt_get_make_test_goes_on_and_says_why(tmp_path: Path) -> None:
    log = tmp_path / "apt.log"
    stand_in(tmp_path, "apt-get", f'echo "$*" >> {log}; exit 0')
    done = make_browser(tmp_path, uid=1000, CHROMIUM=NO_CHROMIUM)
    assert done.returncode == 0, done.stderr
    assert "apt-get cannot run here" in done.stdout
    assert not log.exists(), "apt-get is never tried without root"


def test_once_chromium_is_there_nothing_is_installed_again(tmp_path: Path) -> None:
    log = tmp_path / "apt.log"
    stand_in(tmp_path, "apt-get", f'echo "$*" >> {log}; exit 0')
    stand_in(tmp_path, "chromium-stand-in", "exit 0")
    done = make_browser(tmp_path, CHROMIUM="chromium-stand-in")
    assert done.returncode == 0 and done.stdout == "", done.stdout
    assert not log.exists()


def test_make_test_installs_the_browser_first_and_prints_the_reasons_for_skips() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    prerequisites, recipe = target.split("\n", 1)
    assert "browser" in prerequisites.split()
    assert "pytest" in recipe and "-rs" in recipe.split()
