"""Hostile input to what follows the call: thousands of generated arguments to the
directory's, referrals' and follow-ups' parsers never raise anything but a clear refusal,
opening hours that read always read back the same, and every button with forged data is
refused and changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.aftercare import entries, hours
from bot.aftercare.facade import AFTERCARE_ACTIONS
from bot.intents import Action, Refused
from bot.messages import EN
from handlers import parsing
from tests.support import World

NASTY = st.sampled_from(
    ["\u202e", "\u200b", "{", "}", "{code}", "|", "||", "-", "24:00", "25:00", "mon-fri",
     "08:00-16:00", "closed", "24/7", "+", "+27 11 555 0101", "-26.19, 28.04", "NaN", "\x00",
     "clinic", "legal", "check", "F1", "rule", "assign", "add", "remove", "ABCD", "\n"]
)  # fmt: skip
TEXT = st.lists(st.one_of(st.text(max_size=12), NASTY), max_size=8).map(" ".join)
FAST = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT)
def test_typed_hours_read_or_are_named_and_read_back_the_same(raw: str) -> None:
    try:
        read = hours.parse(raw)
    except hours.HoursError as exc:
        assert isinstance(exc.raw, str)
        return
    assert hours.parse(hours.canonical(read)) == read


@FAST
@given(TEXT)
def test_entries_parse_or_refuse_with_a_catalogue_sentence(raw: str) -> None:
    for parse in (entries.one_line, entries.phone, entries.category, entries.where):
        try:
            parse(raw)
        except entries.EntryError as exc:
            assert exc.key in EN, exc.key


@FAST
@given(st.sampled_from(["service", "services", "refer", "followups"]), TEXT)
def test_the_command_parsers_never_raise_but_a_refusal(command: str, raw: str) -> None:
    args = raw.split()
    try:
        if command == "service":
            parsing.service(args, raw)
        elif command == "services":
            parsing.services(args)
        elif command == "refer":
            parsing.refer(args)
        else:
            parsing.followups(args)
    except Refused as refusal:
        assert refusal.reply.text is not None and refusal.reply.text.key in EN


FORGED_ARGS = ("", "0", "x", "zz_top", "9" * 16, "-1", "attended", "done", "always", "phone")


@pytest.mark.parametrize("action", sorted(AFTERCARE_ACTIONS, key=lambda a: a.value))
async def test_every_aftercare_button_with_forged_data_is_refused_and_changes_nothing(
    world: World, action: Action
) -> None:
    """Stale or forged callback data, for any id (none, another squad's, huge) and any
    argument, pressed by the lead: a clear refusal, never a traceback, and nothing changed."""
    await world.member("Thandi", -26.2, 28.04)
    before = await world.snapshot()
    for target in (1, 2, 999, 10**15):
        for arg in FORGED_ARGS:
            pressed = await world.services.aftercare.press(
                world.private("Nomsa"), action, target, arg
            )
            assert not pressed.ok, (action, target, arg, pressed)
            assert pressed.text is not None and pressed.text.key in EN, pressed.text
    assert await world.snapshot() == before
