"""The README's tables of skills and crisis types are the code's: the names in the
catalogue, what each type needs by default (``bot/crisis.py``) and its wave."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.crisis import DEFAULT_NEEDS, DEFAULT_WAVES, WAVE_FALLBACK, parse_needs
from bot.domain import CrisisType, Skill
from bot.messages import EN

README = Path(__file__).resolve().parents[2] / "README.md"


def table(header: str) -> list[list[str]]:
    """The rows of the README table under ``header``, as stripped cells."""
    text = README.read_text(encoding="utf-8")
    lines = text[text.index(header) :].splitlines()
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def word(cell: str) -> str:
    match = re.fullmatch(r"`(\w+)`", cell)
    assert match, cell
    return match.group(1)


def test_the_readme_crisis_table_is_default_needs_and_waves() -> None:
    rows = table("| type (the word `/needs` takes) | what it is | needs by default | wave |")
    found = []
    for kind, name, needs, wave in rows:
        # The cell is what a lead would type to /needs: `health,peer`, `peer/health`, anyone.
        typed = needs.strip("`")
        parsed = parse_needs(typed)
        assert parsed is not None, needs
        assert parsed or needs == "anyone", needs
        found.append((CrisisType(word(kind)), name, parsed, int(wave)))
    assert found == [
        (k, EN[f"crisis.{k.value}"], DEFAULT_NEEDS[k], DEFAULT_WAVES.get(k, WAVE_FALLBACK))
        for k in CrisisType
    ]
    defaults = Settings(_env_file=None, bot_token="1:x")  # type: ignore[call-arg]
    assert [w for *_, w in found] == [defaults.wave_size(k) for k in CrisisType]


def test_the_readme_skill_table_names_every_skill() -> None:
    rows = table("| skill (the word `/needs` takes) | name |")
    assert [(Skill(word(w)), name) for w, name in rows] == [
        (s, EN[f"skill.{s.value}"]) for s in Skill
    ]


def test_squadline_waves_changes_the_types_it_names_and_keeps_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SQUADLINE_WAVES", '{"arrest": 2, "other": 2}')
    settings = Settings(_env_file=None, bot_token="1:x")  # type: ignore[call-arg]
    assert settings.wave_size(CrisisType.ARREST) == 2
    assert settings.wave_size(CrisisType.OTHER) == 2
    assert settings.wave_size(CrisisType.SEXUAL) == DEFAULT_WAVES[CrisisType.SEXUAL]
    assert settings.wave_size(CrisisType.ROBBERY) == WAVE_FALLBACK
