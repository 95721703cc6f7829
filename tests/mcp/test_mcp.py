import asyncio
import json
import time

import pytest
from mcp_testlib import stdio_server

from nexc.ir.model import Agent, EnvRef, Framework, Limits, Llm, McpSelection, McpServer, Prompt
from nexc.mcp import client as m
from nexc.mcp.tools import tools_for
from nexc.runtime.tools import ToolError


def _tools(server, sel=None):
    return {t.name: t for t in tools_for(server, sel, None)}


async def _call(tool, **args):
    try:
        return await tool.fn(**args)
    except ToolError as exc:
        return f"Error: {exc}"


def test_stdio_list_call_errors_and_restart():
    tools = _tools(stdio_server())
    assert {"fx__add", "fx__echo", "fx__fail", "fx__die"} <= set(tools)
    assert tools["fx__add"].description.startswith("[MCP fx.add]")

    async def go():
        async with m.McpSession() as session:  # one connection for all calls, as in a run
            out = [await _call(tools["fx__add"], a=2, b=3),
                   await _call(tools["fx__echo"], message="hi"),
                   await _call(tools["fx__fail"], reason="x"),
                   await _call(tools["fx__add"], a="two", b=3),
                   await _call(tools["fx__add"], a=1),
                   await _call(tools["fx__die"]),
                   await _call(tools["fx__add"], a=40, b=2)]
            return out, session.connections["fx"].starts
    out, starts = asyncio.run(go())
    assert starts == 2, out
    assert json.loads(out[0]) == {"result": 5}
    assert "echo: hi" in out[1]
    assert out[2].startswith("Error:") and "fail" in out[2]
    assert out[3].startswith("Error: invalid arguments for 'fx__add'") and "integer" in out[3]
    assert "required" in out[4]
    assert out[5].startswith("Error: MCP server 'fx' stopped") and "restarted" in out[5]
    assert json.loads(out[6]) == {"result": 42}  # restarted


def test_selection_include_exclude_and_env(monkeypatch):
    monkeypatch.setenv("NEXC_TEST_SECRET", "s3cr3t")
    srv = stdio_server(exclude=("die",), env={"FOO": EnvRef(name="NEXC_TEST_SECRET")})
    tools = _tools(srv)
    assert "fx__die" not in tools
    assert set(_tools(srv, ("add",))) == {"fx__add"}
    assert asyncio.run(_call(tools["fx__getenv"], name="FOO")) == '{"result": "s3cr3t"}'


def test_connect_deadline():
    t0 = time.perf_counter()
    with pytest.raises(m.McpUnavailable, match="did not answer within 1s"):
        tools_for(stdio_server("hung", "--hang", connect_timeout=1.0), None, None)
    assert time.perf_counter() - t0 < 6


def test_missing_command_is_a_plan_problem():
    srv = McpServer(name="nope", transport="stdio", command="/nonexistent/mcp-server", connect_timeout=2)
    fw = Framework(name="t", mcp_servers=(srv,), llms=(Llm(name="m", model="x"),), entry="main",
                   agents=(Agent(name="main", llm="m", prompt=Prompt(text="hi"),
                                 tools=(McpSelection(server="nope"),)),))
    from nexc.api import CompiledFramework

    cf = CompiledFramework.from_ir(fw, ".")
    assert any("nope" in p for p in cf.problems)  # reported, never raised


def test_call_timeout():
    tools = _tools(stdio_server(call_timeout=0.5))
    out = asyncio.run(_call(tools["fx__sleep"], seconds=5))
    assert "did not finish within 0.5s" in out


def test_streamable_http(http_url):
    srv = McpServer(name="web", transport="http", url=http_url)
    tools = _tools(srv)
    assert json.loads(asyncio.run(_call(tools["web__add"], a=1, b=1))) == {"result": 2}
    assert asyncio.run(_call(tools["web__fail"])).startswith("Error:")


