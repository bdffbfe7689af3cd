"""The fake Bot API server now lives in the product, at ``handlers/sandbox/fakegram.py``:
the tests and the local sandbox share one. This name stays so every
``from tests.fakegram.server import ...`` keeps working; the star import re-exports every
public name, including ones added to the server later."""

from handlers.sandbox.fakegram import *  # noqa: F403
