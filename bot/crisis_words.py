"""The words in an alert's text that choose its crisis type, in every language the bot
speaks. Pure: no I/O.

The text's language is not known (a reporter writes as they speak, often mixing), so every
language's words are looked for in every text. When words of several types are found, the
most urgent need wins, in the fixed order of ``PRIORITY``. No word found: ``None``, and the
alert is dispatched as "other" until someone chooses a type.

How an entry matches, after the text is lower-cased and its accents are dropped:
- ``word`` matches that whole word only ("od" is not "odd" or "odeon");
- ``word*`` a word that starts so ("arrest*": arrest, arrested, arrests);
- ``*word`` a word that ends so, ``*word*`` a word that holds it: for isiZulu and
  Kiswahili, whose verbs carry who and when as prefixes ("*kamatwa": amekamatwa,
  wamekamatwa, kukamatwa);
- several words are a phrase, each matched as above; ``*`` alone is any one word
  ("kan * nie kry": kan haar nie kry, kan hom nie kry).

Words that are common in another sense are only listed in a phrase that makes the crisis
clear: "hit" alone is left out ("hit me", "hit her" are in), "kicked" too (so "kicked out"
is an eviction), Afrikaans "roof" is English for a roof, isiZulu "shaya" is also "call"
(ukushayela ucingo), and Portuguese "bateu" also "knocked".

The lists other than English are unreviewed drafts, like the first translations: a speaker
of each language should read them (and add the words people really use) before they are
trusted. A wrong or missing word only changes the first guess of a type, which a lead or
responder can change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from bot.domain import CrisisType

C = CrisisType

# The most urgent needs first: a text with words of several types gets the first of them.
PRIORITY: tuple[CrisisType, ...] = (
    C.SEXUAL,
    C.ARREST,
    C.HEALTH,
    C.ASSAULT,
    C.ROBBERY,
    C.HARASSMENT,
    C.MISSING,
)

# The tables are kept dense on purpose: one word per line would be hundreds of lines.
# fmt: off
ENGLISH: Mapping[CrisisType, tuple[str, ...]] = {
    C.ARREST: (
        "arrest*", "detain*", "detention", "in custody", "in the cells", "police cell*",
        "in jail", "jailed", "locked up", "handcuff*", "police took", "cops took",
        "taken by police", "taken by the police", "picked up by police",
        "picked up by the police", "police picked * up", "police van",
    ),
    C.SEXUAL: (
        "rape", "raped", "rapes", "raping", "rapist*", "sexual assault*", "sexually assaulted",
        "sexual abuse", "sexually abused", "forced sex", "forced her to have sex",
    ),
    C.HEALTH: (
        "overdos*", "od", "od'd", "od'ed", "oding", "bleeding", "bleeds", "unconscious",
        "not breathing", "can't breathe", "cannot breathe", "cant breathe", "fainted",
        "passed out", "seizure*", "collapsed", "ambulance", "injured", "hit by a car",
        "knocked down by", "very sick", "unresponsive",
    ),
    C.ASSAULT: (
        "assault*", "attacked", "beaten", "beating", "beat me", "beat her", "beat him",
        "beat us", "beat them", "hit me", "hit her", "hit him", "hit us", "hitting me",
        "hitting her", "hitting him", "punched", "kicked me", "kicked her", "kicked him",
        "stabbed", "stabbing", "got shot", "was shot", "been shot", "shot at", "strangled",
        "choked her", "choked me",
    ),
    C.ROBBERY: (
        "robbed", "robbery", "robber*", "robbing", "mugged", "mugging", "stole", "stolen",
        "steal*", "snatched", "hijack*", "at gunpoint", "at knifepoint",
    ),
    C.HARASSMENT: (
        "harass*", "extort*", "evict*", "bribe*", "threaten*", "intimidat*", "stalking",
        "stalked", "kicked out", "thrown out", "wants money from",
    ),
    C.MISSING: (
        "missing", "can't reach", "cannot reach", "cant reach", "can not reach",
        "can't find", "cannot find", "cant find", "can not find", "disappeared",
        "not answering", "not picking up", "unreachable", "phone is off",
        "haven't heard from", "havent heard from", "no one has seen",
    ),
}

# isiZulu: verbs carry their subject and tense as prefixes, so most entries are stems.
ZULU: Mapping[CrisisType, tuple[str, ...]] = {
    C.ARREST: (
        "*boshiwe", "*boshwe", "*boshwa", "*botshiwe", "*botshwe", "*botshwa", "*ejele",
        "ijele", "*sitokisini", "isitokisi", "amaphoyisa *thath*", "amaphoyisa *thethe",
    ),
    C.SEXUAL: (
        "*dlwengul*", "*hlukunyezw* ngokocansi", "*hlukumez* ngokocansi", "*hlaselw* ngokocansi",
    ),
    C.HEALTH: (
        "uyopha", "uyophela", "igazi", "igazi eliningi", "*qulek*", "akaphefumuli",
        "engaphefumuli", "uyagula", "ugula kakhulu", "ambulensi",
    ),
    C.ASSAULT: (
        "*shayiwe", "*shaywa", "*shaywe", "bamshaya", "bamshayile", "umshayile",
        "*gwaziwe", "*gwazwe", "*gwazwa", "bamgwaza", "bamgwazile", "*dubuliwe",
    ),
    C.ROBBERY: ("*phangiwe", "*phangwe", "*phangwa", "*ntshontsh*", "*ebiwe", "izigebengu"),
    C.HARASSMENT: (
        "*hlukumez*", "*hlukunyezw*", "*xoshiwe", "*xoshwe", "*xoshwa", "*fumbathis*",
        "*sabis*",
    ),
    C.MISSING: (
        "*lahlekile", "akatholakali", "angimtholi", "asimtholi", "*nyamalal*",
        "alubambi", "akabambeki",
    ),
}

AFRIKAANS: Mapping[CrisisType, tuple[str, ...]] = {
    C.ARREST: (
        "gearresteer", "arresteer*", "in hegtenis", "in aanhouding", "in die selle",
        "in die sel", "in die tronk", "opgesluit", "polisie het * gevat",
        "polisie het * gevang",
    ),
    C.SEXUAL: ("verkrag*", "seksueel aangerand", "seksuele aanranding", "seksueel misbruik"),
    C.HEALTH: (
        "oordosis", "bloei", "bloeiend", "bloei baie", "bewusteloos", "asem nie",
        "flou geword", "flougeval", "ambulans", "baie siek", "beseer",
    ),
    C.ASSAULT: (
        "aangerand", "aanrand*", "geslaan", "gesteek", "geskiet", "geskop",
        "slaan haar", "slaan hom", "slaan my",
    ),
    C.ROBBERY: ("beroof", "berowe", "gesteel", "steel my", "roof my", "rowers"),
    C.HARASSMENT: (
        "teister*", "geteister", "lastig geval", "afpers*", "afgepers", "uitgesit",
        "omkoop*", "omgekoop", "gedreig", "dreig*",
    ),
    C.MISSING: (
        "vermis", "vermiste", "kan * nie kry", "kan * nie bereik", "kan nie bereik",
        "verdwyn", "verdwene", "antwoord nie haar foon", "antwoord nie sy foon", "nie gesien nie",
    ),
}

# Portuguese, accents dropped ("violação" is written "violacao" here, and matches both).
PORTUGUESE: Mapping[CrisisType, tuple[str, ...]] = {
    C.ARREST: (
        "preso", "presa", "presos", "presas", "prenderam", "prendeu", "detid*", "detencao",
        "na cadeia", "na esquadra", "na delegacia", "policia levou", "algemad*",
    ),
    C.SEXUAL: (
        "estupr*", "violada", "violadas", "violacao", "abuso sexual", "abusada sexualmente",
        "abusado sexualmente", "agressao sexual", "violencia sexual",
    ),
    C.HEALTH: (
        "overdose", "sobredosagem", "sangrando", "sangrar", "sangra", "sangramento",
        "perdendo sangue", "muito sangue", "inconsciente", "desmai*", "nao respira",
        "nao esta a respirar", "nao esta respirando", "ambulancia", "convuls*", "ferida",
        "ferido", "feridos",
    ),
    C.ASSAULT: (
        "agredid*", "agrediram", "agressao", "espancad*", "espancaram", "bateram nela",
        "bateram nele", "bateram me", "bateram em mim", "bateu nela", "bateu nele",
        "bateu em mim", "me bateu", "esfaquead*", "facada*", "baleado", "baleada",
        "levou um tiro",
    ),
    C.ROBBERY: ("assaltad*", "assalto", "assaltaram", "roubad*", "roubaram", "roubo", "roubou"),
    C.HARASSMENT: (
        "assedi*", "extorsao", "extorqu*", "despejad*", "despejo", "suborno", "subornar",
        "propina", "chantage*", "ameaca*", "ameacou", "ameacad*", "ameacar*", "ameacaram",
    ),
    C.MISSING: (
        "desaparecid*", "desapareceu", "sumiu", "nao consigo encontrar",
        "nao consigo contactar", "nao consigo falar com", "nao atende",
    ),
}

# Kiswahili: as isiZulu, verbs carry their subject and tense as prefixes.
SWAHILI: Mapping[CrisisType, tuple[str, ...]] = {
    C.ARREST: (
        "*kamatwa", "*mkamata", "mahabusu", "rumande", "polisi wamemchukua",
        "polisi walimchukua",
    ),
    C.SEXUAL: (
        "*bakwa", "kubaka", "ubakaji", "*najisiwa", "unyanyasaji wa kijinsia",
        "ukatili wa kijinsia",
    ),
    C.HEALTH: (
        "overdose", "*vuja damu", "damu nyingi", "*zimia", "hapumui", "hajitambui",
        "ambulensi", "mgonjwa sana", "*jeruhiwa",
    ),
    C.ASSAULT: (
        "*pigwa", "wamempiga", "walimpiga", "amempiga", "*chomwa kisu", "*shambuliwa",
    ),
    C.ROBBERY: (
        "*meibiwa", "*liibiwa", "kuibiwa", "wizi", "wameiba", "aliiba", "majambazi",
        "jambazi", "*porwa", "unyang'anyi",
    ),
    C.HARASSMENT: (
        "*nyanyas*", "rushwa", "hongo", "*fukuzwa", "vitisho", "*tishiwa",
    ),
    C.MISSING: (
        "hajulikani alipo", "haijulikani alipo", "amepotea", "alipotea", "wamepotea",
        "hapatikani", "simpati", "hapokei simu", "*toweka",
    ),
}
# fmt: on

WORDS: Mapping[str, Mapping[CrisisType, tuple[str, ...]]] = {
    "en": ENGLISH,
    "zu": ZULU,
    "af": AFRIKAANS,
    "pt": PORTUGUESE,
    "sw": SWAHILI,
}

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def fold(text: str) -> str:
    """Lower-cased, accents dropped, apostrophes kept only inside words, every other
    character that is not part of a word a single space: the text entries are matched in."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = re.sub(r"(?<!\w)'|'(?!\w)", " ", bare)
    return " ".join(re.sub(r"[^\w']+", " ", bare).split())


