"""The sandbox's squad, set up by driving the real bot the way people would.

Nomsa adds Squadline to the group and sends /setup (then /language, when the page is in
another language than English: everyone's Telegram app is in that language); she asks for
an invite with /join and opens it; she saves the squad's places in private. Everyone else
opens the invite, Nomsa approves each join request, they share a location and switch on
their skill; Nomsa makes Sam an observer. What the page shows afterwards is what the bot
did, nothing prepared.
"""

from __future__ import annotations

from bot.i18n import SOURCE
from bot.intents import Action
from handlers.sandbox.cast import AREA, CAST, GROUP_TITLE, LEAD, PLACES, Persona, Role
from handlers.sandbox.feed import Feed
from handlers.sandbox.people import People, Stuck


async def set_up_squad(people: People, feed: Feed) -> None:
    """Every step waits for the bot's answer before the next (``Stuck`` if it never comes)."""
    lead = LEAD.key
    feed.set_status("setting_up", "sandbox.status.adding", name=LEAD.name)
    mark = people.mark()
    await people.fake.add_bot_to_group(people.group, by=people.user(lead))
    await people.bot_says(["group"], mark, "the bot's hello in the group")

    feed.set_status("setting_up", "sandbox.status.setting_up", name=LEAD.name)
    mark = people.mark()
    await people.say(lead, "group", f"/setup {GROUP_TITLE}")
    await people.bot_says(["group"], mark, "the answer to /setup")
    if feed.language != SOURCE:
        # A squad starts in English; its lead gives it the language the page is in.
        feed.set_status("setting_up", "sandbox.status.language", name=LEAD.name)
        mark = people.mark()
        await people.say(lead, "group", f"/language {feed.language}")
        await people.bot_says(["group"], mark, "the answer to /language")

    mark = people.mark()
    await people.say(lead, "group", "/join")
    invite = await people.link("group", mark, "the invite link /join gives")
    mark = people.mark()
    if not await people.open_link(lead, invite):
        raise Stuck("an invite link to this bot")
    await people.bot_says([lead], mark, "the lead's welcome")

    feed.set_status("setting_up", "sandbox.status.places", name=LEAD.name)
    for place in PLACES:
        lat, lon = AREA.point(place.spot)
        name = place.name(feed.language)
        mark = people.mark()
        await people.say(lead, "private", f"/place add {name} {lat:.5f}, {lon:.5f}")
        await people.bot_says([lead], mark, f"the answer to /place add {place.key}")
    if LEAD.home is not None:
        mark = people.mark()
        await people.share(lead, "private", LEAD.home)
        await people.bot_says([lead], mark, "the answer to the lead's location")

    for persona in CAST:
        if persona.role in (Role.MEMBER, Role.OBSERVER):
            feed.set_status("setting_up", "sandbox.status.joining", name=persona.name)
            await _join(people, persona, invite)
    for persona in CAST:
        if persona.role is Role.OBSERVER:
            mark = people.mark()
            await people.say(lead, "group", f"/observer {persona.name}")
            await people.bot_says(["group", lead], mark, "the answer to /observer")
    feed.set_status("ready", "sandbox.status.ready")


async def _join(people: People, persona: Persona, invite: str) -> None:
    """Open the invite, wait for the lead's Approve and press it, share a location, and
    switch on a skill."""
    lead = LEAD.key
    newer = {lead: people.newest(lead)}
    mark = people.mark()
    if not await people.open_link(persona.key, invite):
        raise Stuck("an invite link to this bot")
    await people.bot_says([persona.key], mark, f"the answer to {persona.name}'s /start")
    request = await people.button(
        [lead], Action.APPROVE, f"the join request for {persona.name}", newer=newer
    )
    mark = people.mark()
    await people.press_found(request)
    await people.bot_says([persona.key], mark, f"{persona.name} being told they are approved")
    if persona.home is not None:
        mark = people.mark()
        await people.share(persona.key, "private", persona.home)
        await people.bot_says([persona.key], mark, f"the answer to {persona.name}'s location")
    if persona.skill is not None:
        newer = {persona.key: people.newest(persona.key)}
        await people.say(persona.key, "private", "/skills")
        picker = await people.button(
            [persona.key],
            Action.SKILL,
            f"{persona.name}'s skill buttons",
            newer=newer,
            arg=persona.skill,
        )
        mark = people.mark()
        await people.press_found(picker)
        await people.popup(mark, f"the answer to {persona.name}'s skill button")
