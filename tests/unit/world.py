"""Moved to ``tests.support``; these re-exports keep older test files importing and can be
deleted once nothing imports ``tests.unit.world``."""

from tests.support.settings import unit_settings
from tests.support.world import GROUP, Clock, World

__all__ = ["GROUP", "Clock", "World", "unit_settings"]
