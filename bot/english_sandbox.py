"""The English source of the local sandbox's words (issue 15): its page, the set-up it shows
happening, its made-up squad's roles and places, and the tour. Merged into
``bot.english.EN``; translations are in the same gettext catalogues, and the page follows
the language chosen on it.

``sandbox.page.*`` are the page's own words: the page fills each ``{placeholder}`` itself.
"""

from __future__ import annotations

SANDBOX: dict[str, str] = {
    # -- the page
    "sandbox.page.title": "Squadline sandbox",
    "sandbox.page.tag": "sandbox",
    "sandbox.page.note": "The real bot, a made-up squad, a stand-in for Telegram on this computer. Nothing leaves this computer.",
    "sandbox.page.tour": "▶ Play a whole alert",
    "sandbox.page.reset": "↺ Reset",
    "sandbox.page.language": "Language: choosing one starts the sandbox over in it",
    "sandbox.page.people": "Who you are",
    "sandbox.page.group_pane": "The squad's group",
    "sandbox.page.group_heading": "Group chat · you write as {name}",
    "sandbox.page.private_pane": "Private chat with the bot",
    "sandbox.page.private_heading": "Private chat with {name}",
    "sandbox.page.write_group": "Write to the group, e.g. /help",
    "sandbox.page.write_private": "Write to Squadline, e.g. /me",
    "sandbox.page.commands": "The bot's commands",
    "sandbox.page.share": "Share a location",
    "sandbox.page.send": "Send",
    "sandbox.page.share_group": "Share a location in the group",
    "sandbox.page.share_private": "Share a location in the private chat",
    "sandbox.page.share_hint": "Click a point on the map, or choose a place.",
    "sandbox.page.live": "Share as a live location",
    "sandbox.page.cancel": "Cancel",
    "sandbox.page.hide": "Hide",
    "sandbox.page.cancel_reply": "Cancel the reply",
    "sandbox.page.replying": "Replying to: {text}",
    "sandbox.page.reply": "↩ reply",
    "sandbox.page.edited": "edited · {time}",
    "sandbox.page.location": "📍 Location",
    "sandbox.page.live_location": "📍 Live location",
    "sandbox.page.deleted": "a deleted message",
    "sandbox.page.photo": "a photo",
    "sandbox.page.link_closed": "That link would open outside the sandbox, so it stays closed here.",
    "sandbox.page.no_commands": "The bot has not set its commands yet.",
    "sandbox.page.sees": "{name} sees: {text}",
    "sandbox.page.not_ready": "The sandbox is starting; try again in a moment.",
    "sandbox.page.gone": "That message is gone.",
    "sandbox.page.refused": "The sandbox could not do that.",
    "sandbox.left_group": "Squadline left the group.",
    # -- the set-up, as the page shows it happening
    "sandbox.status.starting": "Starting the bot…",
    "sandbox.status.adding": "{name} adds Squadline to the group…",
    "sandbox.status.setting_up": "{name} sets up the squad…",
    "sandbox.status.language": "{name} sets the squad's language…",
    "sandbox.status.places": "{name} saves the squad's places…",
    "sandbox.status.joining": "{name} joins the squad…",
    "sandbox.status.ready": "The squad is ready.",
    "sandbox.status.stuck": "Setting up stopped: the bot did not answer in time. Press Reset to try again.",
    "sandbox.status.bot_stopped": "The bot stopped. Press Reset to start it again.",
    # -- the made-up squad
    "sandbox.role.reporter": "reporter",
    "sandbox.role.member": "member",
    "sandbox.role.lead": "lead",
    "sandbox.role.observer": "observer",
    "sandbox.role.skilled": "{role} · {skill}",
    "sandbox.place.taxi_rank": "Taxi Rank",
    "sandbox.place.clinic": "Clinic",
    "sandbox.place.police": "Police Station",
    "sandbox.place.park": "Park",
    "sandbox.place.shelter": "Night Shelter",
    # -- the tour, "Play a whole alert" ({button}: the button's label as the bot sent it)
    "sandbox.tour.alert": "they took my phone, I am at the {place}",
    "sandbox.tour.raise": "{name} is in the group but is not a member. Someone took her phone and she feels followed, so she sends /alert and names a place the squad saved.",
    "sandbox.tour.card": "The card in the group names nobody and gives no distance. The nearest suitable members get an offer in their private chat.",
    "sandbox.tour.decline": "{name} sees the offer: the distance, but not the place. {name} cannot go tonight and presses {button}.",
    "sandbox.tour.accept": "The offer moves on. {name} gets it and presses {button}.",
    "sandbox.tour.brief": "Only {name} gets the precise location, with a brief. The card in the group now says {name} is responding, and the offer to {first} is withdrawn.",
    "sandbox.tour.on_way": "{name} presses {button}.",
    "sandbox.tour.arrived": "{name} arrives and presses {button}.",
    "sandbox.tour.close": "All is well. {name} presses {button} and says how it ended.",
    "sandbox.tour.closed": "Closed. The card shows it, and the offers, the brief and the location are trimmed from everyone's phone. Now try it yourself: pick a person above and type, or press Reset to start over.",
    "sandbox.tour.stopped": "The tour stopped: the bot did not take the next step in time. Press Reset and play it again.",
}