def test_sse(sse_url):
    srv = McpServer(name="old", transport="sse", url=sse_url)
    tools = _tools(srv)
    assert json.loads(asyncio.run(_call(tools["old__add"], a=2, b=3))) == {"result": 5}
    assert asyncio.run(_call(tools["old__add"], a="x", b=1)).startswith("Error: invalid arguments")


def test_agent_run_with_mcp_tools():
    from nexc.api import CompiledFramework
    from nexc.testing import FakeOpenAI, call, reply

    fw = Framework(name="t", mcp_servers=(stdio_server(),), llms=(Llm(name="m", model="fake"),), entry="main",
                   agents=(Agent(name="main", llm="m", prompt=Prompt(text="You add."),
                                 tools=(McpSelection(server="fx", tools=("add", "fail")),),
                                 limits=Limits(max_iterations=5)),))
    cf = CompiledFramework.from_ir(fw, ".")
    script = [reply(tool_calls=[call("fx__add", {"a": 20, "b": 22}), call("fx__fail", {})]), reply("42")]
    with FakeOpenAI(script) as url:
        res = cf.run("add", base_url=url, api_key="sk-test")
    assert res.output == "42", res.error
    text = json.dumps(res.records)
    assert '{\\"result\\": 42}' in text
    assert "Error:" in text


def test_lock_snapshot(tmp_path):
    from nexc.mcp.lockfile import load_lock
    from nexc.mcp.lockfile import write_lock

    fw = Framework(name="t", entry="main", mcp_servers=(stdio_server(env={"TOKEN": "hunter2"}),))
    path, errors = write_lock(fw, tmp_path)
    assert errors == {}
    text = path.read_text()
    assert "hunter2" not in text
    first = text
    write_lock(fw, tmp_path)
    assert path.read_text() == first  # deterministic
    doc = json.loads(text)
    assert doc["version"] == 1
    assert doc["servers"]["fx"]["server"] == {"name": "fixture", "version": "1.2.3"}
    assert doc["servers"]["fx"]["config"].startswith("sha256:")
    assert [t["name"] for t in doc["servers"]["fx"]["tools"]] == ["add", "die", "echo", "fail", "getenv", "junk",
                                                                  "pid", "sleep"]
    assert doc["servers"]["fx"]["tools"][0] == {
        "name": "add", "description": "Add two integers.",
        "inputSchema": {"properties": {"a": {"title": "A", "type": "integer"},
                                       "b": {"title": "B", "type": "integer"}},
                        "required": ["a", "b"], "title": "addArguments", "type": "object"}}
    assert set(load_lock(tmp_path)["fx"][0]) == {"name", "description", "inputSchema"}


def test_junk_on_stdout_is_survived():
    tools = _tools(stdio_server("noisy", "--junk"))

    async def go():
        async with m.McpSession():
            return [await _call(tools["noisy__junk"]), await _call(tools["noisy__add"], a=1, b=2)]
    assert asyncio.run(go()) == ['{"result": "after junk"}', '{"result": 3}']


def test_lint_and_runtime_share_the_exposed_name():
    from nexc.analysis import graph
    from nexc.mcp import names as mcp_names

    assert m.exposed_name is mcp_names.exposed_name
    assert mcp_names.exposed_name("my-srv", "get.time") == "my-srv__get_time"
    assert len(mcp_names.exposed_name("s", "x" * 100)) == 64
    srv = stdio_server()
    agent = Agent(name="a", tools=(McpSelection(server="fx", tools=("add",)), McpSelection(server="fx")))
    fw = Framework(name="t", entry="a", agents=(agent,), mcp_servers=(srv,))
    names = [n for n, _ in graph.exposed_names(agent, {"fx": ["add", "echo"]}, fw)]
    runtime = sorted(_tools(srv, ("add", "echo")))
    assert names == ["fx__add", "fx__add", "fx__echo"] and sorted(set(names)) == runtime
