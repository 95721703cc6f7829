"""``nexc gap run``: 500 queries killed with SIGKILL at 20 random moments and resumed — no duplicate, none
missing, every trajectory valid, the same results as an uninterrupted run; rate limits cost no item; budgets
in tokens and dollars stop new items cleanly; simulated tools work; MCP servers start once per worker (or per
run when asked)."""
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


def test_budget_parsing():
    from nexc.gap.run import parse_budget, parse_price

    assert parse_budget("100000") == ("tokens", 100000) and parse_budget("100k") == ("tokens", 100000)
    assert parse_budget("2m") == ("tokens", 2_000_000)
    assert parse_budget("$5") == parse_budget("5$") == parse_budget("5usd") == parse_budget("5 USD") == ("usd", 5)
    for bad in ("", "five", "-3", "5 euros", "$"):
        try:
            parse_budget(bad)
        except ValueError as exc:
            assert "100k" in str(exc)
        else:
            raise AssertionError(f"{bad!r} parsed")
    assert parse_price("0.5/1.5") == (0.5, 1.5) and parse_price("2") == (2, 2)


def test_token_budget_stops_new_items_cleanly(tmp_path):
    from nexc.gap.run import RunOptions, run_job, status

    spec, q = _setup(tmp_path, 60)
    with FakeOpenAI(handler) as url:
        c = run_job(spec, q, tmp_path / "runs", RunOptions(concurrency=2, base_url=url, api_key="k",
                                                           budget_tokens=500))
    got = _results(tmp_path / "runs")
    per_item = got[0]["tokens"]
    assert c["budget_stopped"] and 500 <= c["tokens"] < 500 + 3 * per_item  # at most the runs already going
    assert len(got) == c["done"] < 60 and all(not r["failed"] for r in got)
    assert len(list((tmp_path / "runs" / "trajectories").glob("*.jsonl"))) == len(got)  # no half-run item left
    assert status(tmp_path / "runs")["committed"] == len(got)


def test_dollar_budget_from_the_command_line(tmp_path):
    from click.testing import CliRunner

    from nexc.cli import cli

    spec, q = _setup(tmp_path, 60)
    with FakeOpenAI(handler) as url:
        base = ["gap", "run", str(spec), "--queries", str(q), "--base-url", url, "--api-key", "k",
                "--concurrency", "2"]
        nope = CliRunner().invoke(cli, base + ["--out", str(tmp_path / "a"), "--budget", "$0.01"])
        assert nope.exit_code == 1 and "--price" in nope.output
        bad = CliRunner().invoke(cli, base + ["--out", str(tmp_path / "a"), "--budget", "lots"])
        assert bad.exit_code == 2 and "100k" in bad.output
        res = CliRunner().invoke(cli, base + ["--out", str(tmp_path / "b"), "--budget", "0.01usd", "--price", "10/30"])
    assert res.exit_code == 0, res.output
    got = _results(tmp_path / "b")
    assert "stopped at the budget" in res.output and "$0.01" in res.output
    assert 0 < len(got) < 60 and all(r["cost"] > 0 for r in got)
    r = got[0]
    assert abs(sum(x["cost"] for x in got) - 0.01) < 3 * r["cost"]


def test_simulated_tools_work_in_gap_runs(tmp_path):
    from nexc.gap.run import RunOptions, run_job

    (tmp_path / "s.nex").write_text(SPEC.replace('"tools:add"', '"nowhere_mod:add"'))
    q = tmp_path / "q.txt"
    q.write_text("add 1 and 2\nadd 3 and 4\n")  # plain lines: ids are their hashes

    def sim(req):
        if "simulate a tool" in req.system:
            return reply("42")
        return handler(req)
    with FakeOpenAI(sim) as url:
        plain = run_job(tmp_path / "s.nex", q, tmp_path / "r0", RunOptions(base_url=url, api_key="k", retries=0))
        c = run_job(tmp_path / "s.nex", q, tmp_path / "r1", RunOptions(base_url=url, api_key="k",
                                                                       simulate_missing=True))
    assert plain["failed"] == 2  # without simulation the missing tool stops each run with an error
    assert all("nowhere_mod" in r["error"] for r in _results(tmp_path / "r0"))
    assert c["done"] == 2 and c["failed"] == 0
    outs = {r["output"] for r in _results(tmp_path / "r1")}
    assert outs == {"the sum is 42"}
    kinds = {json.loads(x).get("kind") for f in (tmp_path / "r1" / "trajectories").glob("*.jsonl")
             for x in f.read_text().splitlines()}
    assert "tool_simulation" in kinds


