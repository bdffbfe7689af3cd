"""The sandbox's parts that need no bot: its settings, the drawn map, what the page is shown
of a message, and the browser it will (not) open."""

from __future__ import annotations

import re
import webbrowser
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bot.config import Settings
from bot.i18n import render
from handlers.sandbox import feed as feed_module
from handlers.sandbox import runner
from handlers.sandbox.cast import AREA, CAST, GROUP_ID, PLACES, Role, Spot
from handlers.sandbox.fakegram import Call
from handlers.sandbox.feed import Feed, page_words
from handlers.sandbox.session import DATABASE, TIMERS, new_token, sandbox_settings


@pytest.mark.parametrize(
    ("token", "has"), [(None, False), ("", False), ("   ", False), ("1:x", True)]
)
def test_whether_a_token_is_set_is_the_settings_decision(token: str | None, has: bool) -> None:
    assert Settings(_env_file=None, bot_token=token).has_token is has  # type: ignore[call-arg]


def test_the_sandbox_keeps_nothing_that_could_leave_this_computer_or_touch_real_data(
    tmp_path: Path,
) -> None:
    base = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database=Path("/srv/squad/real.sqlite3"),
        database_key="secret",
        setup_code="code",
        geocoder="nominatim",
        join_approval=False,
        crash_at="after_commit",
        sandbox_dir=tmp_path,
        ack_timeout="100s",
        retention_days=7,
        webhook_url="https://squad.example/hook",
        webhook_secret="s3cret",
        health_port=9100,
    )
    sandbox = sandbox_settings(base, "http://127.0.0.1:5555", new_token())
    assert sandbox.database == tmp_path / DATABASE
    assert sandbox.database_key is None and sandbox.setup_code is None
    assert sandbox.geocoder is None and sandbox.crash_at is None
    assert sandbox.join_approval is True
    assert sandbox.poll_timeout == 1, "Reset and Ctrl+C are quick"
    assert sandbox.webhook_url is None, "it polls the stand-in for Telegram"
    assert sandbox.health_port is None, "nothing listens but the page and the stand-in"
    assert sandbox.telegram_api_url == "http://127.0.0.1:5555" and sandbox.has_token
    # A timer set on purpose wins; the others get the sandbox's shorter ones.
    assert sandbox.ack_timeout == timedelta(seconds=100)
    assert sandbox.location_wait == TIMERS["location_wait"] < Settings().location_wait
    assert sandbox.checkin_interval == TIMERS["checkin_interval"]
    assert sandbox.retention_days == 7, "everything else is the same settings"
    assert base.database == Path("/srv/squad/real.sqlite3"), "the base is left alone"


def test_the_drawn_map_and_the_world_agree_and_a_point_off_the_map_is_drawn_at_its_edge() -> None:
    for place in PLACES:
        lat, lon = AREA.point(place.spot)
        assert AREA.spot(lat, lon) == place.spot
    assert AREA.spot(0.0, 0.0) in (Spot(0.0, 1.0), Spot(0.0, 0.0), Spot(1.0, 1.0), Spot(1.0, 0.0))
    assert AREA.point(Spot(-3, 7)) == AREA.point(Spot(0, 1))


def test_the_cast_is_a_reporter_four_members_two_of_them_skilled_a_lead_and_an_observer() -> None:
    roles = [p.role for p in CAST]
    assert roles.count(Role.REPORTER) == 1 and roles.count(Role.MEMBER) == 4
    assert roles.count(Role.LEAD) == 1 and roles.count(Role.OBSERVER) == 1
    assert sorted(p.skill for p in CAST if p.skill) == ["health", "paralegal"]


def message(chat_id: int, message_id: int, **content: Any) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": 1,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": 7000001, "is_bot": True, "first_name": "Squadline"},
        **content,
    }