def _pattern(entry: str) -> str:
    parts = []
    for token in entry.split():
        if token == "*":
            parts.append(r"[\w']+")
            continue
        core = re.escape(token.strip("*"))
        lead = r"[\w']*" if token.startswith("*") else ""
        trail = r"[\w']*" if token.endswith("*") else ""
        parts.append(f"{lead}{core}{trail}")
    return " ".join(parts)


def _entries_of(kind: CrisisType) -> list[str]:
    return sorted({e for lang in WORDS.values() for e in lang.get(kind, ())})


# Each type's entries in one alternation between word edges; the edges are tested once per
# position, not once per entry (ten times faster than edges around each entry, the same
# matches: an entry that fits but is not followed by an edge lets the next one try).
_PATTERNS = {
    kind: re.compile(
        r"(?<![\w'])(?:" + "|".join(_pattern(e) for e in _entries_of(kind)) + r")(?![\w'])"
    )
    for kind in PRIORITY
}


def matches(text: str) -> set[CrisisType]:
    """Every type whose words are in ``text``."""
    folded = fold(text)
    return {kind for kind, pattern in _PATTERNS.items() if pattern.search(folded)}


def classify(text: str) -> CrisisType | None:
    """The crisis type ``text`` names (the most urgent one of ``PRIORITY`` if it names
    several), or ``None`` when it names none."""
    found = matches(text)
    return next((kind for kind in PRIORITY if kind in found), None)
