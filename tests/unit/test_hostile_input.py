"""Hostile input: generated inputs thrown at the parsers, the callback codec and the commands.

Over 10,000 generated inputs in all. Nothing raises; every refusal changes nothing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import Caller
from bot.domain import Role, normalise_code
from bot.geo import CoordinateError, find_coordinates
from bot.intents import Action, Refused
from bot.messages import EN, render
from bot.services import Services
from bot.text import TooLong, clean
from handlers import parsing
from handlers.buttons import decode, encode
from tests.support import Clock, World, unit_settings

NASTY = st.sampled_from(
    ["\u202e", "\u200b", "\u2066", "\ufeff", "{", "}", "{code}", "<b>", "*", "_", "`", "\x00",
     "\n", "\r", "ﬁ", "Ａ", "١٢٣", "−26.2", "NaN", "inf", "1e309", "0x1F", "#", "@", "/"]
)  # fmt: skip
TEXT = st.lists(st.one_of(st.text(max_size=20), NASTY), max_size=8).map("".join)
FAST = settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT)
def test_the_callback_codec_never_raises(data: str) -> None:
    press = decode(data)
    if press is not None:
        assert encode(press.action, press.alert_id, press.arg) == data


@settings(max_examples=1000, deadline=None)
@given(
    st.sampled_from(list(Action)), st.integers(1, 10**15), st.sampled_from(["", "resolved", "yes"])
)
def test_the_callback_codec_round_trips_under_64_bytes(
    action: Action, object_id: int, arg: str
) -> None:
    data = encode(action, object_id, arg)
    assert len(data.encode()) <= 64
    press = decode(data)
    assert press is not None and (press.action, press.alert_id, press.arg) == (
        action,
        object_id,
        arg,
    )


@FAST
@given(TEXT)
def test_coordinates_parse_or_refuse_cleanly(text: str) -> None:
    try:
        point, rest = find_coordinates(text)
    except CoordinateError as exc:
        assert exc.reason in EN
        return
    if point is not None:
        assert -90 <= point.lat <= 90 and -180 <= point.lon <= 180
        assert isinstance(rest, str)


@FAST
@given(TEXT, st.integers(1, 64))
def test_cleaning_strips_invisible_controls_and_caps_length(text: str, limit: int) -> None:
    try:
        out = clean(text, limit=limit)
    except TooLong as exc:
        assert exc.limit == limit
        return
    assert len(out) <= limit
    assert not any(ch in out for ch in "\u202e\u200b\u2066\ufeff\x00\n\r")
    assert normalise_code(text) is None or len(normalise_code(text) or "") <= 6


@settings(max_examples=1000, deadline=None)
@given(
    st.sampled_from(sorted(EN)),
    st.dictionaries(st.sampled_from(["code", "alias", "text", "x"]), TEXT),
)
def test_rendering_never_raises(key: str, params: dict[str, Any]) -> None:
    assert isinstance(render(key, params), str)


COMMANDS = ["claim", "close", "cancel", "assign", "note", "place", "alias", "setup", "pin",
            "hygiene", "lead", "observer", "remove", "press", "skills", "needs"]  # fmt: skip


def test_commands_refuse_generated_arguments_without_changing_anything(tmp_path: Path) -> None:
    """1,000 generated commands from a stranger, a member and a lead against a real store."""
    loop = asyncio.new_event_loop()
    clock = Clock()
    services = Services.build(unit_settings(tmp_path / "fuzz.sqlite3"), clock=clock)
    world = World(services, clock)
    loop.run_until_complete(services.open())
    loop.run_until_complete(world.setup())
    loop.run_until_complete(world.member("Thandi", -26.2, 28.04))
    loop.run_until_complete(world.alert("Zanele", "-26.2041, 28.0473"))
    world.users["Mallory"] = 666

    async def one(who: str, command: str, args: list[str], private: bool) -> None:
        caller = world.private(who) if private else world.group(who)
        raw = " ".join(args)
        # As the handlers do: parse (handlers/parsing.py), then make the one core call.
        code = lambda name: parsing.alert_code(args, name)  # noqa: E731
        calls = {
            "claim": lambda: services.alerts.claim(caller, code("claim")),
            "close": lambda: services.alerts.close(caller, code("close")),
            "cancel": lambda: services.alerts.cancel(caller, code("cancel")),
            "assign": lambda: services.alerts.assign(
                caller, *parsing.code_and_alias(args, "assign", "assign.usage")
            ),
            "note": lambda: services.alerts.note(caller, *parsing.code_and_text(args, raw, "note")),
            "place": lambda: services.squads.place(caller, parsing.place(args, raw)),
            "alias": lambda: services.members.set_alias(caller, raw),
            "setup": lambda: services.squads.setup(caller, raw, is_admin=who == "Nomsa"),
            "pin": lambda: services.privacy.pin(caller, code("pin")),
            "hygiene": lambda: services.privacy.set_hygiene(
                caller, parsing.on_off(args, "hygiene.usage")
            ),
            "lead": lambda: services.squads.set_role(caller, parsing.alias(args), None, Role.LEAD),
            "observer": lambda: services.squads.set_role(
                caller, parsing.alias(args), None, Role.OBSERVER
            ),
            "remove": lambda: services.squads.set_role(caller, parsing.alias(args), None, None),
            "press": lambda: _press(services, caller, raw),
            "skills": lambda: services.skills.show(caller, parsing.alias(args)),
            "needs": lambda: services.skills.needs(caller, parsing.needs(args)),
        }
        before = await world.snapshot()
        try:
            result = await calls[command]()
        except Refused as refusal:  # the parser refused: the core was never asked
            result = refusal.reply
        if not result.ok:
            assert await world.snapshot() == before, (who, command, args)

    @settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.sampled_from(["Mallory", "Thandi", "Nomsa"]),
        st.sampled_from(COMMANDS),
        st.lists(
            st.one_of(
                TEXT,
                st.sampled_from(
                    ["add", "list", "remove", "#ZZZZ", "on", "Thandi", "arrest", "peer"]
                ),
            ),
            max_size=4,
        ),
        st.booleans(),
    )
    def check(who: str, command: str, args: list[str], private: bool) -> None:
        loop.run_until_complete(one(who, command, args, private))

    try:
        check()
    finally:
        loop.run_until_complete(services.close())
        loop.close()


async def _press(services: Services, caller: Caller, data: str) -> Any:
    press = decode(data)
    if press is None:
        from bot.intents import refuse

        return refuse("error")
    return await services.alerts.press(caller, press.action, press.alert_id, press.arg)
