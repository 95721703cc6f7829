"""MCP over stdio: connect-to-first-call latency and per-call overhead (medians).

    .venv/bin/python bench/mcp.py [--rounds 5] [--calls 200]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nexc.ir.model import McpServer  # noqa: E402
from nexc.runtime import mcp as m  # noqa: E402

SERVER = str(ROOT / "tests" / "mcp" / "server_fixture.py")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--calls", type=int, default=200)
    a = ap.parse_args()
    first, per_call = [], []
    for i in range(a.rounds):
        srv = McpServer(name=f"b{i}", transport="stdio", command=sys.executable, args=(SERVER,))
        t0 = time.perf_counter()
        tools = {t.name: t for t in m.tools_for(srv, None, None)}
        add = tools[f"b{i}__add"]

        async def go():
            await add.fn(a=1, b=2)
            t1 = time.perf_counter()
            for _ in range(a.calls):
                await add.fn(a=1, b=2)
            return t1, time.perf_counter()
        t1, t2 = asyncio.run(go())
        first.append(t1 - t0)
        per_call.append((t2 - t1) / a.calls)
        m.close_all()
    print(f"{'metric':<36}{'median':>12}")
    print(f"{'connect+list+first call (stdio)':<36}{statistics.median(first) * 1e3:>10.1f}ms")
    print(f"{'per call, sequential (stdio)':<36}{statistics.median(per_call) * 1e6:>10.0f}us")


if __name__ == "__main__":
    main()