def test_mcp_servers_start_once_per_worker_unless_per_run(tmp_path):
    from nexc.gap.run import RunOptions, run_job

    fixture = Path(__file__).resolve().parents[1] / "mcp" / "server_fixture.py"
    starts = tmp_path / "starts.log"
    (tmp_path / "s.nex").write_text(
        f'nex 1\nllm m {{ model = "fake" }}\nmcp fx = stdio {json.dumps(sys.executable)} '
        f'[{json.dumps(str(fixture))}, "--starts", {json.dumps(str(starts))}]\n'
        'agent a "Adds." {\n  llm = m\n  prompt = "You add."\n  tools = [fx.add]\n  max_iterations = 4\n}\n')
    from click.testing import CliRunner

    from nexc.cli import cli

    lock = CliRunner().invoke(cli, ["mcp", "lock", str(tmp_path / "s.nex")])  # loading then starts nothing
    assert lock.exit_code == 0, lock.output
    q = tmp_path / "q.jsonl"
    q.write_text("".join(json.dumps({"id": f"q{i}", "query": f"add {i} and 1"}) + "\n" for i in range(4)))

    def mcp_handler(req):
        r = handler(req)
        for c in r.get("tool_calls") or ():
            c["name"] = "fx__add"
        return r
    n0 = len(starts.read_text().split()) if starts.exists() else 0
    with FakeOpenAI(mcp_handler) as url:
        a = run_job(tmp_path / "s.nex", q, tmp_path / "shared", RunOptions(base_url=url, api_key="k", concurrency=3))
        n1 = len(starts.read_text().split())
        b = run_job(tmp_path / "s.nex", q, tmp_path / "per", RunOptions(base_url=url, api_key="k", concurrency=3,
                                                                       mcp_per_run=("fx",)))
        n2 = len(starts.read_text().split())
    assert a["done"] == b["done"] == 4
    assert {r["output"] for r in _results(tmp_path / "shared")} == {f'the sum is {{"result": {i + 1}}}' for i in range(4)}
    assert n1 - n0 == 1 and n2 - n1 == 4  # one server for the worker; one per run when the job says so


def test_a_per_run_server_leaves_the_shared_ones_shared(tmp_path):
    """``--mcp-per-run fy``: fy starts for every run, fx once for the worker although runs call both."""
    import copy

    from nexc.gap.run import RunOptions, run_job

    fixture = Path(__file__).resolve().parents[1] / "mcp" / "server_fixture.py"
    logs = {n: tmp_path / f"{n}.log" for n in ("fx", "fy")}
    decls = "".join(f'mcp {n} = stdio {json.dumps(sys.executable)} [{json.dumps(str(fixture))}, "--starts", '
                    f'{json.dumps(str(p))}]\n' for n, p in logs.items())
    (tmp_path / "s.nex").write_text(
        f'nex 1\nllm m {{ model = "fake" }}\n{decls}'
        'agent a "Adds." {\n  llm = m\n  prompt = "You add."\n  tools = [fx.add, fy.add]\n  max_iterations = 4\n}\n')
    from click.testing import CliRunner

    from nexc.cli import cli

    lock = CliRunner().invoke(cli, ["mcp", "lock", str(tmp_path / "s.nex")])
    assert lock.exit_code == 0, lock.output
    q = tmp_path / "q.jsonl"
    q.write_text("".join(json.dumps({"id": f"q{i}", "query": f"add {i} and 1"}) + "\n" for i in range(4)))

    def both(req):
        r = handler(req)
        calls = r.get("tool_calls") or []
        if calls:
            second = copy.deepcopy(calls[0])
            calls[0]["name"], second["name"] = "fx__add", "fy__add"
            second["id"] = str(second.get("id", "c")) + "b"
            calls.append(second)
        return r

    count = {n: (lambda p=p: len(p.read_text().split()) if p.exists() else 0) for n, p in logs.items()}
    before = {n: c() for n, c in count.items()}
    with FakeOpenAI(both) as url:
        got = run_job(tmp_path / "s.nex", q, tmp_path / "runs", RunOptions(base_url=url, api_key="k", concurrency=3,
                                                                           mcp_per_run=("fy",)))
    assert got["done"] == 4
    assert count["fx"]() - before["fx"] == 1 and count["fy"]() - before["fy"] == 4
