"""Crisis types: what each needs by default, and how many members a wave asks. Pure: no I/O.

A type needs a team: one slot per need, and each need is the skills that can fill that slot,
in order of preference. Sexual assault needs two slots (a health worker, and a peer
educator); physical assault needs one, filled by a peer educator, or else a health worker.
No needs at all means one slot that any member can fill.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain import Alert, CrisisType, Skill

Need = tuple[Skill, ...]  # the skills that can fill one slot, in order of preference
Needs = tuple[Need, ...]  # one need per slot; empty: one slot for anyone

DEFAULT_NEEDS: Mapping[CrisisType, Needs] = {
    CrisisType.ARREST: ((Skill.PARALEGAL,),),
    CrisisType.ASSAULT: ((Skill.PEER, Skill.HEALTH),),
    CrisisType.SEXUAL: ((Skill.HEALTH,), (Skill.PEER,)),
    CrisisType.HEALTH: ((Skill.HEALTH,),),
    CrisisType.ROBBERY: (),
    CrisisType.HARASSMENT: ((Skill.PARALEGAL, Skill.PEER),),
    CrisisType.MISSING: (),
    CrisisType.OTHER: (),
}

# How many members one wave of offers asks at once, per type (SQUADLINE_WAVES overrides).
DEFAULT_WAVES: Mapping[CrisisType, int] = {
    CrisisType.ARREST: 3,
    CrisisType.SEXUAL: 3,
    CrisisType.HEALTH: 3,
}
WAVE_FALLBACK = 1


def needs_for(kind: CrisisType, overrides: Mapping[CrisisType, Needs]) -> Needs:
    """What ``kind`` needs in a squad with ``overrides`` (a lead's changes)."""
    return overrides[kind] if kind in overrides else DEFAULT_NEEDS[kind]


def parse_needs(raw: str) -> Needs | None:
    """What a lead types: ``health, peer`` (two slots), ``peer/health`` (one slot, a peer
    educator or else a health worker), or ``anyone``. ``None`` if a word is not a skill, a
    skill repeats, or nothing is given."""
    text = raw.strip().lower()
    if text == "anyone":
        return ()
    parts = [p.strip() for p in text.split(",")]
    if not parts or any(not p for p in parts):
        return None
    try:
        needs = tuple(tuple(Skill(w.strip()) for w in part.split("/")) for part in parts)
    except ValueError:
        return None
    every = [k for need in needs for k in need]
    if len(set(every)) != len(every):
        return None
    return needs


def stored_needs(needs: Needs) -> str:
    """How needs are kept in the database: ``health,peer`` or ``peer/health``."""
    return ",".join("/".join(k.value for k in need) for need in needs)


def parse_stored_needs(raw: str) -> Needs:
    return tuple(tuple(Skill(w) for w in part.split("/")) for part in raw.split(",") if part)


def may_be_offered(alert: Alert, skills: frozenset[Skill]) -> bool:
    """A police liaison is offered an alert, may hold it, or see its location, only once the
    reporter or a responder has recorded consent to involve the police for that alert."""
    return Skill.POLICE not in skills or alert.police_consent
