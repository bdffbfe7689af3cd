"""Squadline domain core: dispatch, alert lifecycle, escalation and privacy rules.

Nothing in this package imports Telegram except the composition root (``bot.app``)
and the command-line entry (``bot.__main__``), so another messenger adapter can
reuse the core whole.
"""
