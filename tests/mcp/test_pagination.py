"""tools/list across pages: a low-level server (tests/mcp/paged_server.py) offers 25 tools, 10 per page;
the runtime and ``nexc mcp lock`` must see all of them."""
import asyncio
import json
import sys

from mcp_testlib import PAGED

from nexc.ir.model import Framework, McpServer
from nexc.mcp import client as m
from nexc.mcp.tools import tools_for


def paged(n=25, page=10):
    return McpServer(name="pg", transport="stdio", command=sys.executable, args=(PAGED, str(n), str(page)))


def test_runtime_lists_every_page_and_calls_the_last_tool():
    tools = {t.name: t for t in tools_for(paged(), None, None)}
    assert sorted(tools) == [f"pg__t{i:02d}" for i in range(25)]

    async def go():
        async with m.McpSession():
            return await tools["pg__t24"].fn(x=7)
    assert asyncio.run(go()) == "t24 got 7"


def test_list_tools_asks_for_each_page(capfd, monkeypatch):
    monkeypatch.setenv("NEXC_DEBUG", "1")  # the server's stderr (one line per tools/list) reaches ours

    async def go():
        async with m.McpSession() as s:
            conn = s.connection(paged(23, 5))
            return [t.name for t in await conn.list_tools()]
    names = asyncio.run(go())
    assert names == [f"t{i:02d}" for i in range(23)]
    asked = [line for line in capfd.readouterr().err.splitlines() if line.startswith("list cursor=")]
    assert asked == [f"list cursor={i}" for i in (0, 5, 10, 15, 20)]


def test_lock_holds_every_page(tmp_path):
    from nexc.mcp.lockfile import load_lock
    from nexc.mcp.lockfile import write_lock

    fw = Framework(name="t", entry="main", mcp_servers=(paged(),))
    path, errors = write_lock(fw, tmp_path)
    assert errors == {}
    doc = json.loads(path.read_text())
    assert doc["servers"]["pg"]["server"] == {"name": "paged", "version": "0.1.0"}
    assert [t["name"] for t in load_lock(tmp_path)["pg"]] == [f"t{i:02d}" for i in range(25)]
    assert doc["servers"]["pg"]["tools"][24]["inputSchema"]["required"] == ["x"]
