"""The medical windows after a sexual assault, pure, from when it happened.

Defaults: HIV post-exposure prophylaxis (PEP) as soon as possible, within 72 hours, ideally
within 24 (WHO, Guidelines for HIV post-exposure prophylaxis, 2024); emergency contraception
within 120 hours (WHO, Emergency contraception fact sheet); a forensic examination within
72 hours (a common protocol limit, not a WHO rule: local protocols use 72 to 120 hours).
Each window, and the reminder points before each window closes, is a setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.clocks.model import ClockKind
from bot.config import Settings


@dataclass(frozen=True)
class MedicalRules:
    windows: Mapping[ClockKind, float]  # seconds after the assault
    pep_ideal_s: float
    before_s: tuple[float, ...]  # reminder points: seconds before a window closes


def medical_rules(settings: Settings) -> MedicalRules:
    return MedicalRules(
        windows={
            ClockKind.PEP: settings.pep_window.total_seconds(),
            ClockKind.EC: settings.ec_window.total_seconds(),
            ClockKind.FORENSIC: settings.forensic_window.total_seconds(),
        },
        pep_ideal_s=settings.pep_ideal.total_seconds(),
        before_s=tuple(d.total_seconds() for d in Settings.durations(settings.medical_reminders)),
    )


def window_closes(kind: ClockKind, assaulted_at: float, rules: MedicalRules) -> float:
    return assaulted_at + rules.windows[kind]


def reminder_times(closes_at: float, rules: MedicalRules) -> list[float]:
    """Each reminder point before the window closes, earliest first."""
    return sorted(closes_at - before for before in rules.before_s)
