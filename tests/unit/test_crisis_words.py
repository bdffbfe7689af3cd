"""The words that choose an alert's crisis type: every language, whole words, priority."""

from __future__ import annotations

import pytest

from bot.crisis_words import PRIORITY, WORDS, classify, fold, matches
from bot.domain import CrisisType as C
from bot.i18n import LANGUAGES

# Alert texts as reporters write them: short, in a hurry, sometimes in capitals.
ALERTS: list[tuple[str, str, C]] = [
    # English
    ("en", "Lindiwe got arrested outside the Carlton, please come", C.ARREST),
    ("en", "police took her from the corner of Twist St", C.ARREST),
    ("en", "She's been detained at Hillbrow station, in the cells since 2am", C.ARREST),
    ("en", "I was RAPED by a client, need help now", C.SEXUAL),
    ("en", "sexual assault at the hotel, room 12", C.SEXUAL),
    ("en", "my friend OD'd, she is unconscious", C.HEALTH),
    ("en", "Thandi took something, think it's an OD", C.HEALTH),
    ("en", "bleeding a lot from the head", C.HEALTH),
    ("en", "a client beat her up behind the garage", C.ASSAULT),
    ("en", "He stabbed Zodwa!!", C.ASSAULT),
    ("en", "the guy hit me and ran off", C.ASSAULT),
    ("en", "I got robbed, they took my phone and money", C.ROBBERY),
    ("en", "mugged on the bridge", C.ROBBERY),
    ("en", "cops harassing us at the rank again", C.HARASSMENT),
    ("en", "officer wants a bribe or he says he will lock me up tomorrow", C.HARASSMENT),
    ("en", "landlord evicted me tonight", C.HARASSMENT),
    ("en", "kicked out of my room by the owner", C.HARASSMENT),
    ("en", "Nomvula is missing since Friday", C.MISSING),
    ("en", "can't reach Precious, phone is off", C.MISSING),
    ("en", "we cannot find her anywhere", C.MISSING),
    # isiZulu
    ("zu", "Usizo! UThandi uboshiwe ngamaphoyisa eHillbrow", C.ARREST),
    ("zu", "amaphoyisa amthathile uZodwa", C.ARREST),
    ("zu", "usesitokisini kusukela izolo", C.ARREST),
    ("zu", "udlwenguliwe yikhasimende", C.SEXUAL),
    ("zu", "uqulekile, siza ngokushesha", C.HEALTH),
    ("zu", "ushayiwe yikhasimende emgwaqeni", C.ASSAULT),
    ("zu", "ugwaziwe ngommese", C.ASSAULT),
    ("zu", "ngiphangiwe, bathathe ifoni yami", C.ROBBERY),
    ("zu", "umnikazi wendlu usixoshile, siyaxoshwa namuhla", C.HARASSMENT),
    ("zu", "uNomsa ulahlekile kusukela ngoLwesihlanu", C.MISSING),
    # Afrikaans
    ("af", "Sy is gearresteer by die garage", C.ARREST),
    ("af", "die polisie het haar gevat, sy is in die selle", C.ARREST),
    ("af", "ek is verkrag, help asseblief", C.SEXUAL),
    ("af", "oordosis by die hostel, sy is bewusteloos", C.HEALTH),
    ("af", "'n kliënt het haar aangerand", C.ASSAULT),
    ("af", "ek is beroof by die taxi rank", C.ROBBERY),
    ("af", "die polisie teister ons elke aand", C.HARASSMENT),
    ("af", "ons is uitgesit deur die eienaar", C.HARASSMENT),
    ("af", "Marie is vermis sedert Vrydag", C.MISSING),
    ("af", "ons kan haar nie kry nie", C.MISSING),
    # Portuguese
    ("pt", "A Ana foi presa pela polícia agora", C.ARREST),
    ("pt", "ele está detido na esquadra", C.ARREST),
    ("pt", "Fui estuprada por um cliente", C.SEXUAL),
    ("pt", "ela foi violada ontem à noite", C.SEXUAL),
    ("pt", "overdose no quarto 4, está inconsciente", C.HEALTH),
    ("pt", "Fui assaltada na paragem", C.ROBBERY),
    ("pt", "roubaram o meu telemóvel", C.ROBBERY),
    ("pt", "ela foi agredida pelo cliente", C.ASSAULT),
    ("pt", "espancada na rua", C.ASSAULT),
    ("pt", "o polícia pediu suborno", C.HARASSMENT),
    ("pt", "a Joana está desaparecida desde sexta", C.MISSING),
    ("pt", "não consigo encontrar a minha amiga", C.MISSING),
    # Kiswahili
    ("sw", "Amina amekamatwa na polisi usiku huu", C.ARREST),
    ("sw", "yuko mahabusu tangu jana", C.ARREST),
    ("sw", "amebakwa na mteja", C.SEXUAL),
    ("sw", "anavuja damu nyingi, amezimia", C.HEALTH),
    ("sw", "nimeibiwa simu na pesa", C.ROBBERY),
    ("sw", "amepigwa na mteja karibu na baa", C.ASSAULT),
    ("sw", "polisi wanaomba rushwa", C.HARASSMENT),
    ("sw", "Rehema hajulikani alipo tangu Ijumaa", C.MISSING),
    ("sw", "simu yake hapatikani", C.MISSING),
]


@pytest.mark.parametrize(("lang", "text", "kind"), ALERTS, ids=[a[1][:40] for a in ALERTS])
def test_an_alert_text_chooses_its_crisis_type(lang: str, text: str, kind: C) -> None:
    assert classify(text) is kind


