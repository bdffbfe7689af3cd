"""Typed command values for unit tests, made by the same parsers the handlers use."""

from __future__ import annotations

from bot.fund.amounts import FundCommand
from bot.squads import PlaceRequest
from handlers import parsing


def place(text: str) -> PlaceRequest:
    """``place("add Clinic -26.2, 28.04")``: what ``/place add Clinic -26.2, 28.04`` parses to."""
    return parsing.place(text.split(), text)


def fund(words: str) -> FundCommand:
    """``/fund words`` as the handler parses it (``fund("add 12,50 raffle")``)."""
    return parsing.fund(words.split(), words)
