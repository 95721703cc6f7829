"""The real ``mcp-server-time`` package (a dev dependency) over stdio: listing, calls, errors, a run, the lock."""
import asyncio
import datetime
import json
import sys

import pytest
from click.testing import CliRunner

from nexc.ir.model import Agent, Framework, Limits, Llm, McpSelection, McpServer, Prompt
from nexc.mcp import client as m
from nexc.mcp.tools import tools_for
from nexc.runtime.tools import ToolError

pytest.importorskip("mcp_server_time")
ARGS = ("-m", "mcp_server_time", "--local-timezone", "UTC")


def time_server(name="time"):
    return McpServer(name=name, transport="stdio", command=sys.executable, args=ARGS)


async def _call(tool, **args):
    try:
        return await tool.fn(**args)
    except ToolError as exc:
        return f"Error: {exc}"


def test_list_and_call_through_the_runtime():
    tools = {t.name: t for t in tools_for(time_server(), None, None)}
    assert set(tools) == {"time__get_current_time", "time__convert_time"}
    conv = tools["time__convert_time"]
    assert conv.description.startswith("[MCP time.convert_time] Convert time between timezones")
    assert set(conv.parameters["required"]) == {"source_timezone", "time", "target_timezone"}

    async def go():
        async with m.McpSession() as session:
            out = [await _call(tools["time__get_current_time"], timezone="UTC"),
                   await _call(conv, source_timezone="UTC", time="12:00", target_timezone="Asia/Tokyo"),
                   await _call(tools["time__get_current_time"], timezone="Mars/Olympus_Mons"),
                   await _call(conv, source_timezone="UTC", time=1200, target_timezone="Asia/Tokyo")]
            return out, session.connections["time"].starts
    (now, converted, bad_zone, bad_type), starts = asyncio.run(go())
    assert starts == 1
    now = json.loads(now)
    assert now["timezone"] == "UTC" and now["is_dst"] is False
    stamp = datetime.datetime.fromisoformat(now["datetime"])
    assert abs((stamp - datetime.datetime.now(datetime.UTC)).total_seconds()) < 120
    converted = json.loads(converted)
    assert converted["target"]["timezone"] == "Asia/Tokyo"
    assert converted["target"]["datetime"].endswith("T21:00:00+09:00")
    assert converted["time_difference"] == "+9.0h"
    assert bad_zone.startswith("Error:") and "Mars/Olympus_Mons" in bad_zone
    assert bad_type.startswith("Error: invalid arguments for 'time__convert_time'") and "string" in bad_type


def test_agent_run_records_real_time_results():
    from nexc.api import CompiledFramework
    from nexc.testing import FakeOpenAI, call, reply

    fw = Framework(name="t", mcp_servers=(time_server(),), llms=(Llm(name="m", model="fake"),), entry="main",
                   agents=(Agent(name="main", llm="m", prompt=Prompt(text="You tell the time."),
                                 tools=(McpSelection(server="time"),), limits=Limits(max_iterations=4)),))
    cf = CompiledFramework.from_ir(fw, ".")
    assert cf.problems == []
    script = [reply(tool_calls=[call("time__convert_time", {"source_timezone": "Europe/London", "time": "09:30",
                                                           "target_timezone": "UTC"})]), reply("done")]
    with FakeOpenAI(script) as url:
        res = cf.run("When is 09:30 London in UTC?", base_url=url, api_key="sk-test")
    assert res.output == "done", res.error
    tool_msgs = [msg for rec in res.records for msg in rec["messages"] if msg.get("role") == "tool"]
    result = json.loads(tool_msgs[-1]["content"].split("\n\n")[0])  # then a hint of the steps left
    assert result["source"]["timezone"] == "Europe/London" and result["target"]["timezone"] == "UTC"
    assert {t["function"]["name"] for t in res.records[0]["tools"]} == {"time__get_current_time",
                                                                       "time__convert_time"}


def test_nexc_mcp_lock_cli(tmp_path, snapshot):
    from nexc.cli import cli

    spec = tmp_path / "clock.nex"
    spec.write_text(f'nex 1\n\nmcp time = stdio {json.dumps(sys.executable)} {json.dumps(list(ARGS))}\n\n'
                    'agent clock {\n  prompt = "Tell the time."\n  tools  = [time.*]\n}\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["mcp", "lock", str(spec)])
    assert res.exit_code == 0, res.output
    lock = json.loads((tmp_path / "nexc.mcp.lock.json").read_text())
    entry = lock["servers"]["time"]
    assert entry["server"]["name"] == "mcp-time"
    entry["server"]["version"] = "<version>"
    entry["config"] = "<hash of a path-dependent declaration>"
    assert lock == snapshot
    res = CliRunner().invoke(cli, ["lint", str(spec)])
    assert res.exit_code == 0 and "NEX41" not in res.output, res.output  # locked: no NEX418/NEX419
