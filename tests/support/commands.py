"""Typed command values for unit tests, made by the same parsers the handlers use."""

from __future__ import annotations

from bot.squads import PlaceRequest
from handlers import parsing


def place(text: str) -> PlaceRequest:
    """``place("add Clinic -26.2, 28.04")``: what ``/place add Clinic -26.2, 28.04`` parses to."""
    return parsing.place(text.split(), text)
