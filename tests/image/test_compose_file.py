"""docker/compose.yaml: long polling as shipped, and webhook mode behind Caddy as a
commented alternative that still makes a valid compose file once it is uncommented.

No YAML parser is a dependency, and none is needed for this: a small reader checks the
one mistake a commented alternative invites, a key given twice in the same mapping
(compose refuses it: "mapping key ... already defined")."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker" / "compose.yaml"
# A commented line of YAML ("# key: value", "# - item"), not a sentence: the key comes
# straight after "# ", followed by a colon.
COMMENTED_YAML = re.compile(r"^(\s*)# ?(\s*(?:[\w.-]+:(?:\s|$)|- ).*)$")


def uncommented(text: str) -> str:
    """The file as a host who wants webhook mode makes it: every commented line of YAML
    uncommented, every sentence left as it is."""
    return "\n".join(
        m.group(1) + m.group(2) if (m := COMMENTED_YAML.match(line)) else line
        for line in text.splitlines()
    )


def keys_given_twice(text: str) -> list[str]:
    """Keys repeated within one mapping, by indentation (enough for a compose file)."""
    levels: list[tuple[int, set[str]]] = []
    twice = []
    for number, line in enumerate(text.splitlines(), 1):
        body = line.split(" #", 1)[0].rstrip()
        if not body.strip() or body.lstrip().startswith("#"):
            continue
        indent = len(body) - len(body.lstrip())
        item = body.lstrip().startswith("- ")
        if item:  # a list item opens a mapping of its own, two columns in
            indent += 2
            body = " " * indent + body.lstrip()[2:]
        key = re.match(r"\s*([\w.-]+):(?:\s|$)", body)
        while levels and (levels[-1][0] > indent or (item and levels[-1][0] == indent)):
            levels.pop()
        if not levels or levels[-1][0] < indent:
            levels.append((indent, set()))
        if key is None:
            continue
        if key.group(1) in levels[-1][1]:
            twice.append(f"line {number}: {key.group(1)}")
        levels[-1][1].add(key.group(1))
    return twice


def test_the_compose_file_as_shipped_polls_and_gives_no_key_twice() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert keys_given_twice(text) == []
    live = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not any("WEBHOOK" in line or "caddy" in line for line in live)


def test_uncommenting_the_webhook_alternative_gives_a_valid_compose_file() -> None:
    webhook = uncommented(COMPOSE.read_text(encoding="utf-8"))
    assert keys_given_twice(webhook) == []
    for line in (
        "      SQUADLINE_DATABASE: /data/squadline.sqlite3",
        "      SQUADLINE_WEBHOOK_URL: https://bot.example.org/telegram/updates",
        "      SQUADLINE_WEBHOOK_LISTEN: 0.0.0.0",
        "    expose:",
        "  proxy:",
        "    command: caddy reverse-proxy --from bot.example.org --to squadline:8080",
        "  caddy-data:",
    ):
        assert line in [given.split("  #", 1)[0] for given in webhook.splitlines()], line


def test_the_reader_finds_a_key_given_twice() -> None:
    assert keys_given_twice("a:\n  b: 1\n  c: 2\n  b: 3\nd:\n  b: 4\n") == ["line 4: b"]
    listed = "x:\n  - path: .env\n    required: false\n  - path: .env2\n    required: true\n"
    assert keys_given_twice(listed) == []
