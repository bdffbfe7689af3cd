"""The handlers' parsers turn arguments into typed values; a parse error is a clear refusal."""

from __future__ import annotations

import inspect
import typing

import pytest

from bot.geo import Point
from bot.intents import Refused
from bot.services import Services
from handlers import parsing


def refusal_key(call: object) -> str:
    with pytest.raises(Refused) as caught:
        call()  # type: ignore[operator]
    text = caught.value.reply.text
    assert text is not None and not caught.value.reply.ok
    return text.key


def test_alert_codes_are_normalised_or_refused() -> None:
    assert parsing.alert_code(["#ab3k"], "claim") == "AB3K"
    assert refusal_key(lambda: parsing.alert_code([], "claim")) == "missing_code"
    assert refusal_key(lambda: parsing.alert_code(["K0O1"], "claim")) == "bad_code"


def test_a_note_keeps_its_words_as_typed() -> None:
    assert parsing.code_and_text(["ABCD", "walked", "home"], "ABCD walked  home", "note") == (
        "ABCD",
        " walked  home",
    )
    assert refusal_key(lambda: parsing.code_and_alias(["ABCD"], "assign", "assign.usage")) == (
        "assign.usage"
    )
    assert parsing.code_and_alias(["ABCD", "@Lindi", "M"], "assign", "u") == ("ABCD", "Lindi M")


def test_places_and_switches() -> None:
    added = parsing.place(
        ["add", "Taxi", "Rank", "-26.2005,", "28.0455"], "add Taxi Rank -26.2005, 28.0455"
    )
    assert added.verb == "add" and added.name == "Taxi Rank"
    assert added.point == Point(-26.2005, 28.0455)
    assert parsing.place(["list"], "list").verb == "list"
    assert parsing.place(["remove", "x"], "remove x").name == "x"
    assert refusal_key(lambda: parsing.place(["add", "Rank"], "add Rank")) == "place.usage"
    assert refusal_key(lambda: parsing.place(["add", "R", "95.1,", "1.2"], "add R 95.1, 1.2")) == (
        "coords.lat_range"
    )
    assert refusal_key(lambda: parsing.place([], "")) == "place.usage"
    assert parsing.on_off(["OFF"], "u") is False
    assert refusal_key(lambda: parsing.on_off(["maybe"], "hygiene.usage")) == "hygiene.usage"


def test_no_core_use_case_takes_an_argument_list() -> None:
    """Handlers parse; the core takes typed values (a code, an alias, a request)."""
    offenders, checked = [], 0
    for name, service in typing.get_type_hints(Services).items():
        for method_name, method in inspect.getmembers(service, inspect.iscoroutinefunction):
            if method_name.startswith("_"):
                continue
            checked += 1
            for parameter in inspect.signature(method).parameters.values():
                if "list[str]" in str(parameter.annotation):
                    offenders.append(f"{name}.{method_name}({parameter.name})")
    assert checked > 30, "the check looked at the use cases"
    assert not offenders
