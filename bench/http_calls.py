"""The bot's CPU per Bot API call: its HTTP client (``BotApiRequest``, JSON calls over kept-alive
connections) against a bare ``aiohttp.ClientSession.post`` of the same body. The client
before also gave each call a timeout of its own, so its cost is if anything understated.
The server answers like Telegram's sendMessage, from a process of its own, so only the
client's CPU is counted. Prints one line per round; asserts nothing.

    python -m bench.http_calls [--calls 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import time
from collections.abc import Awaitable, Callable

import aiohttp
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot import json_codec
from bot.hosting.loop import run_on_fast_loop
from handlers.transport.http_client import BotApiRequest

PARAMS = {
    "chat_id": 123456789,
    "text": "#K7QX: can you help? " + "x" * 280,
    "reply_markup": {"inline_keyboard": [[{"text": "✅ Accept", "callback_data": "s1:acc:7:ca"}]]},
}
ANSWER = json_codec.dumps(
    {"ok": True, "result": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}
).encode()


def serve(sock: socket.socket) -> None:
    """Answers every request on ``sock`` with ``ANSWER``, keeping connections open."""
    reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
    reply %= (len(ANSWER), ANSWER)

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                writer.write(reply)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(one, sock=sock)
        await server.serve_forever()

    asyncio.run(main())


async def cpu_per_call(call: Callable[[], Awaitable[None]], calls: int, at_once: int) -> float:
    """Microseconds of this process's CPU per call, ``at_once`` calls in flight."""
    slots = asyncio.Semaphore(at_once)

    async def one() -> None:
        async with slots:
            await call()

    await asyncio.gather(*(one() for _ in range(200)))  # connections open, code warm
    start = time.process_time()
    await asyncio.gather(*(one() for _ in range(calls)))
    return (time.process_time() - start) / calls * 1e6


async def measure(url: str, calls: int, rounds: int) -> None:
    for at_once in (1, 8):
        for _ in range(rounds):
            request = BotApiRequest(connection_pool_size=8)
            await request.initialize()

            async def ours(request: BotApiRequest = request) -> None:
                data = RequestData([RequestParameter(k, v, None) for k, v in PARAMS.items()])
                status, _ = await request.do_request(url, "POST", data)
                assert status == 200

            mine = await cpu_per_call(ours, calls, at_once)
            await request.shutdown()
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=8), trust_env=False
            ) as session:

                async def theirs(session: aiohttp.ClientSession = session) -> None:
                    data = RequestData([RequestParameter(k, v, None) for k, v in PARAMS.items()])
                    body = json_codec.dumps(data.parameters).encode()
                    async with session.post(
                        url, data=body, headers={"Content-Type": "application/json"}
                    ) as response:
                        await response.read()
                        assert response.status == 200

                before = await cpu_per_call(theirs, calls, at_once)
            print(
                f"{at_once} in flight: BotApiRequest {mine:.0f} µs of CPU a call, "
                f"aiohttp's ClientSession {before:.0f} µs ({mine / before:.2f}×)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = multiprocessing.Process(target=serve, args=(sock,), daemon=True)
    server.start()
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/bot123:TOKEN/sendMessage"
        run_on_fast_loop(measure(url, args.calls, args.rounds))
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
