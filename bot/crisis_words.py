"""Words in an alert that choose its crisis type (placeholder until the word lists land)."""

from __future__ import annotations

from bot.domain import CrisisType


def classify(text: str) -> CrisisType | None:
    return None
