"""The English source of the sentences about drills (issue 15): ``/drill``, the DRILL mark
every message about one carries, and the refusals of what a drill has no part in. Merged
into ``bot.english.EN``; translations are in the same gettext catalogues."""

from __future__ import annotations

DRILLS: dict[str, str] = {
    "cmd.drill": "Run a practice alert in this squad (leads)",
    # The first line of every message about a drill (what a lock screen shows).
    "drill.marker": "🧪 DRILL · practice only, nobody is in danger",
    # A drill's line on the squad's board, among real alerts.
    "drill.tagged": "🧪 DRILL · {text}",
    # A drill's words on its card, its offers and the pages.
    "drill.words": "A practice alert: nobody is in danger. Answer it as you would a real one.",
    "button.claim_drill": "🙋 #{code} (🧪 DRILL)",
    # A drill's pin is a venue: its title and its address.
    "drill.pin_title": "🧪 DRILL: a made-up place",
    "drill.pin_address": "Practice only: nobody is here, and nobody needs to go.",
    # What a phone's clean-up says when the drill itself was deleted before it went out.
    "drill.over": "🧪 DRILL · this practice alert is over.",
    "drill.usage": 'I could not read "{raw}". Send /drill alone, or /drill TYPE to practise that crisis type. The types are: {types}.',
    "drill.expired": "#{code}: the drill ran out of time and ended by itself. Everyone holding it was told, and I delete it now.",
    "drill.close_done": "#{code} is closed ({outcome}). Thank you. You are available again.\nThe drill is over: I delete it now, with everything it left.",
    "drill.close_done_lead": "#{code} is closed ({outcome}).\nThe drill is over: I delete it now, with everything it left.",
    "drill.no_referral": "#{code} is a drill: there is nobody to refer.",
    "drill.no_record": "#{code} is a drill: nothing happened to anyone, so there is no case to record.",
    "drill.no_warning": "#{code} is a drill: there is nobody to warn the squad about.",
    "drill.no_fund": "#{code} is a drill: the fund pays only for real alerts.",
}
