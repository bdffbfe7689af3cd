"""The layout the README's Architecture and Tests sections describe."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(p.stem for p in (ROOT / "bench").glob("*.py") if p.stem != "__init__")


def test_every_package_is_installed() -> None:
    """A sub-package missing from pyproject would be left out of a non-editable install."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("bot", "handlers", "data")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert "handlers.transport" in found
    assert found == listed


def test_the_telegram_transport_is_its_own_package() -> None:
    for module in ("intake", "sender", "limits"):
        assert (ROOT / "handlers" / "transport" / f"{module}.py").is_file()
        assert not (ROOT / "handlers" / f"{module}.py").exists()


@pytest.mark.parametrize("name", BENCHES)
def test_benches_import_cleanly_without_touching_sys_path(name: str) -> None:
    tree = ast.parse((ROOT / "bench" / f"{name}.py").read_text(encoding="utf-8"))
    touched = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "path"
        if isinstance(node.value, ast.Name) and node.value.id == "sys"
    ]
    assert not touched
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--help"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert BENCHES == [
        "dispatch_bench",
        "followup_timing",
        "hosting",
        "http_calls",
        "load_bench",
        "reliability_report",
        "report_bench",
        "soak",
        "waves",
    ]


def test_ci_lints_first_then_tests_and_mypy_covers_handlers() -> None:
    steps = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.startswith("make ")
    ]
    assert steps == ["make lint", "make test"]
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["mypy"]["strict"] is True
    assert set(config["tool"]["mypy"]["packages"]) == {"bot", "data", "handlers"}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    for step in ("ruff check", "ruff format --check", "mypy"):
        assert step in lint
    assert lint.count("bot handlers data tests bench") == 2, "ruff sees the whole tree"


def test_make_test_prints_the_reason_of_every_skipped_test() -> None:
    """A skip (the image build where podman cannot work) shows its reason in CI's output."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    (pytest_line,) = [line for line in recipe.splitlines() if "pytest" in line]
    assert "-rs" in pytest_line.split()


# What the tests import from the fake Telegram (tests.fakegram.server re-exports it all).
FAKEGRAM_NAMES = [
    "MAX_TEXT",
    "MAX_UPLOAD",
    "PNG_SIGNATURE",
    "SENDING_METHODS",
    "STRING_PARAMS",
    "TELEGRAM",
    "ApiError",
    "Call",
    "Chat",
    "FakeTelegram",
    "Fault",
    "LimitKeeper",
    "Limits",
    "Upload",
    "User",
    "png_size",
]


def test_the_sandbox_and_its_fake_telegram_are_in_parts_of_a_readable_size() -> None:
    folder = ROOT / "handlers" / "sandbox"
    parts = {p.stem for p in folder.glob("fakegram*.py")}
    assert parts == {
        "fakegram",
        "fakegram_shapes",
        "fakegram_chats",
        "fakegram_methods",
        "fakegram_limits",
        "fakegram_webhook",
    }
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in folder.glob("*.py")}
    assert all(lines < 400 for lines in sizes.values()), sizes


def test_every_name_of_the_fake_telegram_imports_from_the_product_and_from_the_tests() -> None:
    from handlers.sandbox import fakegram, fakegram_limits
    from tests.fakegram import limits, server

    for name in FAKEGRAM_NAMES:
        assert getattr(server, name) is getattr(fakegram, name), name
    assert fakegram.FakeTelegram.__module__ == "handlers.sandbox.fakegram"
    for name in ("SENDING_METHODS", "TELEGRAM", "LimitKeeper", "Limits"):
        assert getattr(limits, name) is getattr(fakegram_limits, name), name
