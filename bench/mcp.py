"""MCP over stdio: connect-to-first-call latency and per-call overhead of nexc's runtime layer against
the bare ``mcp`` SDK, measured in the same run, rounds interleaved (medians; ratio = nexc / SDK).

    .venv/bin/python bench/mcp.py [--rounds 7] [--calls 200]

Server: tests/mcp/server_fixture.py (the ``add`` tool). Rows:

- connect + first call: SDK ``Client`` enter + ``call_tool``; nexc: a run's MCP session (the server
  starts in the background at run start) + the first call through the tool (locked declarations);
- connect + list + first call: SDK enter + ``list_tools`` + call; nexc: listing at load (no lockfile:
  the server is started, listed and stopped) + a run's session + first call;
- per call: sequential calls on a live connection (nexc adds argument validation and the observation);
- stop: leaving the SDK client / closing the run's session (the server process exits);
- nexc layer alone: one call through the tool with the transport replaced by a canned result (argument
  validation, the session lookup, the observation): what nexc adds to each call, without I/O noise.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder is sys.path[0] and this file would shadow the `mcp` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

from nexc.ir.model import McpServer  # noqa: E402
from nexc.mcp import client as m  # noqa: E402
from nexc.mcp.tools import listed, tools_for  # noqa: E402

SERVER = str(ROOT / "tests" / "mcp" / "server_fixture.py")


async def sdk_round(calls: int) -> dict:
    params = StdioServerParameters(command=sys.executable, args=[SERVER])
    out = {}
    t0 = time.perf_counter()
    async with Client(params, mode="legacy", cache=None) as c:
        await c.call_tool("add", {"a": 1, "b": 2})
        out["first"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    async with Client(params, mode="legacy", cache=None) as c:
        await c.list_tools()
        await c.call_tool("add", {"a": 1, "b": 2})
        out["list_first"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        for _ in range(calls):
            await c.call_tool("add", {"a": 1, "b": 2})
        out["call"] = (time.perf_counter() - t1) / calls
        t2 = time.perf_counter()
    out["stop"] = time.perf_counter() - t2
    return out


async def nexc_round(srv: McpServer, decls: list[dict], calls: int) -> dict:
    out = {}
    add = {t.name: t for t in tools_for(srv, None, None, decls)}[f"{srv.name}__add"]
    t0 = time.perf_counter()
    async with m.run_session([srv], None):
        await add.fn(a=1, b=2)
        out["first"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    add = {t.name: t for t in await asyncio.to_thread(tools_for, srv, None, None)}[f"{srv.name}__add"]
    async with m.run_session([srv], None) as session:
        await add.fn(a=1, b=2)
        out["list_first"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        for _ in range(calls):
            await add.fn(a=1, b=2)
        out["call"] = (time.perf_counter() - t1) / calls
        t2 = time.perf_counter()
        await session.aclose()
        out["stop"] = time.perf_counter() - t2
    return out


async def layer_only(srv: McpServer, decls: list[dict], calls: int) -> float:
    """Seconds per call of nexc's own work (the SDK call replaced by a canned ``CallToolResult``)."""
    import mcp_types

    from nexc.mcp import tools as mcp_tools

    canned = mcp_types.CallToolResult(content=[mcp_types.TextContent(type="text", text="3")],
                                      structured_content={"result": 3})

    async def fake_call(server, root_dir, tool, args):
        return canned
    add = {t.name: t for t in tools_for(srv, None, None, decls)}[f"{srv.name}__add"]
    real, mcp_tools.call_tool = mcp_tools.call_tool, fake_call
    try:
        t0 = time.perf_counter()
        for _ in range(calls):
            await add.fn(a=1, b=2)
        return (time.perf_counter() - t0) / calls
    finally:
        mcp_tools.call_tool = real


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=200)
    a = ap.parse_args()
    srv = McpServer(name="b", transport="stdio", command=sys.executable, args=(SERVER,))
    decls = listed(srv, None)  # what `nexc mcp lock` would have written
    sdk: dict[str, list] = {}
    ours: dict[str, list] = {}
    for i in range(a.rounds):
        for res, fn in ((sdk, lambda: sdk_round(a.calls)), (ours, lambda: nexc_round(srv, decls, a.calls))):
            for k, v in asyncio.run(fn()).items():
                res.setdefault(k, []).append(v)
    rows = (("connect + first call", "first", 1e3, "ms"), ("connect + list + first call", "list_first", 1e3, "ms"),
            ("per call, sequential", "call", 1e6, "us"), ("stop", "stop", 1e3, "ms"))
    print(f"MCP over stdio, {a.rounds} rounds, {a.calls} calls per round, medians (server: {Path(SERVER).name})")
    print(f"{'metric':<30}{'bare SDK':>12}{'nexc':>12}{'ratio':>8}")
    for label, key, scale, unit in rows:
        s, n = statistics.median(sdk[key]), statistics.median(ours[key])
        print(f"{label:<30}{s * scale:>9.1f} {unit}{n * scale:>9.1f} {unit}{n / s:>7.2f}x")
    layer = statistics.median(asyncio.run(layer_only(srv, decls, a.calls * 10)) for _ in range(a.rounds))
    print(f"{'nexc layer alone, per call':<30}{'-':>12}{layer * 1e6:>9.1f} us"
          f"{layer / statistics.median(sdk['call']) * 100:>6.1f}% of an SDK call")


if __name__ == "__main__":
    main()
