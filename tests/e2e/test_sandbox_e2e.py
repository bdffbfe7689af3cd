"""The local sandbox's server side, without a browser: its page's API over real HTTP, the
event stream, the squad it sets up through the real bot, the tour and Reset.

Each test runs the sandbox in this process (the fake Telegram, the real bot on it, the page
on a free port of 127.0.0.1) and acts as the page does."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.i18n import render
from bot.intents import Action
from handlers.sandbox import web as sandbox_web
from handlers.sandbox.cast import BY_PLACE, CAST, GROUP_TITLE, PLACES, Role
from handlers.sandbox.fakegram import TELEGRAM
from handlers.sandbox.feed import page_words
from handlers.sandbox.session import DATABASE, LIMITS, TIMERS
from tests.support.db import db_rows, db_snapshot
from tests.support.sandbox import Json, PageClient, running_sandbox

pytestmark = pytest.mark.timeout(120)

RESPONDERS = [p.key for p in CAST if p.role in (Role.MEMBER, Role.LEAD)]
TAXI_RANK = PLACES[0].name("en").lower()


def messages(state: Json, chat: str) -> list[Json]:
    return [m for m in state["messages"] if m["chat"] == chat]


def with_action(state: Json, action: Action, chats: list[str]) -> list[Json]:
    return [
        m
        for m in state["messages"]
        if m["chat"] in chats
        and any(b.get("action") == action.value for r in m["buttons"] for b in r)
    ]


def button(message: Json, action: Action) -> Json:
    return next(b for row in message["buttons"] for b in row if b.get("action") == action.value)


async def raise_alert(page: PageClient) -> tuple[Json, Json]:
    """Zanele sends /alert in the group naming a saved place; returns the group card and
    the first offer."""
    status, answer = await page.post(
        "say",
        {
            "persona": "zanele",
            "chat": "group",
            "text": f"/alert they took my phone at the {TAXI_RANK}",
        },
    )
    assert status == 200, answer
    alert_id = answer["message"]["id"]
    state = await page.wait_state(
        lambda s: bool(with_action(s, Action.ACCEPT, RESPONDERS)), "an offer"
    )
    cards = [m for m in messages(state, "group") if m["from"] == "bot" and m["id"] > alert_id]
    assert cards, "the bot posted nothing in the group after the alert"
    return cards[0], with_action(state, Action.ACCEPT, RESPONDERS)[0]


@pytest.fixture
async def page(tmp_path: Path) -> Any:
    async with running_sandbox(tmp_path) as client:
        await client.ready()
        yield client


async def test_the_squad_is_set_up_by_driving_the_real_bot_as_people_would(
    page: PageClient, tmp_path: Path
) -> None:
    state = await page.state()
    db = tmp_path / DATABASE
    roles = dict(db_rows(db, "SELECT alias, role FROM members"))
    assert roles == {
        "Nomsa": "lead",
        "Thandi": "member",
        "Sipho": "member",
        "Lerato": "member",
        "Bongani": "member",
        "Sam": "observer",
    }
    skills = set(
        db_rows(
            db,
            "SELECT m.alias, s.skill FROM member_skills s JOIN members m ON m.id = s.member_id",
        )
    )
    assert skills == {("Thandi", "paralegal"), ("Sipho", "health")}
    places = {name for (name,) in db_rows(db, "SELECT name FROM places")}
    assert places == {p.name("en") for p in PLACES}
    # What the page shows is what went through the fake Telegram: the lead's /setup in the
    # group and the bot's answer, each join answered in the joiner's private chat.
    group = messages(state, "group")
    assert any(m["from"] == "nomsa" and m["text"].startswith("/setup") for m in group)
    for persona in CAST:
        if persona.role in (Role.MEMBER, Role.OBSERVER):
            chat = messages(state, persona.key)
            assert any(m["from"] == persona.key and m["text"].startswith("/start ") for m in chat)
            assert any(m["from"] == "bot" for m in chat), persona.key
    assert messages(state, "zanele") == [], "the reporter is not a member"
    assert (await page.post("tour"))[0] == 200, "the tour can start once the squad is ready"


async def test_a_persona_writes_and_the_bots_answer_comes_on_the_event_stream(
    page: PageClient,
) -> None:
    async with page.events() as stream:
        first = await stream.next()
        assert first["type"] == "snapshot"
        assert {p["key"] for p in first["state"]["personas"]} == {p.key for p in CAST}
        status, answer = await page.post(
            "say", {"persona": "sipho", "chat": "private", "text": "/me"}
        )
        assert status == 200 and answer["message"]["from"] == "sipho"
        event = await stream.until(
            lambda e: (
                e["type"] == "message"
                and e["message"]["chat"] == "sipho"
                and e["message"]["from"] == "bot"
                and e["message"]["id"] > answer["message"]["id"]
            ),
            "the bot's answer to /me in Sipho's chat",
        )
        assert event["message"]["text"]
        assert event["seq"] > first["seq"]


async def test_a_page_that_missed_events_gets_them_or_else_the_whole_state(
    page: PageClient,
) -> None:
    seq = (await page.state())["seq"]
    await page.post("say", {"persona": "thandi", "chat": "private", "text": "/me"})
    async with page.events(after=seq) as stream:
        event = await stream.next()
        assert event["type"] == "message" and event["seq"] == seq + 1
    # A page that kept the number of an earlier run (the sandbox restarted) starts over.
    async with page.events(after=10**9) as stream:
        assert (await stream.next())["type"] == "snapshot"


async def test_pressing_a_button_on_the_page_reaches_the_bot_and_the_group_card_changes(
    page: PageClient,
) -> None:
    card, offer = await raise_alert(page)
    responder = offer["chat"]
    accept = button(offer, Action.ACCEPT)
    name = next(p.name for p in CAST if p.key == responder)
    before = next(m for m in messages(await page.state(), "group") if m["id"] == card["id"])
    assert name not in before["text"], "the card names nobody before someone accepts"
    status, answer = await page.post(
        "press",
        {"persona": responder, "chat": responder, "message": offer["id"], "data": accept["data"]},
    )
    assert status == 200, answer
    state = await page.wait_state(
        lambda s: any(
            m["id"] == card["id"] and name in m["text"] and m["edits"] > before["edits"]
            for m in messages(s, "group")
        ),
        "the card naming the responder",
    )
    # The precise location goes to the responder as a pin card: a place on the drawn map.
    pins = [m for m in messages(state, responder) if m["from"] == "bot" and m.get("pin")]
    assert pins, "the responder got no location"
    pin = pins[-1]["pin"]
    assert 0 <= pin["x"] <= 1 and 0 <= pin["y"] <= 1
    assert not any(m.get("pin") for m in messages(state, "group") if m["from"] == "bot")


async def test_a_second_alert_posts_the_board_anew_the_old_one_goes_and_a_claim_button_works(
    page: PageClient,
) -> None:
    card, _ = await raise_alert(page)
    assert any(b.get("action") == Action.CLAIM.value for r in card["buttons"] for b in r)
    # Sam, in the group too, raises another: the squad's board is posted anew with both
    # alerts on it, one 🙋 button each, and the board before it is deleted, so the page
    # shows it gone.
    clinic = BY_PLACE["clinic"].name("en").lower()
    status, answer = await page.post(
        "say",
        {"persona": "sam", "chat": "group", "text": f"/alert a man follows me at the {clinic}"},
    )
    assert status == 200, answer

    def new_board(state: Json) -> Json | None:
        return next(
            (
                m
                for m in messages(state, "group")
                if m["from"] == "bot" and m["id"] > answer["message"]["id"]
                if sum(b.get("action") == Action.CLAIM.value for r in m["buttons"] for b in r) == 2
            ),
            None,
        )

    state = await page.wait_state(lambda s: new_board(s) is not None, "the board with both alerts")
    board = new_board(state)
    assert board is not None
    state = await page.wait_state(
        lambda s: all(m["id"] != card["id"] for m in messages(s, "group")), "the old board gone"
    )
    # Bongani takes the second alert with its 🙋 button, found by what it does.
    claim = [b for r in board["buttons"] for b in r if b.get("action") == Action.CLAIM.value][-1]
    code = claim["text"].split("#")[-1]
    assert code in board["text"]
    status, pressed = await page.post(
        "press",
        {"persona": "bongani", "chat": "group", "message": board["id"], "data": claim["data"]},
    )
    assert status == 200, pressed
    await page.wait_state(
        lambda s: any(
            m["id"] == board["id"] and m["edits"] > 0 and "Bongani" in m["text"]
            for m in messages(s, "group")
        ),
        "the board naming Bongani on the second alert",
    )


async def test_the_page_never_gets_coordinates_only_places_on_the_drawn_map(
    page: PageClient,
) -> None:
    async with page.events() as stream:
        await stream.next()
        status, answer = await page.post(
            "share", {"persona": "bongani", "chat": "private", "x": 0.25, "y": 0.75}
        )
        assert status == 200 and answer["message"]["pin"] == {"x": 0.25, "y": 0.75, "live": False}
        await stream.until(
            lambda e: (
                e["type"] == "message"
                and e["message"]["chat"] == "bongani"
                and e["message"]["from"] == "bot"
                and e["message"]["id"] > answer["message"]["id"]
            ),
            "the bot's answer to Bongani's location",
        )
    status, answer = await page.post(
        "share", {"persona": "lerato", "chat": "private", "place": "clinic", "live": True}
    )
    assert status == 200
    clinic = BY_PLACE["clinic"].spot
    assert answer["message"]["pin"] == {"x": clinic.x, "y": clinic.y, "live": True}
    # What the bot sent holds no latitude, no longitude, nothing that looks like a coordinate
    # of the map's area (the lead's own "/place add NAME LAT, LON" is what she typed).
    shown = [m for m in (await page.state())["messages"] if m["from"] == "bot" or m.get("pin")]
    raw = json.dumps(shown)
    assert "latitude" not in raw and "longitude" not in raw
    assert not re.search(r"-26\.\d{3}|28\.0\d{3}", raw)


async def test_a_start_link_on_the_page_opens_the_private_chat_and_others_stay_closed(
    page: PageClient,
) -> None:
    state = await page.state()
    invite = next(
        b["url"]
        for m in messages(state, "group")
        for row in m["buttons"]
        for b in row
        if "url" in b and "start=" in b["url"]
    )
    status, answer = await page.post("open", {"persona": "zanele", "url": invite})
    assert status == 200 and answer["opened"] is True
    await page.wait_state(
        lambda s: any(m["from"] == "bot" for m in messages(s, "zanele")),
        "the bot's answer in Zanele's private chat",
    )
    status, answer = await page.post(
        "open", {"persona": "zanele", "url": "https://example.org/?start=x"}
    )
    assert status == 200 and answer["opened"] is False


async def test_bad_requests_are_refused_with_a_reason_and_change_nothing(
    page: PageClient, tmp_path: Path
) -> None:
    await page.ready()
    before = db_snapshot(tmp_path / DATABASE)
    bad: list[tuple[str, dict[str, Any]]] = [
        ("say", {"persona": "nobody", "chat": "group", "text": "/help"}),
        ("say", {"persona": "thandi", "chat": "elsewhere", "text": "/help"}),
        ("say", {"persona": "thandi", "chat": "group", "text": "   "}),
        ("say", {"persona": "thandi", "chat": "group", "text": "x" * 5000}),
        ("press", {"persona": "thandi", "chat": "sipho", "message": 1, "data": "s1:acc:1"}),
        ("press", {"persona": "thandi", "chat": "thandi", "message": 1, "data": "x" * 65}),
        ("share", {"persona": "thandi", "chat": "private", "x": 1.5, "y": 0.5}),
        ("share", {"persona": "thandi", "chat": "private", "x": "a", "y": 0.5}),
        ("share", {"persona": "thandi", "chat": "private", "place": "Atlantis"}),
        ("say", {"persona": "thandi", "chat": "group", "text": "/help", "reply_to": "one"}),
    ]
    for path, body in bad:
        status, answer = await page.post(path, body)
        assert status == 400 and answer["error"], (path, body, status, answer)
    async with page.http.post(f"{page.url}/api/say", data="persona=thandi&text=/help") as r:
        assert r.status == 415, "a form post (what another site could send) is refused"
    async with page.http.get(f"{page.url}/", headers={"Host": "evil.example"}) as r:
        assert r.status == 403, "a page reached under another name (DNS rebinding) is refused"
    status, _ = await page.post(
        "press", {"persona": "thandi", "chat": "thandi", "message": 9999, "data": "s1:acc:1"}
    )
    assert status == 404
    assert page.sandbox.session is not None
    await page.sandbox.session.fake.idle()
    assert db_snapshot(tmp_path / DATABASE) == before


async def test_reset_starts_over_with_a_new_squad_and_a_new_database(
    page: PageClient, tmp_path: Path
) -> None:
    await raise_alert(page)
    db = tmp_path / DATABASE
    assert db_rows(db, "SELECT count(*) FROM alerts") == [(1,)]
    async with page.events() as stream:
        await stream.next()
        status, _ = await page.post("reset")
        assert status == 200
        await stream.until(lambda e: e["type"] == "reset", "the reset event")
    state = await page.ready()
    assert db_rows(db, "SELECT count(*) FROM alerts") == [(0,)]
    assert db_rows(db, "SELECT count(*) FROM members") == [(6,)]
    assert not any("/alert" in m["text"] for m in state["messages"])
    assert len([m for m in messages(state, "group") if m["text"].startswith("/setup")]) == 1


async def test_the_tour_plays_a_whole_alert_one_declines_another_accepts_arrives_and_closes(
    page: PageClient, tmp_path: Path
) -> None:
    async with page.events() as stream:
        await stream.next()
        status, answer = await page.post("tour")
        assert status == 200 and answer["started"] is True
        assert (await page.post("tour"))[1]["started"] is False, "one tour at a time"
        focused: list[str] = []
        steps: list[int] = []
        while True:
            event = await stream.until(
                lambda e: e["type"] in ("narrate", "focus"), "the tour going on", timeout=60
            )
            if event["type"] == "focus":
                focused.append(event["persona"])
                continue
            steps.append(event["step"])
            if event["done"]:
                break
        assert not event["stopped"], event["text"]
    assert steps == sorted(steps) and steps[-1] == event["of"]
    db = tmp_path / DATABASE
    ((state, outcome),) = db_rows(db, "SELECT state, outcome FROM alerts")
    assert state == "closed" and outcome
    answers = sorted(a for (a,) in db_rows(db, "SELECT answer FROM offers"))
    assert "declined" in answers and "accepted" in answers
    offered = {p for p in focused if p in RESPONDERS}
    assert len(offered) >= 2, "the page was shown the first member's offer, then the next one's"
    # The squad's board (the alert's card, with one alert) changed as the alert moved on: a
    # responder going, then the alert closed.
    card = next(m for m in messages(await page.state(), "group") if m["edits"])
    assert card["edits"] >= 2, "the card changed as the alert moved on"
    assert render("state.closed", None, "en") in card["text"]


async def test_the_page_and_every_asset_come_from_the_package_and_load_nothing_else(
    page: PageClient,
) -> None:
    async with page.http.get(f"{page.url}/") as response:
        assert response.status == 200
        html = await response.text()
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources and all(s.startswith("/static/") or s.startswith("data:") for s in sources)
    static = Path(sandbox_web.__file__).parent / "static"
    on_disk = {p.name for p in static.iterdir()}
    assert on_disk == {*sandbox_web.STATIC, "index.html"}, "every asset is served, no other"
    for asset in sandbox_web.STATIC:
        async with page.http.get(f"{page.url}/static/{asset}") as response:
            assert response.status == 200
            text = await response.text()
        # The only URL in them is SVG's namespace, a name that is never fetched.
        urls = set(re.findall(r"https?://[^\s\"')]+", text))
        assert urls <= {"http://www.w3.org/2000/svg"}, urls
    async with page.http.get(f"{page.url}/static/..%2F__init__.py") as response:
        assert response.status == 404
    async with page.http.get(f"{page.url}/api/file/nothing") as response:
        assert response.status == 404


async def test_a_sandbox_that_is_not_ready_says_so_and_acts_for_nobody(tmp_path: Path) -> None:
    async with running_sandbox(tmp_path, start=False) as client:
        state = await client.state()
        assert state["status"]["state"] == "starting"
        status, answer = await client.post(
            "say", {"persona": "thandi", "chat": "private", "text": "/me"}
        )
        assert status == 409 and "starting" in answer["error"]
        assert (await client.post("tour"))[0] == 409


async def test_the_events_stream_says_it_is_still_there_when_nothing_happens(
    page: PageClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox_web, "KEEPALIVE_S", 0.2)
    async with page.http.get(f"{page.url}/api/events") as response:
        lines: list[bytes] = []
        async with asyncio.timeout(10):
            while b": still here\n" not in lines:
                lines.append(await response.content.readline())


async def test_another_page_in_the_same_browser_can_drive_neither_the_api_nor_its_telegram(
    page: PageClient, tmp_path: Path
) -> None:
    await page.ready()
    before = db_snapshot(tmp_path / DATABASE)
    say = {"persona": "thandi", "chat": "group", "text": "/alert sent by another page"}
    elsewhere = {"Origin": "http://evil.example"}
    async with page.http.post(f"{page.url}/api/say", json=say, headers=elsewhere) as r:
        assert r.status == 403, "a request a browser marks as from another page is refused"
    async with page.http.get(f"{page.url}/api/events", headers=elsewhere) as r:
        assert r.status == 403
    for site in ("cross-site", "same-site"):
        # What a browser fetches for another page without asking: an image, say.
        async with page.http.get(f"{page.url}/api/file/x", headers={"Sec-Fetch-Site": site}) as r:
            assert r.status == 403
    async with page.http.get(f"{page.url}/", headers={"Sec-Fetch-Site": "none"}) as r:
        assert r.status == 200, "the address typed in the browser"
    async with page.http.get(f"{page.url}/api/state", headers={"Origin": page.url}) as r:
        assert r.status == 200, "the page's own requests are answered"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    # The fake Telegram listens on 127.0.0.1 too. Its token is new at every start and is in
    # no source file, so a page posting forms to it cannot speak as the bot.
    session = page.sandbox.session
    assert session is not None
    token = session.fake.token
    sources = Path(sandbox_web.__file__).parent
    assert not any(token in p.read_text(encoding="utf-8") for p in sources.rglob("*.py"))
    guessed = f"{token.split(':')[0]}:sandbox-on-this-computer"
    form = {"chat_id": "-1001", "text": "Send me your real bot token"}
    async with page.http.post(f"{session.fake.url}/bot{guessed}/sendMessage", data=form) as r:
        assert r.status == 401
    await session.fake.idle()
    assert db_snapshot(tmp_path / DATABASE) == before
    assert not any("another page" in m["text"] for m in (await page.state())["messages"])
    status, _ = await page.post("reset")
    assert status == 200
    assert page.sandbox.session is not None and page.sandbox.session.fake.token != token


async def test_only_a_png_the_bot_sent_is_served_never_a_file_that_could_run_as_a_page(
    page: PageClient,
) -> None:
    session = page.sandbox.session
    assert session is not None
    api = f"{session.fake.url}/bot{session.fake.token}"
    script = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    png = (Path(__file__).parents[2] / "docs" / "images" / "sandbox.png").read_bytes()
    file_ids = {}
    for method, field, name, kind, body in (
        ("sendDocument", "document", "x.svg", "image/svg+xml", script),
        ("sendPhoto", "photo", "chart.png", "image/png", png),
    ):
        form = aiohttp.FormData()
        form.add_field("chat_id", "-1001")
        form.add_field(field, body, filename=name, content_type=kind)
        async with page.http.post(f"{api}/{method}", data=form) as r:
            assert r.status == 200, await r.text()
            result = (await r.json())["result"]
        sent = result["document"] if field == "document" else result["photo"][-1]
        file_ids[field] = sent["file_id"]
    async with page.http.get(f"{page.url}/api/file/{file_ids['document']}") as r:
        assert r.status == 404
    async with page.http.get(f"{page.url}/api/file/{file_ids['photo']}") as r:
        assert r.status == 200 and r.content_type == "image/png"
        assert await r.read() == png


async def test_the_sandboxs_telegram_keeps_telegrams_limits_but_ten_a_second_in_private(
    page: PageClient,
) -> None:
    # The stand-in for Telegram answers 429 to a send that breaks a limit, as Telegram does:
    # Telegram's own limits, but 10 a second in a private chat instead of about one, the pace
    # the sandbox gives the bot. Set-up takes 2 s instead of 25, and the bot kept to it.
    session = page.sandbox.session
    assert session is not None
    fake = session.fake
    assert fake.limits == LIMITS
    assert LIMITS == replace(TELEGRAM, private_per_s=TIMERS["limit_private_per_s"]) != TELEGRAM
    assert fake.limit_violations(), "the set-up sends faster than Telegram itself allows"
    assert fake.limit_violations(private_per_s=LIMITS.private_per_s) == []
    # A direct reply the stand-in refuses is not lost: the bot waits and sends it again.
    lead = next(p for p in CAST if p.role is Role.LEAD)
    fake.fail("sendMessage", 429, chat_id=lead.user_id, retry_after=1)
    mark = len(fake.calls)
    status, said = await page.post("say", {"persona": lead.key, "chat": "private", "text": "/help"})
    assert status == 200, said
    await page.wait_state(
        lambda s: any(
            m["from"] == "bot" for m in messages(s, lead.key) if m["id"] > said["message"]["id"]
        ),
        "the answer to /help after a 429",
    )
    answers = [c.status for c in fake.calls[mark:] if c.chat_id == lead.user_id]
    assert answers[:2] == [429, 200], answers
    # And a send that breaks the limit is refused, with the wait.
    api = f"{fake.url}/bot{fake.token}/sendMessage"
    statuses = []
    for n in range(LIMITS.private_per_s + 1):
        form = {"chat_id": str(lead.user_id), "text": f"flood {n}"}
        async with page.http.post(api, data=form) as r:
            statuses.append(r.status)
            body = await r.json()
    assert statuses[-1] == 429 and body["parameters"]["retry_after"] >= 1, statuses


async def test_choosing_isizulu_sets_the_squad_up_again_in_isizulu_and_the_tour_plays_in_it(
    page: PageClient, tmp_path: Path
) -> None:
    assert (await page.post("language", {"language": "xx"}))[0] == 400
    assert (await page.post("language", {"language": "en"}))[1]["changed"] is False
    async with page.events() as stream:
        await stream.next()
        status, answer = await page.post("language", {"language": "zu"})
        assert status == 200 and answer["changed"] is True
        again = await stream.until(lambda e: e["type"] == "snapshot", "the page in isiZulu")
        assert again["state"]["language"] == "zu"
        assert again["state"]["words"] == page_words("zu")
    state = await page.ready()
    assert state["status"]["text"] == render("sandbox.status.ready", None, "zu")
    db = tmp_path / DATABASE
    assert db_rows(db, "SELECT language FROM squads") == [("zu",)]
    places = {name for (name,) in db_rows(db, "SELECT name FROM places")}
    assert places == {p.name("zu") for p in PLACES}
    # Everyone's Telegram is in isiZulu: the bot writes to them in it, and the page shows
    # its messages as it sent them. Its "/" menu is the one it set for isiZulu.
    thanks = render("location.saved", {"ttl_hours": 12}, "zu")
    assert any(m["from"] == "bot" and m["text"] == thanks for m in messages(state, "thandi"))
    joining = render("join.prompt", {"name": GROUP_TITLE}, "zu")
    assert any(m["from"] == "bot" and m["text"] == joining for m in messages(state, "group"))
    group_menu = {c["command"]: c["description"] for c in state["commands"]["all_group_chats"]}
    assert group_menu["alert"] == render("cmd.alert", None, "zu")

    async with page.events() as stream:
        await stream.next()
        assert (await page.post("tour"))[1]["started"] is True
        lines = []
        while not lines or not lines[-1]["done"]:
            lines.append(await stream.until(lambda e: e["type"] == "narrate", "the tour", 60))
    assert not lines[-1]["stopped"], lines[-1]["text"]
    assert lines[0]["text"] == render("sandbox.tour.raise", {"name": "Zanele"}, "zu")
    assert lines[-1]["text"] == render("sandbox.tour.closed", None, "zu")
    # The tour's alert named the isiZulu place the squad saved, and the bot found it.
    ((state_, area),) = db_rows(db, "SELECT state, area_label FROM alerts")
    assert state_ == "closed" and area == PLACES[0].name("zu")
    accept = render("button.accept", None, "zu")
    assert any(accept in line["text"] for line in lines), "the buttons named as the bot does"
