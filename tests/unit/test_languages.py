"""Squads in their own languages: complete catalogues, raw values formatted in the reader's
language, and who reads which language."""

from __future__ import annotations

import gettext
import shutil
import string
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from bot import catalogues, i18n
from bot.core import Caller
from bot.geo import format_distance
from bot.i18n import LANGUAGES, po_path, supported, template
from bot.intents import Action
from bot.languages import language_of_chat, languages_of_chats
from bot.messages import EN, PLURALS, format_age, listing, moment, render, t
from tests.support import GROUP, World

TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
HERE = (-26.2041, 28.0473)


def _fields(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name is not None}


def _catalogue(lang: str) -> Any:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


def test_at_least_the_languages_the_issue_asks_for() -> None:
    assert {"en", "zu", "af", "pt", "sw"} <= set(LANGUAGES)
    for lang in TRANSLATED:
        assert po_path(lang).exists(), lang


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_language_has_every_key_with_the_same_placeholders(lang: str) -> None:
    catalogue = _catalogue(lang)
    missing, wrong, fuzzy = [], [], []
    for key, english in EN.items():
        message = catalogue.get(key)
        forms = (
            []
            if message is None or not message.string
            else list(message.string)
            if isinstance(message.string, tuple)
            else [message.string]
        )
        if not forms or not all(forms):
            missing.append(key)
            continue
        if message.fuzzy:
            fuzzy.append(key)
        if (key in PLURALS) != isinstance(message.id, tuple):
            wrong.append(key)
        expected = _fields(english)
        wrong += [key for form in forms if _fields(form) != expected]
    assert missing == [], f"{lang}: untranslated (run make translations, then translate)"
    assert wrong == [], f"{lang}: placeholders differ from English"
    assert fuzzy == [], f"{lang}: the English changed; check these translations"
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id} == set(EN)


def _sample(name: str) -> Any:
    return {
        "distance": format_distance(2450.0),
        "age": format_age(7300),
        "ack": format_age(240),
        "close": format_age(5400),
        "names": listing(["Thandi", "Sipho", "Lerato"]),
        "when": moment(1_800_000_000),
        "state": t("state.offered"),
        "role": t("role.lead"),
        "availability": t("availability.busy"),
        "outcome": t("outcome.health"),
        "text": "robbed at the rank",
        "lines": [t("me.fresh"), t("me.stale")],
        "code": "K7QX",
        "command": "claim",
    }.get(name, 3 if name in {p for p, _ in PLURALS.values()} else f"<{name}>")


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_message_renders_in_every_language(lang: str) -> None:
    """With sample values: nothing is left unformatted, and each translated language uses
    its own catalogue (the compiled one), not English."""
    own = 0
    for key, english in EN.items():
        params = {name: _sample(name) for name in _fields(english)}
        shown = render(key, params, lang)
        assert shown and "{" not in shown.replace("{lines}", ""), (lang, key, shown)
        if lang != "en" and shown != render(key, params, "en"):
            own += 1
    if lang != "en":
        assert own > 0.9 * len(EN), (lang, own)


def test_raw_values_are_formatted_in_the_readers_language() -> None:
    params = {"code": "K7QX", "text": "x", "distance": format_distance(2450.0), "stale": ""}
    assert "Distance: 2.5 km." in render("offer.text", params, "en")
    assert "Afstand: 2,5 km." in render("offer.text", params, "af")
    assert "Distância: 2,5 km." in render("offer.text", params, "pt")
    near = {**params, "distance": format_distance(430.0)}
    assert "Umbali: mita 450." in render("offer.text", near, "sw")
    assert render("status.na", None, "pt") == "n/d"
    age = {"age": format_age(7300), "freshness": t("me.fresh")}
    assert render("me.location", age, "en") == "Location: shared 2 hours ago (fresh)."
    assert "2 uur gelede" in render("me.location", age, "af")
    assert "2 amahora" in render("me.location", age, "zu")
    names = {"names": listing(["Thandi", "Sipho", "Lerato"])}
    assert render("status.available_list", names, "en") == "Available: Thandi, Sipho, and Lerato"
    assert render("status.available_list", names, "af") == "Beskikbaar: Thandi, Sipho en Lerato"
    assert render("status.available_list", names, "sw") == "Walio tayari: Thandi, Sipho na Lerato"
    when = {"when": moment(1_800_000_000), "action": "joined", "target": ""}
    assert render("me.audit_entry", when, "en").startswith("• Jan 15, 2027 08:00 · joined")
    assert render("me.audit_entry", when, "pt").startswith("• 15 de jan. de 2027 08:00")


