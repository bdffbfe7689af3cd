"""Keep the gettext catalogues in step with the English source (``make translations``).

    python -m bot.catalogues update    # write squadline.pot from bot.messages.EN, then merge
                                       # it into every language's .po (new keys come in empty,
                                       # keys whose English changed are marked fuzzy)
    python -m bot.catalogues compile   # compile every .po to .mo (as ``pybabel compile``)
    python -m bot.catalogues new xx    # start a catalogue for language xx
    python -m bot.catalogues fill FILE # put translations from a JSON file into the .po files
                                       # ({"zu": {"key": "sentence" | ["one", "other"]}}):
                                       # only keys the English source has; each one filled
                                       # loses its fuzzy mark

The message ids are the catalogue keys; each entry carries the English sentence as a
comment (``#.``) for the translator. An empty or fuzzy entry falls back to English.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE, po_path
from bot.messages import EN, PLURALS

POT = LOCALE_DIR / f"{DOMAIN}.pot"
PROJECT = "Squadline"


def _english(key: str) -> str:
    if key in PLURALS:
        return f"one: {PLURALS[key][1]}\nother: {EN[key]}"
    return EN[key]


def _said(message: Message) -> str:
    """The English a .po entry was translated from (its ``#.`` lines, unwrapped)."""
    return " ".join(" ".join(message.auto_comments).split())


def template() -> Catalog:
    """The catalogue template, from the English source."""
    pot = Catalog(project=PROJECT, domain=DOMAIN, fuzzy=False)
    for key in EN:
        msgid: str | tuple[str, str] = (key, key) if key in PLURALS else key
        pot.add(msgid, auto_comments=[_english(key)])
    return pot


def _entries(catalog: Catalog) -> list[tuple[object, ...]]:
    def text(m: Message) -> object:
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        return tuple(forms) if any(forms) else ""

    return [(m.id, text(m), _said(m), m.fuzzy) for m in catalog if m.id]


def _unchanged(catalog: Catalog, path: Path) -> bool:
    """Nothing but the header would change (so the file is left alone: no churn in git)."""
    if not path.exists():
        return False
    with path.open("rb") as f:
        return _entries(read_po(f)) == _entries(catalog)


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, ignore_obsolete=True, sort_output=False)


def update() -> list[Path]:
    """Write the .pot and merge it into every language's .po; returns the files written."""
    pot = template()
    written = []
    if not _unchanged(pot, POT):
        _write(pot, POT)
        written.append(POT)
    for lang in LANGUAGES:
        path = po_path(lang)
        if lang == SOURCE or not path.exists():
            continue
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang)
        changed = {
            m.id
            for m in catalog
            if m.id and m.id in pot and m.string and _said(m) != _said(pot[m.id])
        }
        catalog.update(pot, no_fuzzy_matching=True, update_header_comment=False)
        for message in catalog:
            if message.id in changed:
                message.flags.add("fuzzy")  # the English changed: check the translation
        if not _unchanged(catalog, path):
            _write(catalog, path)
            written.append(path)
    return written


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every ``.po`` under ``locale_dir`` to ``.mo`` beside it."""
    out = []
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = po.parent.parent.name
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as f:
            write_mo(f, catalog)
        out.append(mo)
    return out


def new(lang: str) -> Path:
    path = po_path(lang)
    if path.exists():
        raise SystemExit(f"{path} exists already")
    catalog = Catalog(locale=lang, project=PROJECT, domain=DOMAIN, fuzzy=False)
    catalog.update(template(), no_fuzzy_matching=True)
    _write(catalog, path)
    return path


def fill(source: Path) -> list[Path]:
    """Translations from a JSON file (e.g. written by a reviewer) into the .po files."""
    given = json.loads(source.read_text(encoding="utf-8"))
    written = []
    for lang, entries in given.items():
        path = po_path(lang)
        if not isinstance(entries, dict) or not path.exists():
            continue
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang)
        for key, value in entries.items():
            message = catalog.get(key)
            if key not in EN or message is None:
                continue
            if isinstance(message.id, tuple):
                forms = [value] if isinstance(value, str) else list(value)
                forms += [forms[-1]] * (catalog.num_plurals - len(forms))
                message.string = tuple(forms[: catalog.num_plurals])
            elif isinstance(value, str):
                message.string = value
            message.flags.discard("fuzzy")
        if not _unchanged(catalog, path):
            _write(catalog, path)
            written.append(path)
    return written


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "update":
        paths = update()
    elif command == "compile":
        paths = compile_all()
    elif command == "new" and len(argv) == 3:
        paths = [new(argv[2])]
    elif command == "fill" and len(argv) == 3:
        paths = fill(Path(argv[2]))
    else:
        print(__doc__)
        return 2
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
