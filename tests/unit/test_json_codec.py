"""JSON in and out (bot/json_codec.py), and Telegram's answers read with it
(handlers/transport/http_client.py)."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest
from telegram.error import TelegramError

from bot import json_codec
from bot.intents import Button, Intent, MessageRole, Op, Priority, Text
from handlers.transport.http_client import BotApiRequest


def _standard(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize(
    "value",
    [
        {"update_id": 7, "message": {"text": "Polícia à porta 🚨", "chat": {"id": -100123}}},
        [1, 2.5, None, True, 'x\ny"z\\'],
        {"op": Op.EDIT, "priority": Priority.URGENT, "role": MessageRole.OFFER},
        {1: "int keys become strings", "nested": (1, 2)},
    ],
)
def test_it_writes_what_the_standard_library_wrote(value: object) -> None:
    written = json_codec.dumps(value)
    assert written == _standard(value)
    assert json_codec.loads(written) == json.loads(_standard(value))
    assert json_codec.loads(written.encode()) == json.loads(_standard(value))


def test_what_orjson_refuses_falls_back_to_the_standard_library() -> None:
    lone = json.loads('"\\ud800 then é"')  # a lone surrogate, as hostile input may escape
    assert json_codec.loads('"\\ud800 then é"') == lone
    written = json_codec.dumps({"t": lone})
    assert written == '{"t":"\\ud800 then \\u00e9"}'  # escaped: it can be stored and sent
    assert written.encode("utf-8") and json.loads(written) == {"t": lone}
    assert json_codec.dumps(2**70) == str(2**70)


def test_integers_are_read_whole_up_to_64_bits() -> None:
    assert json_codec.loads(str(2**63 - 1)) == 2**63 - 1
    assert json_codec.loads('{"id": -1002233445566}') == {"id": -1002233445566}


def test_what_is_not_json_is_a_value_error() -> None:
    for raw in ("", "nope", b"\xff\xfe", "{'single': 'quotes'}"):
        with pytest.raises(ValueError):
            json_codec.loads(raw)


def test_a_queued_message_comes_back_whole() -> None:
    intent = Intent(
        op=Op.SEND,
        chat_id=-100200,
        priority=Priority.URGENT,
        text=Text("alert.offer", {"code": "QX7", "distance_m": 812.5, "words": "é 🚨"}),
        buttons=((Button(Text("button.claim"), alert_id=3, arg="ca"),),),
        alert_id=3,
        member_id=9,
        role=MessageRole.OFFER,
    )
    back = Intent.from_json(intent.to_json())
    assert back == intent
    # Read back with every field set, as each dataclass's own __init__ would set them.
    for made in (back, back.text, back.buttons[0][0], back.buttons[0][0].label):
        assert set(vars(made)) == {f.name for f in dataclasses.fields(made)}
        assert vars(made) == vars(type(made)(**vars(made)))


def test_telegrams_answer_is_read_and_bad_bytes_are_replaced_as_ptb_does() -> None:
    assert BotApiRequest.parse_json_payload(b'{"ok":true,"result":"\xc3\xa9"}') == {
        "ok": True,
        "result": "é",
    }
    assert BotApiRequest.parse_json_payload(b'{"ok":true,"result":"\xff"}') == {
        "ok": True,
        "result": "\ufffd",
    }


def test_an_answer_that_is_not_json_is_refused_and_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    body = b"<html>+351 912 345 678 wrote: meet me at the station</html>"
    with pytest.raises(TelegramError, match="Invalid server response"):
        BotApiRequest.parse_json_payload(body)
    assert "912" not in caplog.text and "station" not in caplog.text
    assert f"({len(body)} bytes)" in caplog.text
