"""Crisis types: what each needs by default, and how many members a wave asks (the words in
an alert's text that choose a type are in ``bot.crisis_words``). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain import CrisisType, Skill

# What each type needs, one slot per skill, in order; an empty tuple means one slot for
# anyone. A lead can change these for the squad (/needs).
DEFAULT_NEEDS: Mapping[CrisisType, tuple[Skill, ...]] = {
    CrisisType.ARREST: (Skill.PARALEGAL,),
    CrisisType.ASSAULT: (Skill.PEER, Skill.HEALTH),
    CrisisType.SEXUAL: (Skill.HEALTH, Skill.PEER),
    CrisisType.HEALTH: (Skill.HEALTH,),
    CrisisType.ROBBERY: (Skill.PEER,),
    CrisisType.HARASSMENT: (Skill.PARALEGAL,),
    CrisisType.MISSING: (Skill.PEER,),
    CrisisType.OTHER: (),
}

# How many members one wave of offers asks at once, per type (SQUADLINE_WAVES overrides).
DEFAULT_WAVES: Mapping[CrisisType, int] = {
    CrisisType.ARREST: 3,
    CrisisType.SEXUAL: 3,
    CrisisType.HEALTH: 3,
}
WAVE_FALLBACK = 1


def needs_for(
    kind: CrisisType, overrides: Mapping[CrisisType, Sequence[Skill]]
) -> tuple[Skill, ...]:
    """The skills ``kind`` needs in a squad with ``overrides`` (a lead's changes)."""
    if kind in overrides:
        return tuple(overrides[kind])
    return DEFAULT_NEEDS[kind]


def parse_needs(raw: str) -> tuple[Skill, ...] | None:
    """``paralegal,health`` (or ``anyone``) as skills; ``None`` if a word is not a skill or
    one repeats."""
    words = [w.strip().lower() for w in raw.replace(" ", ",").split(",") if w.strip()]
    if words == ["anyone"]:
        return ()
    try:
        skills = tuple(Skill(w) for w in words)
    except ValueError:
        return None
    if not skills or len(set(skills)) != len(skills):
        return None
    return skills
