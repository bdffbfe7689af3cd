"""Every test the README names as backing a promise exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_test_the_readme_names_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sources = {p: p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py")}
    every = "\n".join(sources.values())
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", readme)
    assert len(named) > 30, "the README names the tests behind its promises"
    missing = []
    for path, name in named:
        source = sources.get(ROOT / path)
        if source is None or (name and f"def {name}(" not in source):
            missing.append(f"{path}::{name}" if name else path)
    missing += [f"::{n}" for n in re.findall(r"`::(\w+)`", readme) if f"def {n}(" not in every]
    assert not missing


def test_every_setting_is_in_the_readmes_settings_tables() -> None:
    """Each field of the one settings class appears in a row of the README's tables, under
    the name a host sets (``SQUADLINE_<FIELD>``)."""
    from bot.config import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = "\n".join(line for line in readme.splitlines() if line.startswith("|"))
    names = [f"SQUADLINE_{field.upper()}" for field in Settings.model_fields]
    assert len(names) > 40
    assert [n for n in names if not re.search(rf"`{n}`", rows)] == []
