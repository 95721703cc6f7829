"""Trajectory files: schema, secrets, durability when the writer is killed, torn lines."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import agent

from nexc.runtime.trace import TrajectoryWriter, read_trajectory
from nexc.testing import by_system, call, reply, server_error

HERE = Path(__file__).resolve().parent


def test_records_validate_and_hold_no_secrets(run_with, validator, tmp_path):
    path = tmp_path / "t.jsonl"
    script = by_system({"agent main": [reply(tool_calls=[call("child", {"task": "t"}), call("add", {"a": 1, "b": 2})]),
                                       reply("done")],
                        "agent child": [reply("child", reasoning="r")]})
    res, _ = run_with([agent(tools=["add"], agents=["child"]), agent("child")], script, trace_path=path,
                      api_key="sk-very-secret-key")
    text = path.read_text()
    assert "sk-very-secret-key" not in text
    lines = text.splitlines()
    assert len(lines) == len(res.records) == 3
    for line in lines:
        rec = json.loads(line)
        validator.validate(rec)
        assert rec["trace_id"] == res.trace_id
    assert [json.loads(line) for line in lines] == json.loads(json.dumps(res.records))


def test_failed_call_record_validates(run_with, validator, tmp_path):
    path = tmp_path / "t.jsonl"
    run_with([agent()], [server_error()] * 5, trace_path=path)
    (rec,) = read_trajectory(path)
    validator.validate(rec)
    assert rec["error"]["type"] == "http_error" and rec["response"] is None


def test_api_key_from_spec_is_scrubbed(monkeypatch, settings, tmp_path):
    import helpers

    from nexc.api import CompiledFramework
    from nexc.ir.model import EnvRef, Llm
    from nexc.testing import FakeOpenAI

    monkeypatch.setenv("MY_KEY", "sk-from-the-env-123")
    fw_ir = helpers.framework([agent(prompt="key is sk-from-the-env-123")],
                              llm=Llm(name="m", model="x", api_key=EnvRef(name="MY_KEY")))
    fw = CompiledFramework.from_ir(fw_ir, settings=settings)
    srv = FakeOpenAI([reply("ok")])
    with srv as url:
        fw.run("x", base_url=url, trace_path=tmp_path / "t.jsonl")
    assert srv.requests[0].headers["authorization"] == "Bearer sk-from-the-env-123"
    assert "sk-from-the-env-123" not in (tmp_path / "t.jsonl").read_text()


def test_killed_writer_leaves_valid_lines(tmp_path, validator):
    path = tmp_path / "killed.jsonl"
    proc = subprocess.Popen([sys.executable, str(HERE / "killme.py"), str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "running"
        time.sleep(0.3)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    data = path.read_bytes()
    lines = data.split(b"\n")
    complete, tail = lines[:-1], lines[-1]
    assert len(complete) >= 4
    for line in complete:
        validator.validate(json.loads(line))
    records = read_trajectory(path)
    assert len(records) == len(complete) + (1 if tail and _parses(tail) else 0)
    # a new writer appends on a fresh line even after a torn record
    with open(path, "ab") as f:
        f.write(b'{"torn": ')
    with TrajectoryWriter(path) as w:
        w.write({"after": 1})
    assert read_trajectory(path)[-1] == {"after": 1}


def _parses(b: bytes) -> bool:
    try:
        json.loads(b)
        return True
    except ValueError:
        return False


def test_concurrent_runs_share_one_file(run_with, tmp_path, settings):
    import asyncio

    import helpers

    from nexc.api import CompiledFramework
    from nexc.testing import FakeOpenAI

    path = tmp_path / "shared.jsonl"
    fw = CompiledFramework.from_ir(helpers.framework([agent(tools=["echo"])]), settings=settings)

    def script(req):
        done = any(m["role"] == "tool" for m in req.messages)
        return reply("fin") if done else reply(tool_calls=[call("echo", {"text": "z" * 5000})])

    with FakeOpenAI(script) as url:
        async def many():
            return await asyncio.gather(*(fw.arun(f"task {i}", base_url=url, trace_path=path) for i in range(20)))

        results = asyncio.run(many())
    recs = read_trajectory(path)
    assert len(recs) == 40 == sum(len(r.records) for r in results)
    assert len(path.read_text().splitlines()) == 40
    assert {r["trace_id"] for r in recs} == {r.trace_id for r in results}
