"""Logging an exception without its message: the message of an exception can carry what a
person typed (a name, an alert's words, a coordinate), and no log line may hold that."""

from __future__ import annotations

import traceback


def where(error: BaseException) -> str:
    """The exception's type and where it was raised (file, line, function), never its text."""
    frames = traceback.extract_tb(error.__traceback__)[-6:]
    trail = " < ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames)
    )
    return f"{type(error).__name__} at {trail or 'unknown'}"