def test_every_language_the_bot_speaks_has_words_for_every_type_but_other() -> None:
    assert set(WORDS) == set(LANGUAGES)
    covered = {lang for lang, _, _ in ALERTS}
    assert covered == set(LANGUAGES)
    for lang, table in WORDS.items():
        assert set(table) == set(PRIORITY), lang
        assert all(table[kind] for kind in PRIORITY), lang
    assert C.OTHER not in PRIORITY and set(PRIORITY) == set(C) - {C.OTHER}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "please come to the corner of Twist and Pretoria",
        "need someone at the Carlton, -26.19, 28.04",
        "odd client, something feels off",  # "od" only as a whole word
        "at the Odeon",
        "call me back please",
        "the client hit the road",  # "hit" alone is not an assault
        "Sawubona, ngicela ungishayele",  # isiZulu "call me", not "hit me"
        "Ek is op die dak, nie die roof nie",  # Afrikaans "roof" only as "roof my"
        "A Maria bateu à porta",  # Portuguese: knocked at the door
        "Ombi hili la kujiunga tayari limejibiwa",  # Kiswahili "answered", not "stolen"
        "Robert is with me",
    ],
)
def test_a_text_without_a_crisis_word_chooses_nothing(text: str) -> None:
    assert classify(text) is None


@pytest.mark.parametrize(
    ("text", "both", "winner"),
    [
        ("she was raped and then arrested", {C.SEXUAL, C.ARREST}, C.SEXUAL),
        ("arrested and beaten by the police", {C.ARREST, C.ASSAULT}, C.ARREST),
        ("beaten, bleeding from the head", {C.ASSAULT, C.HEALTH}, C.HEALTH),
        ("robbed and stabbed", {C.ROBBERY, C.ASSAULT}, C.ASSAULT),
        ("robbed by cops who wanted a bribe", {C.ROBBERY, C.HARASSMENT}, C.ROBBERY),
        ("missing since the police harassed her", {C.MISSING, C.HARASSMENT}, C.HARASSMENT),
        ("Ela foi estuprada e espancada", {C.SEXUAL, C.ASSAULT}, C.SEXUAL),
        ("amekamatwa na amepigwa", {C.ARREST, C.ASSAULT}, C.ARREST),
    ],
)
def test_when_several_types_match_the_most_urgent_need_wins(
    text: str, both: set[C], winner: C
) -> None:
    assert matches(text) == both
    assert classify(text) is winner


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ARRESTED!!!", C.ARREST),
        ("(raped)", C.SEXUAL),
        ("...she OD'D...", C.HEALTH),
        ("she OD’d", C.HEALTH),  # a typographic apostrophe
        ("'robbed'", C.ROBBERY),
        ("I CAN’T REACH HER", C.MISSING),
        ("violação", C.SEXUAL),  # accents are dropped ...
        ("violacao", C.SEXUAL),  # ... so both spellings match
        ("Não consigo encontrar a Ana", C.MISSING),
        ("nao consigo encontrar a Ana", C.MISSING),
        ("agredida,espancada", C.ASSAULT),
        ("bateram-me", C.ASSAULT),
        ("Uboshiwe.", C.ARREST),
    ],
)
def test_punctuation_capitals_and_accents_do_not_matter(text: str, kind: C) -> None:
    assert classify(text) is kind


def test_every_entry_is_written_as_it_is_matched() -> None:
    """An entry with a capital or an accent could never match the folded text."""
    for lang, table in WORDS.items():
        for entries in table.values():
            for entry in entries:
                assert fold(entry.replace("*", "x")) == entry.replace("*", "x"), (lang, entry)


def test_the_translations_of_the_bots_sentences_name_no_crisis_their_english_does_not() -> None:
    """A broad sample of real prose in each language: the catalogues talk about alerts,
    members and the police. A translation may name only the crisis types its English
    source names (a word list that catches ordinary words would show here)."""
    from babel.messages.pofile import read_po

    from bot.english import EN
    from bot.i18n import SOURCE, po_path

    checked, wrong = 0, []
    for lang in sorted(set(LANGUAGES) - {SOURCE}):
        with po_path(lang).open("rb") as f:
            catalogue = read_po(f)
        for message in catalogue:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            value = message.string
            texts = list(value) if isinstance(value, tuple) else [value or ""]
            allowed = matches(EN.get(key, "")) | {C.MISSING}  # "I can't reach you"
            for text in texts:
                checked += 1
                if matches(text) - allowed:
                    wrong.append((lang, key, sorted(matches(text) - allowed)))
    assert checked > 1000
    assert not wrong


def _reference(text: str) -> set[C]:
    """The types found by testing every entry alone, each between word edges."""
    import re

    from bot.crisis_words import _entries_of, _pattern

    folded = fold(text)
    return {
        kind
        for kind in PRIORITY
        if any(
            re.search(r"(?<![\w'])" + _pattern(entry) + r"(?![\w'])", folded)
            for entry in _entries_of(kind)
        )
    }


def test_one_alternation_per_type_finds_exactly_what_each_entry_alone_finds() -> None:
    """Each type's words are searched as one pattern: every entry, and every near miss (the
    entry run into a longer word, or with an apostrophe after it), finds the same types as
    testing each entry on its own."""
    from bot.crisis_words import _entries_of

    texts = [text for _, text, _ in ALERTS]
    for kind in PRIORITY:
        for entry in _entries_of(kind):
            word = entry.replace("*", "x")
            texts += [
                f"help {word} now",
                f"{word}s",
                f"x{word}",
                f"{word}'s gone",
                f"'{word}'",
                f"{word}",
            ]
    assert len(texts) > 2000
    differing = [t for t in texts if matches(t) != _reference(t)]
    assert differing == []
    assert any(matches(t) for t in texts) and any(not matches(t) for t in texts)