def test_plurals_follow_each_languages_rules() -> None:
    assert render("too_long", {"limit": 1}) == "That is too long: at most 1 character, please."
    assert render("too_long", {"limit": 400}) == "That is too long: at most 400 characters, please."
    assert "1 carácter" in render("too_long", {"limit": 1}, "pt")
    assert "400 caracteres" in render("too_long", {"limit": 400}, "pt")
    assert "1 sekonde kom" in render(
        "alert.need_location_private", {"code": "A", "wait_s": 1}, "af"
    )
    assert "60 sekondes" in render("alert.need_location_private", {"code": "A", "wait_s": 60}, "af")
    assert "amasekhondi angu-60" in render("alert.where_private", {"code": "A", "wait_s": 60}, "zu")
    assert "1,5 uur" in render("location.saved", {"ttl_hours": 1.5}, "af")
    assert "12 horas" in render("location.saved", {"ttl_hours": 12.0}, "pt")
    assert render("location.saved", {}, "pt").startswith("Recebi")  # no number: not English


def test_a_key_a_language_lacks_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(EN, "brand.new", "A sentence nobody translated yet, {name}.")
    assert (
        render("brand.new", {"name": "Lindi"}, "zu") == "A sentence nobody translated yet, Lindi."
    )
    assert render("no.such.key", None, "sw") == "no.such.key"
    assert template("button.accept", "xx") == EN["button.accept"]


def test_the_template_is_current() -> None:
    """``make translations`` was run after the last change to the English source."""
    with catalogues.POT.open("rb") as f:
        pot = read_po(f)
    fresh = catalogues.template()
    assert [m.id for m in pot if m.id] == [m.id for m in fresh if m.id]
    said = {m.id: catalogues._said(m) for m in fresh if m.id}
    assert {m.id: catalogues._said(m) for m in pot if m.id} == said


def test_compiling_gives_catalogues_gettext_loads(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    compiled = catalogues.compile_all(locale)
    assert {p.parent.parent.name for p in compiled} == set(TRANSLATED)
    for lang in TRANSLATED:
        loaded = gettext.translation(i18n.DOMAIN, localedir=locale, languages=[lang])
        assert loaded.gettext("button.accept") == _catalogue(lang)["button.accept"].string
        assert loaded.ngettext("too_long", "too_long", 1) != "too_long"


def test_without_compiled_catalogues_the_po_is_compiled_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    i18n.translations.cache_clear()
    try:
        assert render("button.accept", None, "zu") == _catalogue("zu")["button.accept"].string
    finally:
        i18n.translations.cache_clear()


def test_telegram_codes_map_to_the_languages_spoken() -> None:
    assert supported("zu") == "zu"
    assert supported("pt-BR") == "pt"
    assert supported("af_ZA") == "af"
    assert supported("fr") is None
    assert supported("") is None


# -- who reads which language ----------------------------------------------------------


async def _reader(world: World, chat_id: int) -> str:
    async with world.services.core.store.reading() as db:
        one = await language_of_chat(db, chat_id)
        # The sender's pass reads many chats at once (with a person and a group it does not
        # know): each gets the same language.
        many = await languages_of_chats(db, [chat_id, GROUP, 999_999, -999_999])
    assert many[chat_id] == one
    assert many[999_999] == many[-999_999] == "en"
    return one


async def test_the_telegram_language_then_the_squads_then_english(world: World) -> None:
    await world.member("Thandi")
    thandi = world.users["Thandi"]
    assert await _reader(world, thandi) == "en"  # no Telegram language known, squad in en
    languages = world.services.languages
    assert (await languages.command(world.group("Nomsa"), "af")).ok
    assert await _reader(world, GROUP) == "af"
    assert await _reader(world, thandi) == "af"  # the squad's language
    zulu = replace(world.private("Thandi"), language_code="zu")
    await world.services.members.private_location(zulu, *HERE)
    assert await _reader(world, thandi) == "zu"  # the language her Telegram uses
    assert await _reader(world, GROUP) == "af"  # the group keeps its own
    french = replace(world.private("Thandi"), language_code="fr")
    await world.services.members.private_location(french, *HERE)
    assert await _reader(world, thandi) == "af"  # one the bot does not speak: not kept
    assert await languages.reader(thandi, "zu") == "zu"  # a direct reply: this update's
    assert (await languages.command(world.private("Thandi"), "pt")).ok
    assert await _reader(world, thandi) == "pt"  # chosen beats everything
    assert await languages.reader(thandi, "zu") == "pt"
    assert await _reader(world, 424242) == "en"  # a stranger
    stranger = Caller(424242, 424242, private=True, language_code="sw")
    assert await languages.reader(424242, stranger.language_code) == "sw"
    assert (await languages.command(stranger, "af")).ok  # anyone may choose in private
    assert await _reader(world, 424242) == "af"


async def test_offers_and_cards_are_queued_raw_and_read_per_chat(world: World) -> None:
    """The outbox row holds keys and raw values; the language is picked when it is sent."""
    thandi = await world.member("Thandi", *HERE)
    await world.services.languages.command(world.private("Thandi"), "sw")
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} robbed")
    offer = next(i for i in await world.outbox() if i.member_id == thandi.id and i.text)
    assert offer.text is not None and offer.text.key == "offer.text"
    assert offer.text.params["distance"] == {"metres": 0.0}
    assert await _reader(world, offer.chat_id) == "sw"
    shown = render(offer.text.key, offer.text.params, "sw")
    assert shown.startswith(f"#{alert.code}: unaweza kusaidia?")
    assert "Umbali: < mita 50." in shown


