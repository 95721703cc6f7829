"""Server lifetime: a run starts its MCP servers when it starts and stops them when it ends (answer,
timeout, a hung server), so no child process outlives a run; runs never share a server process."""
import asyncio
import json
import time

from mcp_testlib import alive, children, stdio_server

from nexc.ir.model import Agent, Framework, Limits, Llm, McpSelection, Prompt
from nexc.mcp.lockfile import write_lock
from nexc.testing import FakeOpenAI, call, reply


def _framework(server, tools=None):
    return Framework(name="t", mcp_servers=(server,), llms=(Llm(name="m", model="fake"),), entry="main",
                     agents=(Agent(name="main", llm="m", prompt=Prompt(text="Use the tools."),
                                   tools=(McpSelection(server=server.name, tools=tools),),
                                   limits=Limits(max_iterations=5)),))


def _locked(tmp_path, server, tools=None):
    """A loaded framework whose tool schemas come from the lockfile (loading starts nothing)."""
    from nexc.api import CompiledFramework

    fw = _framework(server, tools)
    assert write_lock(fw, tmp_path)[1] == {}
    return CompiledFramework.from_ir(fw, tmp_path)


def _starts(path) -> list[int]:
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _tool_results(res) -> list[str]:
    return [m["content"] for rec in res.records for m in rec["messages"] if m.get("role") == "tool"]


def test_each_run_starts_its_server_and_stops_it_at_the_end(tmp_path):
    starts = tmp_path / "starts.log"
    cf = _locked(tmp_path, stdio_server("fx", "--starts", str(starts)), ("pid", "add"))
    assert len(_starts(starts)) == 1  # the lock; loading with a lockfile started nothing

    async def two_runs():  # one event loop for both runs: its end cannot be what stops the servers
        pids = []
        for _ in range(2):
            with FakeOpenAI([reply(tool_calls=[call("fx__pid", {})]), reply("ok")]) as url:
                res = await cf.arun("pid?", base_url=url, api_key="sk-test")
            assert res.output == "ok", res.error
            pid = int(json.loads(_tool_results(res)[0].split("\n\n")[0])["result"])
            assert pid == _starts(starts)[-1]
            assert not alive(pid), "the run's MCP server outlived the run"
            assert not children()
            pids.append(pid)
        return pids
    pids = asyncio.run(two_runs())
    assert pids[0] != pids[1] and len(_starts(starts)) == 3  # one server per run


def test_server_started_at_run_start_is_stopped_even_if_never_called(tmp_path):
    starts = tmp_path / "starts.log"
    cf = _locked(tmp_path, stdio_server("fx", "--starts", str(starts)))

    async def run():
        with FakeOpenAI([reply("nothing to do")]) as url:
            res = await cf.arun("hi", base_url=url, api_key="sk-test")
        return res, children()
    res, left = asyncio.run(run())
    assert res.output == "nothing to do", res.error
    started = _starts(starts)[1:]
    assert len(started) <= 1  # started in the background at run start (unless the run ended first)
    assert not any(alive(p) for p in started) and not left


def test_run_timeout_stops_the_server_mid_call(tmp_path):
    starts = tmp_path / "starts.log"
    cf = _locked(tmp_path, stdio_server("fx", "--starts", str(starts)), ("sleep",))
    t0 = time.perf_counter()

    async def run():
        with FakeOpenAI([reply(tool_calls=[call("fx__sleep", {"seconds": 60})]), reply("late")]) as url:
            res = await cf.arun("sleep", base_url=url, api_key="sk-test", timeout=3)
        return res, alive(_starts(starts)[-1]), children()
    res, still, left = asyncio.run(run())
    assert res.stop_reason.value == "cancelled"
    assert time.perf_counter() - t0 < 20
    assert not still and not left


def test_a_hung_server_is_reported_and_torn_down(tmp_path):
    from nexc.api import CompiledFramework

    server = stdio_server("hung", "--hang", connect_timeout=1.0)
    (tmp_path / "nexc.mcp.lock.json").write_text(json.dumps(
        {"version": 1, "servers": {"hung": {"tools": [{"name": "add", "inputSchema": {"type": "object"}}]}}}))
    cf = CompiledFramework.from_ir(_framework(server), tmp_path)
    assert cf.problems == []  # known from the (hand-written) lockfile: nothing was started

    async def run():
        with FakeOpenAI([reply(tool_calls=[call("hung__add", {"a": 1, "b": 2})]), reply("gave up")]) as url:
            res = await cf.arun("add", base_url=url, api_key="sk-test")
        return res, children()
    res, left = asyncio.run(run())
    assert res.output == "gave up", res.error
    assert "did not answer within 1s" in _tool_results(res)[0]
    assert not left
