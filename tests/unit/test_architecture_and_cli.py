"""The core stays free of Telegram; the CLI says what to set when no token is configured."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from bot.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
ADAPTER_FILES = {"app.py", "__main__.py"}  # the composition root and the CLI entry


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["bot", "data"])
def test_core_and_store_import_nothing_from_telegram_or_handlers(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if package == "bot" and path.name in ADAPTER_FILES:
            continue
        for module in imported_modules(path):
            if module.split(".")[0] in ("telegram", "handlers"):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders


def test_the_telegram_adapters_reach_the_store_only_through_the_core() -> None:
    """Nothing in handlers/ imports data/: every rule the Telegram side applies (the sender's
    too) is a core call, so a second transport gets the same rules."""
    offenders = []
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        for module in imported_modules(path):
            if module.split(".")[0] == "data":
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders


def test_the_product_imports_nothing_from_the_tests() -> None:
    """The fake Telegram is the product's (handlers/sandbox/fakegram*.py): the sandbox runs
    it, and the tests re-export it, never the other way round."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for package in ("bot", "handlers", "data")
        for path in sorted((ROOT / package).rglob("*.py"))
        for module in imported_modules(path)
        if module.split(".")[0] == "tests"
    ]
    assert not offenders


def test_the_core_builds_no_telegram_links() -> None:
    """t.me and tg:// links are the adapter's: the core names a start parameter or a person."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if path.name not in ADAPTER_FILES
        and ("t.me/" in path.read_text(encoding="utf-8") or "tg://" in path.read_text("utf-8"))
    ]
    assert not offenders


def test_only_the_settings_class_reads_the_environment() -> None:
    offenders = []
    for package in ("bot", "handlers", "data"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "os.environ" in text or "getenv(" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_run_without_a_token_names_the_setting_and_botfather(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for key in list(os.environ):
        if key.startswith("SQUADLINE_"):
            monkeypatch.delenv(key)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "SQUADLINE_BOT_TOKEN" in err and "BotFather" in err


def test_settings_come_from_env_with_the_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.config import Settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQUADLINE_ACK_TIMEOUT", "45")
    monkeypatch.setenv("SQUADLINE_TELEGRAM_API_URL", "http://127.0.0.1:9/")
    settings = Settings()
    assert settings.ack_timeout.total_seconds() == 45
    assert settings.bot_api_base_url == "http://127.0.0.1:9/bot"
    assert settings.bot_api_base_file_url == "http://127.0.0.1:9/file/bot"


@pytest.mark.parametrize(
    ("raw", "seconds"), [("180", 180), ("90s", 90), ("3m", 180), ("12h", 43200), ("PT2M", 120)]
)
def test_durations_accept_seconds_units_and_iso(raw: str, seconds: float) -> None:
    from bot.config import Settings

    assert Settings(_env_file=None, ack_timeout=raw).ack_timeout.total_seconds() == seconds  # type: ignore[call-arg]


def test_an_exception_is_logged_without_its_message() -> None:
    """An exception's text can hold what someone typed: only its type and place are logged."""
    from bot.logsafe import where

    try:
        raise ValueError("Nomvula at -26.2041, 28.0473")
    except ValueError as exc:
        logged = where(exc)
    assert logged.startswith("ValueError at ") and "test_architecture_and_cli.py" in logged
    assert "Nomvula" not in logged and "26.2041" not in logged


def test_the_private_only_and_the_team_rules_each_have_one_home() -> None:
    """The rules "in private only" and "the alert's team or a lead" are written once
    (``bot.core.require_private``, ``bot.alerts.team.on_team_or_lead``), and called from
    everywhere else."""
    private_only, team_rule = [], []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        where = str(path.relative_to(ROOT))
        for line in path.read_text(encoding="utf-8").splitlines():
            if 'refuse("private_only")' in line:
                private_only.append(where)
            if "is_lead" in line and ("holder_ids(" in line or "team_ids(" in line):
                team_rule.append(where)
    assert private_only == ["bot/core.py"]
    assert team_rule == ["bot/alerts/team.py"]