async def test_a_location_is_shown_as_a_pin_on_the_map_and_buttons_by_what_they_do() -> None:
    feed = Feed(bot_id=7000001)
    thandi = next(p for p in CAST if p.key == "thandi")
    lat, lon = AREA.point(Spot(0.5, 0.25))
    pin = message(thandi.user_id, 3, location={"latitude": lat, "longitude": lon})
    feed.follow(Call("sendLocation", {"chat_id": thandi.user_id}, 0.0, result=pin))
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "s1:acc:12"}]]}
    offer = message(thandi.user_id, 4, text="can you help?", reply_markup=keyboard)
    feed.follow(Call("sendMessage", {"chat_id": thandi.user_id}, 0.0, result=offer))
    shown = feed.snapshot()["messages"]
    assert shown[0]["pin"] == {"x": 0.5, "y": 0.25, "live": False}
    assert "latitude" not in str(shown)
    assert shown[1]["buttons"] == [[{"text": "Yes", "data": "s1:acc:12", "action": "acc"}]]
    assert shown[1]["from"] == "bot" and shown[1]["chat"] == "thandi"
    edited = {**offer, "text": "taken by someone else", "reply_markup": None}
    feed.follow(Call("editMessageText", {"chat_id": thandi.user_id}, 0.0, result=edited))
    assert feed.snapshot()["messages"][1]["edits"] == 1
    feed.follow(
        Call("deleteMessage", {"chat_id": thandi.user_id, "message_id": 3}, 0.0, result=True)
    )
    assert [m["id"] for m in feed.snapshot()["messages"]] == [4]
    # A message to nobody in the cast (another group, say) is not shown.
    feed.follow(Call("sendMessage", {"chat_id": -5}, 0.0, result=message(-5, 1, text="x")))
    assert len(feed.snapshot()["messages"]) == 1


async def test_a_reply_keyboard_and_its_removal_reach_the_page_and_a_popup_its_presser() -> None:
    feed = Feed(bot_id=7000001)
    sipho = next(p for p in CAST if p.key == "sipho")
    share = {"keyboard": [[{"text": "📍 Share", "request_location": True}]]}
    asked = message(sipho.user_id, 1, text="where?")
    feed.follow(
        Call("sendMessage", {"chat_id": sipho.user_id, "reply_markup": share}, 0.0, result=asked)
    )
    assert feed.keyboards["sipho"] == [[{"text": "📍 Share", "location": True}]]
    gone = {"remove_keyboard": True}
    thanks = message(sipho.user_id, 2, text="thanks")
    feed.follow(
        Call("sendMessage", {"chat_id": sipho.user_id, "reply_markup": gone}, 0.0, result=thanks)
    )
    assert "sipho" not in feed.keyboards
    feed.pressed("q1", "sipho")
    feed.follow(Call("answerCallbackQuery", {"callback_query_id": "q1", "text": "Done."}, 0.0))
    assert feed.events_after(feed.seq - 1) == [
        {"seq": feed.seq, "type": "toast", "persona": "sipho", "text": "Done.", "alert": False}
    ]
    group = message(GROUP_ID, 9, text="card")
    feed.follow(Call("sendMessage", {"chat_id": GROUP_ID}, 500.0, status=429, result=group))
    assert not any(m["chat"] == "group" for m in feed.snapshot()["messages"])


def test_a_page_too_far_behind_is_sent_the_whole_state_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(feed_module, "KEPT_EVENTS", 3)
    feed = Feed(bot_id=1)
    for n in range(5):
        feed.set_status("setting_up", "sandbox.status.joining", name=str(n))
    assert [e["seq"] for e in feed.events_after(2) or []] == [3, 4, 5]
    assert feed.events_after(1) is None, "event 2 is gone"
    assert feed.events_after(5) == []
    assert feed.events_after(6) is None, "a number from an earlier run"


class Recorder(webbrowser.BaseBrowser):
    opened: ClassVar[list[str]] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append(url)
        return True


def test_a_browser_that_runs_in_the_terminal_is_never_opened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webbrowser, "get", lambda: webbrowser.GenericBrowser("lynx"))
    monkeypatch.setattr(webbrowser.GenericBrowser, "open", lambda *a, **k: pytest.fail("opened"))
    runner.open_browser("http://127.0.0.1:8088")
    Recorder.opened = []
    monkeypatch.setattr(webbrowser, "get", lambda: Recorder("x"))
    monkeypatch.setattr(runner.threading, "Thread", _Inline)
    runner.open_browser("http://127.0.0.1:8088")
    assert Recorder.opened == ["http://127.0.0.1:8088"]


