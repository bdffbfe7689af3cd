"""Telegram transport: the durable poller (``intake``) and the outbox sender with its
rate limits (``sender``, ``limits``). Not command handlers: they move updates in and
messages out, and parse nothing."""
