"""The fake Bot API takes files the way Telegram does: multipart uploads of photos and
documents, kept with the call that sent them, and refused when Telegram would refuse them."""

from __future__ import annotations

import struct
import zlib

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest

from tests.fakegram.server import FakeTelegram


def tiny_png(width: int, height: int) -> bytes:
    """A valid PNG of one grey colour (enough for the header Telegram reads)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_a_photo_and_a_document_arrive_with_their_bytes(fake: FakeTelegram) -> None:
    user = fake.user(501, "Nomsa")
    chat = fake.private_chat(user)
    fake.started.add(chat.id)
    png = tiny_png(32, 20)
    async with Bot(fake.token, base_url=f"{fake.url}/bot") as bot:
        photo = await bot.send_photo(chat.id, InputFile(png, filename="chart.png"), caption="c")
        document = await bot.send_document(
            chat.id, InputFile(b"month,count\n2026-11,<5\n", filename="report.csv")
        )
    assert (photo.photo[-1].width, photo.photo[-1].height) == (32, 20)
    assert photo.caption == "c"
    assert document.document is not None and document.document.file_name == "report.csv"
    sent = fake.calls_to("sendPhoto", chat.id)[0].upload()
    assert sent is not None and sent.data == png and sent.filename == "chart.png"
    csv = fake.calls_to("sendDocument", chat.id)[0].upload()
    assert csv is not None and csv.data == b"month,count\n2026-11,<5\n"


async def test_a_photo_that_is_not_an_image_is_refused(fake: FakeTelegram) -> None:
    user = fake.user(502, "Sipho")
    chat = fake.private_chat(user)
    fake.started.add(chat.id)
    async with Bot(fake.token, base_url=f"{fake.url}/bot") as bot:
        with pytest.raises(BadRequest):
            await bot.send_photo(chat.id, InputFile(b"not a png", filename="x.png"))
    assert fake.calls_to("sendPhoto") == []
