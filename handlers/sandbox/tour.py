"""The scripted tour, "Play a whole alert": what a lead shows at a meeting.

Zanele raises an alert in the group; the first member offered it declines, the next one
accepts, is on the way, arrives and closes it. Each step waits for the bot (buttons are
found by what they do, never by their label), then pauses so the people watching can follow
the card changing in the group and the offers in the private chats.
"""

from __future__ import annotations

import asyncio

from bot.intents import Action
from handlers.sandbox.cast import BY_KEY, CAST, PLACES, Role
from handlers.sandbox.feed import Feed
from handlers.sandbox.people import People, Stuck

REPORTER = next(p for p in CAST if p.role is Role.REPORTER)
# Who can be offered an alert: members and leads.
RESPONDERS = [p.key for p in CAST if p.role in (Role.MEMBER, Role.LEAD)]
STEPS = 8


async def play(people: People, feed: Feed, pace: float) -> None:
    """The whole alert, narrated step by step; ``pace``: the pause after each step (s)."""
    try:
        await _play(people, feed, pace)
    except Stuck as stuck:
        feed.narrate(
            f"The tour stopped: the bot did not show {stuck} in time. "
            "Press Reset and play it again.",
            done=True,
            stopped=True,
        )


async def _play(people: People, feed: Feed, pace: float) -> None:
    place = PLACES[0].name.lower()
    reporter = REPORTER.key

    feed.focus(reporter)
    feed.narrate(
        f"{REPORTER.name} is in the group but is not a member. Someone took her phone and "
        f"she feels followed, so she sends /alert and names a place the squad saved.",
        step=1,
        of=STEPS,
    )
    await asyncio.sleep(pace)
    newer = {key: people.newest(key) for key in RESPONDERS}
    mark = people.mark()
    await people.say(reporter, "group", f"/alert they took my phone, I am at the {place}")
    await people.bot_says(["group"], mark, "the alert's card in the group")
    feed.narrate(
        "The card in the group names nobody and gives no distance. The nearest suitable "
        "members get an offer in their private chat.",
        step=2,
        of=STEPS,
    )
    offer = await people.button(RESPONDERS, Action.ACCEPT, "an offer", newer=newer)
    alert_id = offer.press.alert_id
    first = BY_KEY[offer.chat]
    await asyncio.sleep(pace)

    feed.focus(first.key)
    feed.narrate(
        f"{first.name} sees the offer: the distance, but not the place. "
        f"{first.name} cannot go tonight and presses Decline.",
        step=3,
        of=STEPS,
    )
    await asyncio.sleep(pace)
    decline = people.find(first.key, Action.DECLINE, alert_id=alert_id)
    if decline is None:
        raise Stuck(f"a Decline button for {first.name}")
    await people.press_found(decline)

    others = [key for key in RESPONDERS if key != first.key]
    offer = await people.button(others, Action.ACCEPT, "the next offer", alert_id=alert_id)
    second = BY_KEY[offer.chat]
    feed.focus(second.key)
    feed.narrate(
        f"The offer moves on. {second.name} gets it and presses Accept.",
        step=4,
        of=STEPS,
    )
    await asyncio.sleep(pace)
    mark = people.mark()
    await people.press_found(offer)
    brief = await people.button(
        [second.key], Action.ARRIVED, f"{second.name}'s brief", alert_id=alert_id
    )
    await people.bot_says(["group"], mark, "the card saying someone is responding")
    feed.narrate(
        f"Only {second.name} gets the precise location, with a brief. The card in the group "
        f"now says {second.name} is responding; {first.name}'s offer is withdrawn.",
        step=5,
        of=STEPS,
    )
    await asyncio.sleep(pace * 1.5)

    on_way = people.find(second.key, Action.EN_ROUTE, alert_id=alert_id)
    if on_way is not None:
        feed.narrate(f"{second.name} presses On my way.", step=6, of=STEPS)
        mark = people.mark()
        await people.press_found(on_way)
        await people.popup(mark, "the answer to On my way")
        await asyncio.sleep(pace)
    feed.narrate(f"{second.name} arrives and presses Arrived.", step=6, of=STEPS)
    brief = await people.button(
        [second.key], Action.ARRIVED, f"{second.name}'s Arrived button", alert_id=alert_id
    )
    mark = people.mark()
    await people.press_found(brief)
    await people.popup(mark, "the answer to Arrived")
    await asyncio.sleep(pace)

    feed.narrate(
        f"All is well. {second.name} presses Close and says how it ended.", step=7, of=STEPS
    )
    close = await people.button(
        [second.key], Action.CLOSE, f"{second.name}'s Close button", alert_id=alert_id
    )
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
    feed.narrate(
        "Closed. The card shows it, and the offers, the brief and the location are trimmed "
        "from everyone's phone. Now try it yourself: pick a person above and type, or press "
        "Reset to start over.",
        step=STEPS,
        of=STEPS,
        done=True,
    )
