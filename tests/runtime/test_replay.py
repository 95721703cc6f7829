"""Replay: same output with no server; divergence stops the run with a clear message."""
from __future__ import annotations

import helpers
from helpers import agent

from nexc.api import CompiledFramework
from nexc.runtime.types import StopReason
from nexc.testing import by_system, call, reply


def _team():
    return [agent(tools=["add", "echo"], agents=["child"]), agent("child", tools=["echo"])]


def _script():
    return by_system({
        "agent main": [reply(tool_calls=[call("child", {"task": "a"}), call("child", {"task": "b"}),
                                         call("add", {"a": 1, "b": 2})]),
                       reply("main answer")],
        "agent child": lambda req: reply(f"child saw {req.messages[1]['content']}"),
    })


def test_replay_reproduces_the_run_without_a_server(run_with, tmp_path, settings):
    path = tmp_path / "rec.jsonl"
    live, _ = run_with(_team(), _script(), trace_path=path)
    assert live.output == "main answer"
    fw = CompiledFramework.from_ir(helpers.framework(_team()), settings=settings)
    again = fw.run("go", replay=path, base_url="http://127.0.0.1:9/unused")
    assert again.stop_reason is StopReason.COMPLETED and again.output == live.output
    assert len(again.records) == len(live.records)
    assert all(r["replayed"] for r in again.records)
    strip = lambda rs: sorted((r["agent_path"], r["iteration"], str(r["messages"]), str(r["response"])) for r in rs)  # noqa: E731
    assert strip(again.records) == strip(live.records)


def test_replay_from_records_in_memory(run_with, settings):
    live, _ = run_with(_team(), _script())
    fw = CompiledFramework.from_ir(helpers.framework(_team()), settings=settings)
    assert fw.run("go", replay=live.records).output == "main answer"


def test_divergent_tool_result(run_with, settings):
    live, _ = run_with(_team(), _script())
    team = _team()
    fw_ir = helpers.framework(team)
    changed = tuple(t.model_copy(update={"binding": t.binding.model_copy(update={"target": f"{helpers.MOD}:echo"})})
                    if t.name == "add" else t for t in fw_ir.tools)
    fw = CompiledFramework.from_ir(fw_ir.model_copy(update={"tools": changed}), settings=settings)
    # by default the replay takes tool results from the recording: the changed tool does not run
    assert fw.run("go", replay=live.records).output == "main answer"
    import dataclasses

    res = fw.run("go", replay=live.records, settings=dataclasses.replace(settings, replay_tools="run"))
    assert res.stop_reason is StopReason.REPLAY_DIVERGED
    assert "at 'main' call 2" in res.error and "differs from the recording" in res.error


def test_divergent_task_and_missing_calls(run_with, settings):
    live, _ = run_with(_team(), _script())
    fw = CompiledFramework.from_ir(helpers.framework(_team()), settings=settings)
    res = fw.run("another task", replay=live.records)
    assert res.stop_reason is StopReason.REPLAY_DIVERGED and "message 1 (user)" in res.error
    short = [r for r in live.records if not (r["agent_path"] == "main" and r["iteration"] == 2)]
    res = fw.run("go", replay=short)
    assert res.stop_reason is StopReason.REPLAY_DIVERGED and "LLM call 2 of agent path 'main'" in res.error


def test_bad_replay_source(settings, tmp_path):
    fw = CompiledFramework.from_ir(helpers.framework(_team()), settings=settings)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    res = fw.run("go", replay=empty)
    assert res.stop_reason is StopReason.ERROR and "cannot replay" in res.error


def test_malformed_recordings_end_the_run_with_a_reason_not_an_internal_error(tmp_path, settings):
    import json

    fw = CompiledFramework.from_ir(helpers.framework([agent()]), settings=settings)
    base = {"agent_path": "main", "iteration": 1, "agent_name": "main"}
    cases = {
        "not objects": ["[1, 2]", "5", '"text"'],
        "messages": [json.dumps({**base, "messages": "hi"})],
        "response": [json.dumps({**base, "response": ["x"]})],
        "content": [json.dumps({**base, "response": {"content": {"a": 1}}})],
        "tool call": [json.dumps({**base, "response": {"tool_calls": [{"function": {"name": "add", "arguments": {}}}]}})],
        "error": [json.dumps({**base, "error": "boom"})],
    }
    for name, lines in cases.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        res = fw.run("go", replay=path, base_url="http://127.0.0.1:9/unused")
        assert res.stop_reason is StopReason.ERROR, name
        assert "internal error" not in res.error and "replay" in res.error, (name, res.error)