class _Inline:
    def __init__(self, target: Any, args: tuple[Any, ...], daemon: bool) -> None:
        self.target, self.args = target, args

    def start(self) -> None:
        self.target(*self.args)


STATIC = Path(feed_module.__file__).parent / "static"


def test_the_page_has_no_words_of_its_own_each_is_a_catalogue_key() -> None:
    """Every word on the page comes from the catalogue (in the language chosen on it): the
    page's HTML holds none but the bot's name and symbols, and its script no sentence."""
    words = page_words("en")
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    body = re.sub(r"<!--.*?-->", "", html, flags=re.S)
    texts = {t.strip() for t in re.findall(r">([^<]+)<", body)} - {""}
    assert texts <= {"Squadline", "×", "/", "📍"}, texts
    in_html = set(re.findall(r'data-(?:word|heading)[a-z-]*="([a-z_]+)"', html))
    assert in_html and in_html <= set(words), in_html - set(words)
    script = (STATIC / "sandbox.js").read_text(encoding="utf-8")
    script += (STATIC / "map.js").read_text(encoding="utf-8")
    literals = {a or b for a, b in re.findall(r'"([^"\n]*)"|`([^`\n]*)`', script)}
    sentences = {s for s in literals if re.fullmatch(r"[A-Z][a-z']+( [a-z'/]+)+[.…!?]?", s)}
    assert sentences == set(), sentences
    called = set(re.findall(r'\bw\("([a-z_]+)"', script))
    assert called <= set(words), called - set(words)
    unused = {w for w in words if w not in in_html and f'"{w}"' not in script}
    assert unused == set(), "a word nothing shows"


def test_the_page_its_people_places_and_the_bots_menu_follow_the_language_chosen() -> None:
    feed = Feed(bot_id=1)

    def menu(scope: str, command: str, description: str, lang: str | None = None) -> None:
        params: dict[str, Any] = {
            "commands": [{"command": command, "description": description}],
            "scope": {"type": scope},
        }
        if lang is not None:
            params["language_code"] = lang
        feed.follow(Call("setMyCommands", params, 0.0, result=True))

    menu("all_group_chats", "alert", "Ask the squad for help")
    menu("all_group_chats", "alert", "Cela usizo", "zu")
    menu("all_private_chats", "me", "What the bot holds about me")
    assert (
        feed.snapshot()["commands"]["all_group_chats"][0]["description"] == "Ask the squad for help"
    )
    feed.reset("zu")
    state = feed.snapshot()
    assert state["language"] == "zu" and state["words"] == page_words("zu")
    assert state["words"]["tour"] == render("sandbox.page.tour", None, "zu")
    assert state["words"]["tour"] != page_words("en")["tour"]
    assert state["status"]["text"] == render("sandbox.status.starting", None, "zu")
    menus = state["commands"]
    assert menus["all_group_chats"][0]["description"] == "Cela usizo"
    assert menus["all_private_chats"][0]["command"] == "me", "a menu set for every language"
    thandi = next(p for p in state["personas"] if p["key"] == "thandi")
    role = render("sandbox.role.member", None, "zu")
    skill = render("skill.paralegal", None, "zu")
    assert thandi["description"] == render(
        "sandbox.role.skilled", {"role": role, "skill": skill}, "zu"
    )
    assert [p["name"] for p in state["places"]] == [p.name("zu") for p in PLACES]
    assert PLACES[0].name("zu") != PLACES[0].name("en")
    feed.narrate("sandbox.tour.on_way", step=6, of=8, name="Thandi", button="🚶 Ngisendleleni")
    assert feed.narration is not None
    assert feed.narration["text"] == "Thandi ucindezela 🚶 Ngisendleleni."


def test_make_run_says_the_issues_line_with_the_default_port() -> None:
    line = "Starting the local sandbox at http://127.0.0.1:8088 — nothing leaves this computer"
    assert runner.banner(Settings(_env_file=None)) == line  # type: ignore[call-arg]
