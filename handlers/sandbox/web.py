"""The sandbox's page and its API, on 127.0.0.1 only (aiohttp).

``GET /`` is the page; its script and style come from this package, and nothing is loaded
from anywhere else. The page reads ``GET /api/events`` (server-sent events: the whole state
first, then every change as the bot makes it) and acts through ``POST /api/...`` with JSON:
``say`` (write as a persona), ``press`` (a button), ``share`` (a location: a point on the
drawn map or a preset place), ``open`` (a link button), ``tour``, ``reset`` and
``language`` (start over in another language). Its errors are for developers, in English;
the page says what went wrong in its own words.

Only a page served from this address can use the API: requests must name this host (a
page from elsewhere that renamed itself to 127.0.0.1, DNS rebinding, still names its own),
a request a browser marks as coming from another page (``Origin``, ``Sec-Fetch-Site``) is
refused, and actions must be JSON (a browser asks before sending JSON to another site, and
this server never says yes: it sends no CORS header).
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from aiohttp import web

from bot.i18n import LANGUAGES
from handlers.sandbox.cast import BY_KEY, BY_PLACE, Spot
from handlers.sandbox.fakegram import MAX_TEXT, PNG_SIGNATURE
from handlers.sandbox.people import UnknownPersona
from handlers.sandbox.session import NotReady, Sandbox

SANDBOX = web.AppKey("sandbox", Sandbox)
HOSTS = web.AppKey("hosts", set[str])
STATIC = {
    "sandbox.js": "text/javascript",
    "map.js": "text/javascript",
    "sandbox.css": "text/css",
}
# Comments on the event stream this often, so a closed page is noticed.
KEEPALIVE_S = 15.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequest(Exception):
    """What the page sent cannot be done; the reason goes back to it."""


def make_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(middlewares=[_guard], client_max_size=64 * 1024)
    app[SANDBOX] = sandbox
    app[HOSTS] = set()
    app.router.add_get("/", _page)
    app.router.add_get("/static/{name}", _static)
    app.router.add_get("/api/state", _state)
    app.router.add_get("/api/events", _events)
    app.router.add_get("/api/file/{file_id}", _file)
    app.router.add_post("/api/say", _say)
    app.router.add_post("/api/press", _press)
    app.router.add_post("/api/share", _share)
    app.router.add_post("/api/open", _open)
    app.router.add_post("/api/tour", _tour)
    app.router.add_post("/api/reset", _reset)
    app.router.add_post("/api/language", _language)
    app.on_shutdown.append(_closing)
    return app


def allow_hosts(app: web.Application, port: int) -> None:
    """The addresses the page may be reached at, once the port is known."""
    app[HOSTS].update({f"127.0.0.1:{port}", f"localhost:{port}"})


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await _answer(request, handler)
    # What is served is what it says it is: no browser guesses a script out of a file.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    hosts = request.app[HOSTS]
    if request.host not in hosts:
        return web.json_response({"error": "unknown host"}, status=403)
    origin = request.headers.get("Origin")
    if origin is not None and origin not in {f"http://{host}" for host in hosts}:
        return web.json_response({"error": "another page"}, status=403)
    # Even what a browser fetches for another page without asking (an image, a script).
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        return web.json_response({"error": "another page"}, status=403)
    if request.method == "POST" and request.content_type != "application/json":
        return web.json_response({"error": "send JSON"}, status=415)
    try:
        return await handler(request)
    except BadRequest as exc:
        return web.json_response({"error": str(exc)}, status=400)
    except UnknownPersona as exc:
        return web.json_response({"error": f"nobody called {exc}"}, status=400)
    except NotReady:
        return web.json_response({"error": "the sandbox is starting; try again"}, status=409)
    except LookupError as exc:
        return web.json_response({"error": str(exc)}, status=404)


# -- the page ---------------------------------------------------------------------------------


def _asset(name: str) -> bytes:
    return (resources.files("handlers.sandbox") / "static" / name).read_bytes()


async def _page(request: web.Request) -> web.StreamResponse:
    return web.Response(
        body=_asset("index.html"),
        content_type="text/html",
        charset="utf-8",
        headers=_no_outside(),
    )


async def _static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in STATIC:
        raise web.HTTPNotFound()
    return web.Response(body=_asset(name), content_type=STATIC[name], charset="utf-8")


def _no_outside() -> dict[str, str]:
    """The page may load nothing and send nothing beyond this server."""
    policy = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return {"Content-Security-Policy": policy, "Referrer-Policy": "no-referrer"}


async def _file(request: web.Request) -> web.StreamResponse:
    """A photo the bot sent (kept by the fake Telegram): a PNG, served as one. Any other
    file (a document, whatever type it claims) is not shown, so nothing the bot uploads
    can be served as a page or a script of this address."""
    session = request.app[SANDBOX].session
    upload = session.fake.files.get(request.match_info["file_id"]) if session else None
    if upload is None or not upload.data.startswith(PNG_SIGNATURE):
        raise web.HTTPNotFound()
    return web.Response(body=upload.data, content_type="image/png")


# -- reading ----------------------------------------------------------------------------------


async def _state(request: web.Request) -> web.StreamResponse:
    return web.json_response(request.app[SANDBOX].feed.snapshot())


async def _events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: a snapshot, then each change (``id`` is its sequence number)."""
    feed = request.app[SANDBOX].feed
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    last = request.headers.get("Last-Event-ID") or request.query.get("after") or ""
    seq = int(last) if last.isdigit() else -1
    try:
        while not feed.closed:
            events = feed.events_after(seq) if seq >= 0 else None
            if events is None:
                snapshot = feed.snapshot()
                events = [{"seq": snapshot["seq"], "type": "snapshot", "state": snapshot}]
            for event in events:
                data = json.dumps(event, ensure_ascii=False)
                await response.write(f"id: {event['seq']}\ndata: {data}\n\n".encode())
                seq = int(event["seq"])
            before = feed.seq
            await feed.wait(seq, KEEPALIVE_S)
            if feed.seq == before:
                await response.write(b": still here\n\n")
    except (ConnectionResetError, ConnectionError):
        pass
    return response


