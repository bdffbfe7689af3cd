"""The text catalogue: every user-facing string, keyed, ready for translation.

Messages are sent as plain text (no parse mode), so user-supplied values can never
inject markup. Tests import the keys instead of copying strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EN: dict[str, str] = {
    # generic
    "lines": "{lines}",
    "not_set_up": "This group is not a Squadline squad yet. A group admin can send /setup <squad name>.",
    "group_only": "Please use this command in your squad's group.",
    "private_only": "Please use this command in a private chat with me.",
    "not_member": "You are not a member of this squad yet. Send /join in the squad's group.",
    "not_member_any": "You are not in any squad yet. Send /join in your squad's group, then tap the button.",
    "leads_only": "Only a lead of this squad can do that.",
    "several_squads": "You are in several squads. Please send this command in the squad's group.",
    "unknown_code": "I don't know an alert with the code {code}. Codes look like #K7QX.",
    "missing_code": "Please give the alert code, for example: /{command} K7QX",
    "bad_code": '"{raw}" is not an alert code. Codes are 4 to 6 letters and digits, for example: /{command} K7QX',
    "error": "Sorry, something went wrong on my side. Your request was not lost if it was an alert; please try again otherwise.",
    "too_long": "That is too long: at most {limit} characters, please.",
    # -- issue 8 fixes (H1)
    "private.open_first": "I answer that only in our private chat, and I can't reach you there yet. Tap my name, press Start, then send the command again.",
    "offer.resent": "(Sent again: I could not tell whether the first copy reached you. Answer on this one.)",
    "note.purged": "#{code} ended more than {days} days ago, so its records were deleted. A note can no longer be added.",
    # setup
    "setup.usage": "Send /setup <squad name>, for example: /setup Hillbrow Squad",
    "setup.usage_code": "Send /setup <setup code> <squad name>, for example: /setup 1234 Hillbrow Squad",
    "setup.bad_code": "That setup code is not right. Ask the person who runs this Squadline bot for it.",
    "setup.not_admin": "Only an administrator of this group can set up a squad.",
    "setup.anonymous": "Please send /setup from your own account, not as the anonymous group admin.",
    "setup.exists": 'This group is already the squad "{name}".',
    "setup.done": 'Squad "{name}" is set up and you are its first lead.\nMembers: send /join here, then tap the button to open a private chat with me.',
    # join / start
    "join.prompt": 'To join "{name}", tap the button and press Start in the private chat. Offers and precise locations only ever go to private chats.',
    "join.button": "Open a private chat with Squadline",
    "start.welcome": "Hello! I am Squadline. To join a squad, send /join in the squad's group and tap the button.\nSend /help to see what I can do.",
    "start.bad_token": "That invite link is not valid any more. Send /join in the squad's group for a fresh one.",
    "start.joined": 'Welcome to "{name}". The squad will see you as "{alias}" (change it with /alias <name>).\nPlease share your location with the button below so I can offer you alerts nearby. Live location is best.',
    "start.already": 'You are already in "{name}" as "{alias}". Share your location with the button below whenever you move.',
    "start.location_button": "📍 Share my location",
    # profile
    "alias.usage": "Send /alias <name>, for example: /alias Lindi",
    "alias.done": 'The squad will now see you as "{alias}".',
    "availability.done": "You are now {availability}.",
    "availability.available": "available",
    "availability.busy": "busy",
    "availability.off": "off duty",
    "location.saved": "Got your location. Thank you; I keep it for {ttl_hours} hours and show it to nobody.",
    "location.saved_live": "Got your live location. I will use the updates while it is live.",
    "location.unused": "Thanks, but you are not in a squad yet, so I did not keep that location.",
    "location.alert_attached": "Got the location for #{code}. Finding someone now.",
    "me.header": "What I hold about you:",
    "me.squad": '• {squad}: "{alias}", {role}, {availability}',
    "me.location_none": "Location: none shared yet.",
    "me.location": "Location: shared {age} ago ({freshness}).",
    "me.location_live": "Location: live, last update {age} ago.",
    "me.fresh": "fresh",
    "me.stale": "stale, please share again",
    "me.reachable": "Private chat: open, so I can send you offers.",
    "me.sent_private": "I sent you the details in our private chat.",
    "me.open_private": "Open a private chat with me first (send /join here and tap the button).",
    # roles
    "role.lead": "a lead",
    "role.member": "a member",
    "role.observer": "an observer",
    "lead.usage": "Reply to a member's message with /lead, or send /lead <alias>.",
    "role.done": '"{alias}" is now {role}.',
    "role.already": '"{alias}" is already {role}.',
    "member.usage": "Reply to someone's message with /member, or send /member <alias>.",
    "observer.usage": "Reply to someone's message with /observer, or send /observer <alias>.",
    "remove.usage": "Reply to a member's message with /remove, or send /remove <alias>.",
    "remove.done": '"{alias}" is no longer in this squad.',
    "remove.last_lead": "You cannot remove the last lead. Make someone else a lead first.",
    "member.unknown": 'There is no member called "{alias}" in this squad.',
    "member.ambiguous": 'Several members are called "{alias}". Reply to one of their messages instead.',
    # places
    "place.usage": "Send /place add <name> <lat>, <lon>, /place list or /place remove <name>.",
    "place.added": 'Saved the place "{name}".',
    "place.exists": 'There is already a place called "{name}".',
    "place.removed": 'Removed the place "{name}".',
    "place.unknown": 'There is no place called "{name}".',
    "place.list_empty": "No saved places yet. A lead can add one: /place add <name> <lat>, <lon>",
    "place.list": "Saved places:\n{places}",
    # coordinates
    "coords.lat_range": "Those coordinates are not valid: latitude must be between -90 and 90. Send /alert again with e.g. -26.2041, 28.0473, or just /alert and share your location.",
    "coords.lon_range": "Those coordinates are not valid: longitude must be between -180 and 180. Send /alert again with e.g. -26.2041, 28.0473, or just /alert and share your location.",
    "coords.not_numbers": "I could not read those coordinates. Write them as numbers, e.g. -26.2041, 28.0473, or just send /alert and share your location.",
    # alerts
    "alert.received": "🚨 Alert #{code} received. I am finding the nearest available member now.",
    "alert.received_squad": '🚨 Alert #{code} received and sent to "{squad}". I am finding the nearest available member now.',
    "alert.need_location_private": "Where are you? Tap the button to share your location for #{code}. If nothing comes within {wait_s} seconds, I alert the whole squad anyway.",
    "alert.need_location_group": "Where is it? Reply to this message with a location for #{code} (📎 → Location). If nothing comes within {wait_s} seconds, I alert the whole squad anyway.",
    "alert.no_text": "(no details given)",
    "card.header": "🚨 #{code} · {state}\n{text}",
    "card.area": "Area: {area}",
    "card.waiting_location": "Waiting for a location…",
    "card.finding": "Finding the nearest available member…",
    "card.offered": "Offered to {alias} ({distance}).",
    "card.offered_many": "No location: offered to everyone available ({count}).",
    "card.escalated": "⚠️ Nobody has acknowledged yet. Any available member can claim it.",
    "card.owner": "✅ {alias} is responding.",
    "card.en_route": "🚶 {alias} is on the way.",
    "card.on_scene": "📍 {alias} has arrived.",
    "card.closed": "Closed: {outcome}.",
    "card.cancelled": "Cancelled.",
    "state.new": "new",
    "state.offered": "offered",
    "state.acknowledged": "acknowledged",
    "state.en_route": "on the way",
    "state.on_scene": "on scene",
    "state.escalated": "escalated",
    "state.closed": "closed",
    "state.cancelled": "cancelled",
    "offer.text": "🚨 Can you respond to #{code}?\n{text}\nDistance: {distance}{stale}. The precise location comes when you accept.",
    "offer.text_nodistance": "🚨 Can you respond to #{code}?\n{text}\nNo location was shared yet. You get it when you accept if one arrives.",
    "offer.stale": " (from your location {age} ago)",
    "offer.withdrawn": "#{code}: this offer was withdrawn. Thank you.",
    "offer.taken": "#{code}: someone else is responding. Stand down, thank you.",
    "offer.cancelled": "#{code} was cancelled. Stand down, thank you.",
    "escalation.group": "⚠️ Nobody has acknowledged #{code} yet.\n{text}\nAny available member: press Claim.",
    "delivery.failed": "⚠️ I could not deliver a message about #{code} (Telegram is refusing or unreachable). Leads: please check /status and follow up directly.",
    "escalation.lead": '⚠️ Lead page: nobody has acknowledged #{code} in "{squad}".\n{text}',
    "button.accept": "✅ Accept",
    "button.decline": "❌ Decline",
    "button.claim": "🙋 Claim",
    "button.en_route": "🚶 On my way",
    "button.arrived": "📍 Arrived",
    "button.close": "✔️ Close",
    "owner.text": "✅ You have #{code}.\n{text}\nThe precise location follows. Use the buttons to update the squad.",
    "owner.no_location": "No location was shared yet; I will send it here as soon as it comes.",
    "owner.location_follows": "📍 Location for #{code}:",
    "owner.assigned": "A lead assigned #{code} to you.",
    "reporter.responding": "Someone from the squad is responding to #{code}.",
    "reporter.cancelled": "#{code} was cancelled.",
    "reporter.closed": "#{code} is closed. Take care.",
    "claim.won": "You have #{code}. Check our private chat for the location.",
    "claim.taken": "#{code} is already taken.",
    "claim.closed": "#{code} is no longer open.",
    "claim.not_available": "You are marked {availability}. Send /available first, then claim.",
    "claim.unreachable": "I can't reach you privately. Send /join and tap the button first, so I can send you the location.",
    "claim.usage": "Send /claim <code>, for example: /claim K7QX",
    "accept.not_yours": "This offer is not for you.",
    "decline.done": "Declined. Thank you; I am asking someone else.",
    "decline.stale": "This offer is no longer open.",
    "progress.done": "Updated.",
    "progress.not_owner": "Only the member responding to #{code} can update it.",
    "progress.bad_state": "#{code} can't move to that step now.",
    "close.usage": "Send /close <code>, for example: /close K7QX",
    "close.pick": "How did #{code} end?",
    "close.not_allowed": "Only the member responding to #{code} or a lead can close it.",
    "close.not_open": "#{code} is not being responded to, so it can't be closed. A lead or the reporter can /cancel it.",
    "close.done": "#{code} is closed ({outcome}). Thank you. You are available again.\nTo add a short note: /note {code} <text>",
    "close.done_lead": "#{code} is closed ({outcome}).\nTo add a short note: /note {code} <text>",
    "outcome.resolved": "resolved on the spot",
    "outcome.health": "referred to health care",
    "outcome.legal": "referred to legal help",
    "outcome.police": "reported to police with consent",
    "outcome.unreachable": "could not reach the person",
    "outcome.false_alarm": "false alarm",
    "note.usage": "Send /note <code> <text>, for example: /note K7QX referred to clinic",
    "note.done": "Note saved for #{code}.",
    "note.not_closed": "Notes are added after #{code} is closed.",
    "cancel.usage": "Send /cancel <code>, for example: /cancel K7QX",
    "cancel.done": "#{code} is cancelled. Everyone holding it was told to stand down.",
    "cancel.not_allowed": "Only the reporter of #{code} or a lead can cancel it.",
    "cancel.not_open": "#{code} is already {state}.",
    "assign.usage": "Send /assign <code> <alias>, for example: /assign K7QX Lindi",
    "assign.done": '#{code} is assigned to "{alias}".',
    "assign.not_open": "#{code} already has someone responding or is finished.",
    "assign.unreachable": '"{alias}" has no private chat with me, so I can\'t send them the location.',
    # status
    "status.header": '📋 Status of "{squad}"',
    "status.open_none": "No open alerts.",
    "status.open": "Open alerts:",
    "status.alert_owner": "• #{code} · {state} · {who} · {age}",
    "status.nobody": "nobody yet",
    "status.offered_to": "offered to {alias}",
    "status.members": "Members: {available} available, {busy} busy, {off} off.",
    "status.available_list": "Available: {names}",
    "status.busy_list": "Busy: {names}",
    "status.off_list": "Off: {names}",
    "status.stale": "Stale or no location: {names}",
    "status.unreachable": "No private chat (can't get offers): {names}",
    "status.week": "Last 7 days: {raised} raised, {closed} closed; median time to acknowledge {ack}, to close {close}.",
    "status.none": "none",
    "status.na": "n/a",
    # help
    "help.header": "Squadline commands:",
    "help.everyone": "/alert [what happened] – raise an alert (add coordinates or a saved place name)\n/help – this list",
    "help.newcomer": "/join – join this squad (in the group)",
    "help.member": "/claim CODE – take an alert\n/close CODE – close an alert you are responding to\n/note CODE text – add a note to a closed alert\n/cancel CODE – cancel your own alert\n/available, /busy, /off – set your availability\n/alias name – choose the name the squad sees\n/me – what I hold about you",
    "help.lead": "Lead commands:\n/status – open alerts, members and the last 7 days\n/assign CODE alias – give an alert to someone\n/lead, /remove – reply to a member, or give an alias\n/place add name lat, lon · /place list · /place remove name",
    "help.setup": "/setup <squad name> – turn this group into a squad (group admins)",
    "cmd.alert": "Raise an alert",
    "cmd.claim": "Take an alert: /claim CODE",
    "cmd.close": "Close an alert: /close CODE",
    "cmd.cancel": "Cancel an alert: /cancel CODE",
    "cmd.status": "Squad status (leads)",
    "cmd.join": "Join this squad",
    "cmd.available": "I am available",
    "cmd.busy": "I am busy",
    "cmd.off": "I am off duty",
    "cmd.me": "What the bot holds about me",
    "cmd.alias": "Choose my name in the squad",
    "cmd.help": "Commands",
    "cmd.setup": "Set up this group as a squad (admins)",
    "cmd.assign": "Assign an alert (leads)",
    "cmd.place": "Saved places (leads)",
    "cmd.note": "Add a note to a closed alert",
    "cmd.pin": "Precise location of an alert (leads, audited)",
    "cmd.audit": "Recent audit entries (leads)",
    "cmd.hygiene": "Delete alert and location messages here (leads)",
    "cmd.forgetme": "Delete everything about me",
    "cmd.wipe": "Delete this whole squad (leads)",
    # privacy
    "observer.no": "Observers see only aggregate status; they do not take alerts.",
    "assign.observer": '"{alias}" is an observer and cannot take alerts.',
    "pin.private_only": "Ask for a precise location only in our private chat: /pin CODE",
    "pin.not_open": "#{code} is not open any more; its precise location is not shown.",
    "pin.no_location": "#{code} has no location yet.",
    "pin.sent": "The precise location of #{code} follows. This request is recorded in the audit trail.",
    "audit.header": 'Recent audit entries of "{squad}" (UTC):',
    "audit.none": "Nothing recorded yet.",
    "audit.entry": "• {when} · {who} · {action} {target}",
    "audit.someone": "someone",
    "hygiene.usage": "Send /hygiene on or /hygiene off.",
    "hygiene.on": "Hygiene is on: when I am an admin here, I delete /alert and location messages once I have captured them.",
    "hygiene.off": "Hygiene is off: I leave /alert and location messages in the group.",
    "contact.ask": "The squad sees you as {alias}, not by name. May the member who responds to #{code} see your Telegram contact?",
    "contact.button_no": "🙈 No, keep me anonymous",
    "contact.button_yes": "📞 Yes, they may contact me",
    "contact.allowed": "OK: the responder to #{code} may contact you.",
    "contact.anonymous": "OK: you stay anonymous for #{code}.",
    "contact.not_yours": "Only the reporter can choose this.",
    "contact.for_owner": "The reporter of #{code} agreed that you may contact them.",
    "contact.button": "💬 Message the reporter",
    "owner.anonymous": "The reporter ({alias}) chose to stay anonymous: coordinate through the squad.",
    "card.reporter": "Reported in private by {alias}.",
    "forget.confirm": "This deletes everything that identifies you: your memberships, aliases, locations and private chat with me, in every squad. Alerts you reported stay as anonymous case records, without your words. This cannot be undone.",
    "forget.confirm_button": "🗑 Yes, forget me",
    "forget.done": "Done. I have deleted everything that identified you.",
    "forget.not_yours": "Only you can confirm forgetting yourself.",
    "forget.last_lead": "You are the last lead of a squad that still has members. Make someone else a lead first (/lead), or delete the squad (/wipe).",
    "forget.owns_alert": "You are responding to #{code}. Close it or ask a lead to reassign it first.",
    "wipe.confirm_1": 'This deletes the squad "{squad}": every member, place, alert and case record. Are you sure?',
    "wipe.button_1": "Yes, delete the squad",
    "wipe.confirm_2": 'Really delete "{squad}"? There is no undo.',
    "wipe.button_2": "🗑 Delete it now",
    "wipe.step": "One more confirmation, please.",
    "wipe.done": "The squad is deleted. Nothing about it is left in my database.",
    "status.observer": "Open alerts: {open}. Members: {available} available, {busy} busy, {off} off.",
    "help.observer": "/status – aggregate status (no names, no locations)\n/me – what I hold about you\n/forgetme – delete everything about you",
    "help.privacy": "/forgetme – delete everything about you",
    "help.lead_privacy": "/pin CODE – precise location (private, audited)\n/audit – recent audit entries\n/hygiene on|off – delete captured messages\n/observer, /member – change someone's role\n/wipe – delete the squad",
    "bot.added": "Hello! A group admin can make this group a Squadline squad with /setup <squad name>.",
    # durations
    "age.s": "{n} s",
    "age.m": "{n} min",
    "age.h": "{n} h",
    "age.d": "{n} d",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": EN}


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(key: str, params: Mapping[str, Any] | None = None, lang: str = "en") -> str:
    """Render a catalogue entry. An unknown key renders as the key, never raises."""
    catalogue = CATALOGUES.get(lang, EN)
    template = catalogue.get(key) or EN.get(key) or key
    values = _Defaulting({k: _resolve(v, lang) for k, v in (params or {}).items()})
    return template.format_map(values)


def _resolve(value: Any, lang: str) -> Any:
    """Params that are themselves ``{"key": ..., "params": ...}`` are rendered first."""
    if isinstance(value, dict) and "key" in value:
        return render(value["key"], value.get("params"), lang)
    if isinstance(value, list):
        return "\n".join(str(_resolve(v, lang)) for v in value)
    return value


def t(key: str, **params: Any) -> dict[str, Any]:
    """A nested text value for use as a param (rendered in the reader's language)."""
    return {"key": key, "params": params}


def format_age(seconds: float) -> dict[str, Any]:
    s = max(0, int(seconds))
    if s < 60:
        return t("age.s", n=s)
    if s < 3600:
        return t("age.m", n=s // 60)
    if s < 86400:
        return t("age.h", n=s // 3600)
    return t("age.d", n=s // 86400)