async def test_the_picker_buttons_choose(world: World) -> None:
    await world.member("Thandi")
    languages = world.services.languages
    picker = await languages.command(world.private("Thandi"), "")
    assert picker.text is not None and picker.text.key == "language.pick"
    buttons = [b for row in picker.buttons for b in row]
    assert [b.arg for b in buttons] == list(LANGUAGES)
    assert {b.action for b in buttons} == {Action.LANGUAGE}
    assert {b.alert_id for b in buttons} == {world.users["Thandi"]}
    chosen = await languages.choose(world.private("Thandi"), world.users["Thandi"], "zu")
    assert chosen.ok and chosen.text is not None
    assert render(chosen.text.key, chosen.text.params, "zu").endswith("nge-isiZulu.")
    assert await _reader(world, world.users["Thandi"]) == "zu"


async def test_bad_language_input_changes_nothing(world: World) -> None:
    await world.member("Thandi")
    languages = world.services.languages
    before = await world.snapshot()
    unknown = await languages.command(world.private("Thandi"), "klingon")
    assert not unknown.ok and unknown.text is not None and unknown.text.key == "language.unknown"
    assert unknown.buttons  # and the buttons to pick a real one
    too_many = await languages.command(world.private("Thandi"), "zu af")
    assert not too_many.ok
    forged = await languages.choose(world.private("Thandi"), world.users["Thandi"], "xx")
    assert not forged.ok
    someone_else = await languages.choose(world.private("Thandi"), world.users["Nomsa"], "zu")
    assert not someone_else.ok
    other_squad = await languages.choose(world.group("Nomsa"), 999, "zu")
    assert not other_squad.ok
    assert await world.snapshot() == before


def test_make_translations_brings_in_new_keys_and_flags_changed_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    monkeypatch.setattr(catalogues, "POT", locale / "squadline.pot")
    assert catalogues.update() == []  # up to date: no file is rewritten
    monkeypatch.setitem(EN, "brand.new", "A new sentence, {name}.")
    monkeypatch.setitem(EN, "button.accept", "✅ Yes, I go")
    written = catalogues.update()
    assert len(written) == 1 + len(TRANSLATED)
    for lang in TRANSLATED:
        with po_path(lang).open("rb") as f:
            catalogue = read_po(f, locale=lang)
        assert catalogue["brand.new"].string == ""  # to translate; English meanwhile
        assert catalogue["button.accept"].fuzzy  # the English changed: check it
        assert not catalogue["button.decline"].fuzzy


async def test_forgetme_forgets_the_languages_too(world: World) -> None:
    await world.member("Thandi")
    thandi = world.users["Thandi"]
    zulu = replace(world.private("Thandi"), language_code="zu")
    await world.services.members.private_location(zulu, *HERE)
    assert (await world.services.languages.command(world.private("Thandi"), "pt")).ok
    assert (await world.services.privacy.forget(world.private("Thandi"), thandi)).ok
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT count(*) FROM users WHERE user_id = ?", (thandi,)) as cur:
            assert (await cur.fetchone())[0] == 0
    assert await _reader(world, thandi) == "en"


def test_fill_puts_reviewed_translations_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    reviewed = tmp_path / "reviewed.json"
    reviewed.write_text(
        '{"zu": {"button.accept": "✅ Ngiyavuma", "too_long": ["a {limit}", "b {limit}"],'
        ' "not.a.key": "x"}}',
        encoding="utf-8",
    )
    assert catalogues.fill(reviewed) == [po_path("zu")]
    with po_path("zu").open("rb") as f:
        catalogue = read_po(f, locale="zu")
    assert catalogue["button.accept"].string == "✅ Ngiyavuma"
    assert catalogue["too_long"].string == ("a {limit}", "b {limit}")
    assert catalogue.get("not.a.key") is None


async def test_the_senders_pass_reads_its_chats_languages_in_two_statements(world: World) -> None:
    from bot.delivery import Delivery

    for name in ("Thandi", "Sipho", "Lerato"):
        await world.member(name)
    people = [world.users[n] for n in ("Nomsa", "Thandi", "Sipho", "Lerato")]
    chats = [GROUP, -999_999, *people, 999_999]
    found: dict[int, str] = {}

    async def read() -> None:
        found.update(await Delivery(world.services.core).languages_of(chats))

    statements = [s for s in await world.statements(read) if s.startswith(("SELECT", "WITH"))]
    assert len(statements) == 2  # one for the groups, one for the people, however many
    assert found == {chat: await _reader(world, chat) for chat in chats}
