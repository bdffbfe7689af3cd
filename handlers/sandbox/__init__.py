"""A stand-in for Telegram on this computer: the fake Bot API server that the tests drive
the real bot through, and (later) the local sandbox that lets people try the bot."""
