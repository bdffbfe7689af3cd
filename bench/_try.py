import asyncio
import json
import sys

from bench.load import headroom

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
print(json.dumps(asyncio.run(headroom.run(headroom.Options(alerts=n)))))
