"""The scripted tour, "Play a whole alert": what a lead shows at a meeting.

Zanele raises an alert in the group; the first member offered it declines, the next one
accepts, is on the way, arrives and closes it. Each step waits for the bot (buttons are
found by what they do, never by their label), then pauses so the people watching can follow
the card changing in the group and the offers in the private chats.
"""

from __future__ import annotations

import asyncio
import logging

from bot.intents import Action
from handlers.sandbox.cast import BY_KEY, CAST, PLACES, Role
from handlers.sandbox.feed import Feed
from handlers.sandbox.people import People, Stuck

log = logging.getLogger(__name__)

REPORTER = next(p for p in CAST if p.role is Role.REPORTER)
# Who can be offered an alert: members and leads.
RESPONDERS = [p.key for p in CAST if p.role in (Role.MEMBER, Role.LEAD)]
STEPS = 8


async def play(people: People, feed: Feed, pace: float) -> None:
    """The whole alert, narrated step by step; ``pace``: the pause after each step (s)."""
    try:
        await _play(people, feed, pace)
    except Stuck as stuck:
        log.warning("the sandbox's tour stopped: no %s came", stuck)
        feed.narrate("sandbox.tour.stopped", done=True, stopped=True)


async def _play(people: People, feed: Feed, pace: float) -> None:
    lang = feed.language
    reporter = REPORTER.key

    feed.focus(reporter)
    feed.narrate("sandbox.tour.raise", step=1, of=STEPS, name=REPORTER.name)
    await asyncio.sleep(pace)
    newer = {key: people.newest(key) for key in RESPONDERS}
    mark = people.mark()
    words = feed.say("sandbox.tour.alert", place=PLACES[0].name(lang).lower())
    await people.say(reporter, "group", f"/alert {words}")
    await people.bot_says(["group"], mark, "the alert's card in the group")
    feed.narrate("sandbox.tour.card", step=2, of=STEPS)
    offer = await people.button(RESPONDERS, Action.ACCEPT, "an offer", newer=newer)
    alert_id = offer.press.alert_id
    first = BY_KEY[offer.chat]
    await asyncio.sleep(pace)

    feed.focus(first.key)
    decline = people.find(first.key, Action.DECLINE, alert_id=alert_id)
    if decline is None:
        raise Stuck(f"a Decline button for {first.name}")
    feed.narrate("sandbox.tour.decline", step=3, of=STEPS, name=first.name, button=decline.label)
    await asyncio.sleep(pace)
    await people.press_found(decline)

    others = [key for key in RESPONDERS if key != first.key]
    offer = await people.button(others, Action.ACCEPT, "the next offer", alert_id=alert_id)
    second = BY_KEY[offer.chat]
    feed.focus(second.key)
    feed.narrate("sandbox.tour.accept", step=4, of=STEPS, name=second.name, button=offer.label)
    await asyncio.sleep(pace)
    mark = people.mark()
    await people.press_found(offer)
    brief = await people.button(
        [second.key], Action.ARRIVED, f"{second.name}'s brief", alert_id=alert_id
    )
    await people.bot_says(["group"], mark, "the card saying someone is responding")
    feed.narrate("sandbox.tour.brief", step=5, of=STEPS, name=second.name, first=first.name)
    await asyncio.sleep(pace * 1.5)

    on_way = people.find(second.key, Action.EN_ROUTE, alert_id=alert_id)
    if on_way is not None:
        feed.narrate("sandbox.tour.on_way", step=6, of=STEPS, name=second.name, button=on_way.label)
        mark = people.mark()
        await people.press_found(on_way)
        await people.popup(mark, "the answer to On my way")
        await asyncio.sleep(pace)
    brief = await people.button(
        [second.key], Action.ARRIVED, f"{second.name}'s Arrived button", alert_id=alert_id
    )
    feed.narrate("sandbox.tour.arrived", step=6, of=STEPS, name=second.name, button=brief.label)
    mark = people.mark()
    await people.press_found(brief)
    await people.popup(mark, "the answer to Arrived")
    await asyncio.sleep(pace)

    close = await people.button(
        [second.key], Action.CLOSE, f"{second.name}'s Close button", alert_id=alert_id
    )
    feed.narrate("sandbox.tour.close", step=7, of=STEPS, name=second.name, button=close.label)
    await people.press_found(close)
    outcome = await people.button(
        [second.key], Action.OUTCOME, "the outcome buttons", alert_id=alert_id
    )
    await asyncio.sleep(pace)
    mark = people.mark()
    await people.press_found(outcome)
    await people.bot_says(["group"], mark, "the card showing the alert closed")
    await people.quiet()
    feed.focus(second.key)
    feed.narrate("sandbox.tour.closed", step=STEPS, of=STEPS, done=True)
