"""A stand-in for Telegram on this computer.

``fakegram`` is the fake Bot API server that the tests drive the real bot through (its
parts: ``fakegram_shapes``, ``fakegram_chats``, ``fakegram_methods``). The rest is the
local sandbox (``make run`` with no token, ``squadline sandbox``): the real bot polls that
fake server, a made-up squad is set up by driving the bot as people would (``setup``,
``people``, ``cast``), and a page on 127.0.0.1 (``web``, ``static/``) shows the chats as
the bot sends and edits messages (``feed``), with a scripted tour (``tour``). ``session``
holds one run and starts it over; ``runner`` is the command.
"""
