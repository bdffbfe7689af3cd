"""Log lines as text or as one JSON object a line (``SQUADLINE_LOG_FORMAT``).

Either way a record holds only what the code logged: no name, alias, alert text, token or
coordinate ever reaches a log call (see README "Who we protect against"), so the format
adds nothing but the time, the level and the logger's name.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Literal

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

LogFormat = Literal["text", "json"]


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, and the
    traceback when one was logged (as the text format would print it)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def handler(log_format: LogFormat, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing to ``stream`` (stderr) in the chosen format."""
    out = logging.StreamHandler(stream if stream is not None else sys.stderr)
    out.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    return out


def configure(level: str, log_format: LogFormat, stream: IO[str] | None = None) -> None:
    """The process's logging: one handler on the root logger, at ``level``."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(log_format, stream))
    root.setLevel(level.upper())
