"""``nexc gap run``: 500 queries killed with SIGKILL at 20 random moments and resumed — no duplicate, none
missing, every trajectory valid, the same results as an uninterrupted run; rate limits cost no item."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
from pathlib import Path

from nexc.testing import FakeOpenAI, call, rate_limited, reply

SPEC = ('nex 1\nllm m { model = "fake" }\ntool add(a: int, b: int) -> int "Add." = python "tools:add"\n'
        'agent a "Adds." {\n  llm = m\n  prompt = "You add."\n  tools = [add]\n  max_iterations = 4\n}\n')


def _setup(tmp_path: Path, n: int) -> tuple[Path, Path]:
    (tmp_path / "s.nex").write_text(SPEC)
    (tmp_path / "tools.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    q = tmp_path / "queries.jsonl"
    q.write_text("".join(json.dumps({"id": f"q{i}", "query": f"add {i} and {i + 1}", "provenance": {"n": i}}) + "\n"
                         for i in range(n)))
    return tmp_path / "s.nex", q


def handler(req):
    import re

    tools = [m for m in req.messages if m["role"] == "tool"]
    if tools:
        return reply(f"the sum is {tools[-1]['content']}")
    task = next(m for m in req.messages if m["role"] == "user")
    a, b = map(int, re.findall(r"\d+", task["content"])[:2])
    return reply(tool_calls=[call("add", {"a": a, "b": b})])


def _results(runs: Path) -> list[dict]:
    return [json.loads(x) for x in (runs / "results.jsonl").read_text().splitlines() if x.strip()]


def test_killed_20_times_and_resumed_gives_the_uninterrupted_result(tmp_path):
    spec, q = _setup(tmp_path, 500)
    rng = random.Random(3)
    with FakeOpenAI(handler) as url:
        base = [sys.executable, "-m", "nexc", "gap", "run", str(spec), "--queries", str(q), "--base-url", url,
                "--api-key", "k", "--concurrency", "32"]
        ref = subprocess.run(base + ["--out", str(tmp_path / "ref")], capture_output=True, text=True, timeout=300)
        assert ref.returncode == 0, ref.stderr
        runs = tmp_path / "runs"
        kills = 0
        while True:
            p = subprocess.Popen(base + ["--out", str(runs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                rc = p.wait(timeout=rng.uniform(0.7, 2.0) if kills < 20 else 300)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                p.wait()
                kills += 1
                continue
            assert rc == 0, p.stderr.read().decode()
            break
    got, want = _results(runs), _results(tmp_path / "ref")
    assert len(got) == 500 and len({r["id"] for r in got}) == 500  # none missing, no duplicate
    assert {r["query_id"]: r["output"] for r in got} == {r["query_id"]: r["output"] for r in want}
    assert all(r["provenance"] == {"n": int(r["query_id"][1:])} for r in got)
    files = sorted((runs / "trajectories").glob("*.jsonl"))
    assert len(files) == 500
    for f in files:
        lines = f.read_text().splitlines()
        assert len(lines) == 2 and all(json.loads(x)["schema"] for x in lines)  # whole, never duplicated


def test_rate_limits_with_retry_after_fail_no_item(tmp_path):
    spec, q = _setup(tmp_path, 60)
    n = {"i": 0}

    def limited(req):
        n["i"] += 1
        return rate_limited(0.05) if n["i"] % 5 == 0 else handler(req)

    from nexc.gap.run import RunOptions, run_job

    with FakeOpenAI(limited) as url:
        c = run_job(spec, q, tmp_path / "runs", RunOptions(concurrency=16, base_url=url, api_key="k"))
    assert c["done"] == 60 and c["failed"] == 0
    assert all(not r["failed"] for r in _results(tmp_path / "runs"))


def test_status_and_shards(tmp_path):
    from click.testing import CliRunner

    from nexc.cli import cli
    from nexc.gap.run import RunOptions, run_job

    spec, q = _setup(tmp_path, 40)
    with FakeOpenAI(handler) as url:
        parts = [run_job(spec, q, tmp_path / f"s{i}", RunOptions(base_url=url, api_key="k", shard=(i, 3)))
                 for i in range(3)]
    assert sum(p["done"] for p in parts) == 40
    ids = [r["query_id"] for i in range(3) for r in _results(tmp_path / f"s{i}")]
    assert sorted(ids) == sorted(f"q{i}" for i in range(40))
    out = CliRunner().invoke(cli, ["gap", "status", str(tmp_path / "s0")])
    assert out.exit_code == 0 and "committed" in out.output and "completed" in out.output
