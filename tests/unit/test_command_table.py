"""The one command table drives registration, menus, /help and the README's role table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.commands import COMMANDS, LEADS, Where, Who, for_help, menu
from bot.i18n import LANGUAGES, SOURCE, translations
from bot.messages import EN
from handlers import CALLBACKS

README = Path(__file__).resolve().parents[2] / "README.md"
COLUMNS = (Who.REPORTER, Who.OBSERVER, Who.MEMBER, Who.LEAD)


def test_every_command_has_exactly_one_handler() -> None:
    assert set(CALLBACKS) == {c.name for c in COMMANDS}


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_command_has_help_text_in_every_language(lang: str) -> None:
    catalogue = translations(lang)
    missing = [
        c.name
        for c in COMMANDS
        if c.help_key not in EN
        or (lang != SOURCE and (catalogue is None or catalogue.gettext(c.help_key) == c.help_key))
    ]
    assert not missing, f"{lang}: no help text for {missing}"


def role_table() -> dict[str, set[Who]]:
    """Who may use each command, as the README's role table says (a cell that is not "no"
    allows it; a command on several rows is allowed where any of them allows it)."""
    text = README.read_text(encoding="utf-8")
    start = text.index("| command or button | reporter (not a member) | observer | member | lead |")
    allowed: dict[str, set[Who]] = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        for name in re.findall(r"`/(\w+)", cells[0]):
            roles = allowed.setdefault(name, set())
            roles.update(who for who, cell in zip(COLUMNS, cells[1:5], strict=True) if cell != "no")
    return allowed


def test_the_readme_role_table_matches_the_command_table() -> None:
    table = role_table()
    expected = {c.name: set(c.who) for c in COMMANDS if c.who and c.menu}
    assert {name: table.get(name) for name in expected} == expected


def test_lead_commands_are_only_in_the_administrators_menu_of_groups() -> None:
    group = {c.name for c in menu(Where.GROUP)}
    admins = {c.name for c in menu(Where.GROUP, leads=True)}
    private = {c.name for c in menu(Where.PRIVATE)}
    leads_only = {c.name for c in COMMANDS if c.who == LEADS}
    assert not group & leads_only and "setup" not in group
    private_only = {c.name for c in COMMANDS if Where.GROUP not in c.where}
    assert leads_only - private_only <= admins and "setup" in admins
    assert "pin" in private and "start" not in private | group | admins


def test_help_lists_what_the_roles_allow() -> None:
    reporter = {c.name for c in for_help(Where.PRIVATE, {Who.REPORTER})}
    lead = {c.name for c in for_help(Where.PRIVATE, {Who.REPORTER, Who.LEAD})}
    assert "alert" in reporter and "claim" not in reporter and "wipe" not in reporter
    assert {"wipe", "block", "assign", "claim"} <= lead
    assert len(for_help(Where.GROUP, COLUMNS)) == 5