async def _closing(app: web.Application) -> None:
    app[SANDBOX].feed.close()


# -- acting -----------------------------------------------------------------------------------


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except json.JSONDecodeError as exc:
        raise BadRequest("the body is not JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("send a JSON object")
    return body


def _persona(body: dict[str, Any]) -> str:
    key = body.get("persona")
    if not isinstance(key, str) or key not in BY_KEY:
        raise BadRequest("name a persona")
    return key


def _where(body: dict[str, Any]) -> str:
    where = body.get("chat", "group")
    if where not in ("group", "private"):
        raise BadRequest('chat is "group" or "private"')
    return str(where)


def _reply_to(body: dict[str, Any]) -> int | None:
    value = body.get("reply_to")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadRequest("reply_to is a message id")
    return value


async def _say(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("write something")
    if len(text) > MAX_TEXT:
        raise BadRequest(f"at most {MAX_TEXT} characters")
    people = request.app[SANDBOX].people
    shown = await people.say(_persona(body), _where(body), text, reply_to=_reply_to(body))
    return web.json_response({"ok": True, "message": shown})


async def _press(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    data, message, chat = body.get("data"), body.get("message"), body.get("chat")
    if not isinstance(data, str) or not data or len(data) > 64:
        raise BadRequest("data is the button's callback data")
    if not isinstance(message, int) or not isinstance(chat, str):
        raise BadRequest("name the chat and the message")
    people = request.app[SANDBOX].people
    persona = _persona(body)
    try:
        await people.press(persona, chat, message, data)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    return web.json_response({"ok": True})


async def _share(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    place = body.get("place")
    if place is not None:
        if not isinstance(place, str) or place not in BY_PLACE:
            raise BadRequest("no such place")
        spot = BY_PLACE[place].spot
    else:
        x, y = body.get("x"), body.get("y")
        if not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in (x, y)
        ):
            raise BadRequest("a point is x and y, from 0 to 1")
        assert isinstance(x, int | float) and isinstance(y, int | float)
        if not (0 <= x <= 1 and 0 <= y <= 1):
            raise BadRequest("a point is x and y, from 0 to 1")
        spot = Spot(float(x), float(y))
    people = request.app[SANDBOX].people
    shown = await people.share(
        _persona(body),
        _where(body),
        spot,
        live=bool(body.get("live")),
        reply_to=_reply_to(body),
    )
    return web.json_response({"ok": True, "message": shown})


async def _open(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    url = body.get("url")
    if not isinstance(url, str):
        raise BadRequest("url is the link")
    opened = await request.app[SANDBOX].people.open_link(_persona(body), url)
    return web.json_response({"ok": True, "opened": opened})


async def _tour(request: web.Request) -> web.StreamResponse:
    started = request.app[SANDBOX].play_tour()
    return web.json_response({"ok": True, "started": started})


async def _reset(request: web.Request) -> web.StreamResponse:
    await request.app[SANDBOX].reset()
    return web.json_response({"ok": True})


async def _language(request: web.Request) -> web.StreamResponse:
    """Start over in another language (the same one: nothing happens)."""
    body = await _body(request)
    lang = body.get("language")
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise BadRequest(f"language is one of {', '.join(LANGUAGES)}")
    sandbox = request.app[SANDBOX]
    if lang == sandbox.feed.language:
        return web.json_response({"ok": True, "changed": False})
    await sandbox.reset(lang)
    return web.json_response({"ok": True, "changed": True})
