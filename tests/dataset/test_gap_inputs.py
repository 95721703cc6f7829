"""GAP output into data: a real ``nexc gap run`` on the fake server → ``nexc dataset build RUNS/``, every
sample's ``meta.provenance`` being its query's; uncommitted runs skipped and counted; judge verdicts in
``meta.verdict`` and the ``--min-verdict`` gate; the same through ``nexc gap filter``."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from nexc.dataset import build_dataset
from nexc.dataset.samples import DatasetError
from nexc.testing import FakeOpenAI, call, reply
from nexc.testing.records import run_records

SPEC = '''nex 1
llm m { model = "fake" }
tool add(a: int, b: int) -> int "Add." = python "tools:add"
agent checker "Checks a sum." {
  llm = m
  prompt = "You check sums."
  max_iterations = 2
}
agent adder "Adds." {
  llm = m
  prompt = "You add."
  tools = [add, checker]
  max_iterations = 5
}
entry adder
'''


def handler(req):
    system = req.messages[0]["content"]
    if "You check sums." in system:
        return reply("looks right")
    results = [m for m in req.messages if m["role"] == "tool"]
    if not results:
        task = next(m for m in req.messages if m["role"] == "user")
        return reply(tool_calls=[call("checker", {"task": "check " + task["content"]})])
    if len(results) == 1:
        a, b = map(int, re.findall(r"\d+", next(m for m in req.messages if m["role"] == "user")["content"])[:2])
        return reply(tool_calls=[call("add", {"a": a, "b": b})])
    return reply(f"the sum is {results[-1]['content']}")


def _queries(n: int) -> list[dict]:
    return [{"id": f"q{i}", "query": f"add {i} and {i + 1}",
             "provenance": {"taxonomy_path": ["math", "sums", f"n{i % 2}"], "persona_id": f"p-{i % 3}",
                            "difficulty": ["easy", "medium", "hard"][i % 3], "language": "en", "draw": i}}
            for i in range(n)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """A ``nexc gap run`` of 6 queries (each run delegating once), plus the trajectory of an item the job
    was killed in (no results line commits it; its last line torn)."""
    from nexc.cli import cli

    tmp = tmp_path_factory.mktemp("gap")
    (tmp / "s.nex").write_text(SPEC)
    (tmp / "tools.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    queries = _queries(6)
    (tmp / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    server = FakeOpenAI(handler)
    with server as url:
        result = CliRunner().invoke(cli, ["gap", "run", str(tmp / "s.nex"), "--queries", str(tmp / "queries.jsonl"),
                                          "--out", str(tmp / "RUNS"), "--base-url", url, "--api-key", "k"])
    assert result.exit_code == 0, result.output
    (tmp / "received.jsonl").write_text("".join(json.dumps(r.body, sort_keys=True) + "\n" for r in server.requests))
    first = sorted((tmp / "RUNS" / "trajectories").glob("*.jsonl"))[0]
    lines = first.read_text().splitlines()
    killed = [json.loads(x) | {"trace_id": "killed-run"} for x in lines]
    (tmp / "RUNS" / "trajectories" / "w-0000killed.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in killed[:-1]) + json.dumps(killed[-1])[:50])
    return tmp / "RUNS", {q["id"]: q for q in queries}


def _samples(out: Path, fmt: str = "openai") -> list[dict]:
    return [json.loads(x) for x in (out / fmt / "data.jsonl").read_text().splitlines()]


def _results(runs: Path) -> list[dict]:
    return [json.loads(x) for x in (runs / "results.jsonl").read_text().splitlines()]


def test_a_gap_run_folder_builds_with_each_query_provenance(runs, tmp_path):
    folder, queries = runs
    results = _results(folder)
    assert len(results) == 6 and all(r["stop_reason"] == "completed" for r in results)
    out = tmp_path / "DS"
    cli = CliRunner().invoke(__import__("nexc.cli", fromlist=["cli"]).cli,
                             ["dataset", "build", str(folder), "-f", "openai", "-f", "qwen3_coder", "-o", str(out)])
    assert cli.exit_code == 0, cli.output
    assert "uncommitted 1" in cli.output
    for fmt in ("openai", "qwen3_coder"):
        samples = _samples(out, fmt)
        assert len(samples) == 6 * 4  # three calls of the adder and one of its checker per run
        by_trace = {r["trace_id"]: r for r in results}
        for s in samples:
            meta = s["meta"]
            assert meta["provenance"] == queries[meta["query_id"]]["provenance"]
            assert meta["query_id"] == by_trace[meta["trace_id"]]["query_id"]
            assert meta["stop_reason"] == "completed"
        assert {s["meta"]["agent_name"] for s in samples} == {"adder", "checker"}
        assert {s["meta"]["query_id"] for s in samples} == set(queries)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["inputs"]["runs_left_out"] == {"uncommitted": 1}
    assert stats["inputs"]["skipped"] == {"uncommitted-run": 4}  # the killed item's records, torn line included


def test_gap_run_samples_are_what_the_server_received(runs, tmp_path):
    """The seam GAP adds: every record of a gap run holds the request body the server received, and the
    samples built from the RUNS/ folder are the samples of those trajectory files built directly (which
    tests/dataset/test_what_was_sent.py shows to be the requests as sent, byte for byte)."""
    folder, _ = runs
    received = set((folder.parent / "received.jsonl").read_text().splitlines())
    committed = {r["trace_id"] for r in _results(folder)}
    files = sorted(p for p in (folder / "trajectories").glob("*.jsonl") if "killed" not in p.name)
    records = [json.loads(x) for p in files for x in p.read_text().splitlines()]
    assert records and {r["trace_id"] for r in records} == committed
    assert all(json.dumps(r["request"], sort_keys=True) in received for r in records)
    build_dataset([folder], ["openai", "qwen3_coder"], tmp_path / "runs")
    build_dataset(files, ["openai", "qwen3_coder"], tmp_path / "direct")
    for fmt in ("openai", "qwen3_coder"):
        got = [(s["text"], s["assistant_spans"], s["messages"]) for s in _samples(tmp_path / "runs", fmt)]
        want = [(s["text"], s["assistant_spans"], s["messages"]) for s in _samples(tmp_path / "direct", fmt)]
        assert got == want and len(got) == len(records)


def _verdicts(path: Path, verdicts: dict[str, str | None]) -> Path:
    lines = [{"trace_id": t, "verdict": v, "findings": []} if v else {"trace_id": t, "error": "judge failed"}
             for t, v in verdicts.items()]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def test_min_verdict_with_a_hand_written_verdicts_file(tmp_path):
    rng = random.Random(2)
    records = [r for t in ("t-good", "t-ok", "t-poor", "t-failed", "t-unjudged")
               for r in run_records(rng, calls=2, trace_id=t)]
    src = tmp_path / "runs.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    verdicts = _verdicts(tmp_path / "v.jsonl", {"t-good": "good", "t-ok": "ok", "t-poor": "poor", "t-failed": None})
    everything = build_dataset([src], ["openai"], tmp_path / "all", verdicts=verdicts)
    assert everything.formats["openai"].written == 10
    got = {s["meta"]["trace_id"]: s["meta"].get("verdict") for s in _samples(tmp_path / "all")}
    assert got == {"t-good": "good", "t-ok": "ok", "t-poor": "poor", "t-failed": None, "t-unjudged": None}
    gated = build_dataset([src], ["openai"], tmp_path / "ok", verdicts=verdicts, min_verdict="ok")
    assert {s["meta"]["trace_id"] for s in _samples(tmp_path / "ok")} == {"t-good", "t-ok"}
    assert gated.formats["openai"].dropped == {"below-min-verdict": 2, "no-verdict": 4}
    assert gated.runs == {"below-min-verdict": 1, "no-verdict": 2}
    stats = json.loads((tmp_path / "ok" / "stats.json").read_text())
    assert stats["min_verdict"] == "ok" and stats["inputs"]["runs_left_out"]["no-verdict"] == 2
    good = build_dataset([src], ["openai"], tmp_path / "good", verdicts=verdicts, min_verdict="good")
    assert good.formats["openai"].written == 2 and good.runs["below-min-verdict"] == 2
    with pytest.raises(DatasetError, match="--min-verdict"):
        build_dataset([src], ["openai"], tmp_path / "ok", verdicts=verdicts, min_verdict="poor")  # resume: same gate
    with pytest.raises(DatasetError, match="needs judge verdicts"):
        build_dataset([src], ["openai"], tmp_path / "x", min_verdict="ok")
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"trace_id": "t-good", "verdict": "good"}\n{"trace_id": "t-ok", "verdict": "great"}\n')
    with pytest.raises(DatasetError, match=r"odd.jsonl:2:1: unknown verdict 'great'"):
        build_dataset([src], ["openai"], tmp_path / "y", verdicts=odd)


def test_through_gap_filter_with_runs_and_verdicts(runs, tmp_path):
    from nexc.cli import cli

    folder, queries = runs
    filtered = tmp_path / "FILTERED"
    result = CliRunner().invoke(cli, ["gap", "filter", str(folder), "-o", str(filtered)])
    assert result.exit_code == 0, result.output
    assert (filtered / "kept.jsonl").is_file()
    results = _results(folder)
    traces = [r["trace_id"] for r in results]
    verdicts = {t: v for t, v in zip(traces, ["good", "ok", "poor", "bad", "ok", None])}
    _verdicts(filtered / "verdicts.jsonl", verdicts)  # as `--judge` writes it beside kept.jsonl

    def build(out, *extra):
        r = CliRunner().invoke(cli, ["dataset", "build", str(filtered), "-f", "openai", "-o", str(tmp_path / out),
                                     *extra])
        assert r.exit_code == 0, r.output
        return _samples(tmp_path / out), json.loads((tmp_path / out / "stats.json").read_text())

    kept_traces = {json.loads(x)["trace_id"] for x in (filtered / "kept.jsonl").read_text().splitlines()}
    assert "killed-run" not in kept_traces  # the filter leaves a run no results line commits out
    assert json.loads((filtered / "report.json").read_text())["runs"]["uncommitted"] == 1
    carried_lines = (filtered / "results.jsonl").read_text().splitlines()  # the kept runs' lines, as they were
    assert {json.loads(x)["trace_id"] for x in carried_lines} == kept_traces
    assert set(carried_lines) <= set((folder / "results.jsonl").read_text().splitlines())
    (filtered / "results.jsonl").rename(tmp_path / "carried-results.jsonl")
    samples, stats = build("plain")  # no results known: no provenance, nothing skipped, verdicts still read
    assert {s["meta"]["trace_id"] for s in samples} == kept_traces
    assert all("provenance" not in s["meta"] for s in samples)
    assert {s["meta"]["trace_id"]: s["meta"].get("verdict") for s in samples if s["meta"]["trace_id"] in verdicts} \
        == {t: v for t, v in verdicts.items() if t in kept_traces}
    samples, stats = build("gated", "--runs", str(folder), "--min-verdict", "ok")
    want = {t for t, v in verdicts.items() if v in ("ok", "good") and t in kept_traces}
    assert {s["meta"]["trace_id"] for s in samples} == want and want
    assert all(s["meta"]["provenance"] == queries[s["meta"]["query_id"]]["provenance"] for s in samples)
    left_out = stats["inputs"].get("runs_left_out", {})
    assert left_out["below-min-verdict"] == sum(1 for t, v in verdicts.items() if v in ("poor", "bad")
                                                and t in kept_traces)
    # the filter output carrying results.jsonl, and --runs given too: the same dataset
    (tmp_path / "carried-results.jsonl").rename(filtered / "results.jsonl")
    again, _ = build("both", "--runs", str(folder), "--min-verdict", "ok")
    assert again == samples
    carried, _ = build("carried", "--min-verdict", "ok")
    assert carried == samples


def test_through_the_judge_of_gap_filter(runs, tmp_path):
    """``nexc gap filter --judge`` on the fake server (a scripted verdict per run) → ``nexc dataset build
    FILTERED/ --runs RUNS/ --min-verdict ok``: the verdicts.jsonl the judge wrote gates the samples."""
    from nexc.cli import cli

    folder, queries = runs
    traces = [r["trace_id"] for r in _results(folder)]
    scripted = dict(zip(traces, ["good", "poor", "ok", "bad", "good", "ok"])) | {"killed-run": "good"}

    def judge(req):
        run = re.search(r"Run (\S+): chunk", req.messages[-1]["content"]).group(1)
        state = {"open_claims": [], "unverified_results": [], "plan_progress": "done"}
        return reply(json.dumps({"state": state, "findings": [], "verdict": scripted[run]}))

    filtered = tmp_path / "FILTERED"
    with FakeOpenAI(judge) as url:
        res = CliRunner().invoke(cli, ["gap", "filter", str(folder), "-o", str(filtered), "--judge", "--judge-context",
                                       "4000", "--base-url", url, "--api-key", "k"])
    assert res.exit_code == 0, res.output
    judged = {json.loads(x)["trace_id"]: json.loads(x).get("verdict")
              for x in (filtered / "verdicts.jsonl").read_text().splitlines()}
    assert judged and all(scripted[t] == v for t, v in judged.items())
    out = tmp_path / "DS"
    res = CliRunner().invoke(cli, ["dataset", "build", str(filtered), "--runs", str(folder), "-f", "openai", "-o",
                                   str(out), "--min-verdict", "ok"])
    assert res.exit_code == 0, res.output
    samples = _samples(out)
    want = {t for t, v in judged.items() if v in ("ok", "good") and t != "killed-run"}
    assert {s["meta"]["trace_id"] for s in samples} == want and want
    for s in samples:
        assert s["meta"]["verdict"] == scripted[s["meta"]["trace_id"]]
        assert s["meta"]["provenance"] == queries[s["meta"]["query_id"]]["provenance"]
    left_out = json.loads((out / "stats.json").read_text())["inputs"]["runs_left_out"]
    assert left_out["below-min-verdict"] == sum(1 for t, v in judged.items() if v in ("bad", "poor"))


_LINE = st.one_of(
    st.text(max_size=60),
    st.builds(lambda d: json.dumps(d), st.dictionaries(
        st.sampled_from(["id", "trace_id", "verdict", "trajectory", "provenance", "query_id", "stop_reason"]),
        st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
                     max_leaves=6), max_size=5)),
    st.just("[" * 5000))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(results=st.lists(_LINE, max_size=6), verdicts=st.lists(_LINE, max_size=6))
def test_any_results_and_verdicts_files_give_a_build_or_a_usage_error(tmp_path_factory, results, verdicts):
    """Whatever a results.jsonl or verdicts.jsonl holds, the build reads it or refuses it with a usage error
    naming the line; never a traceback."""
    tmp = tmp_path_factory.mktemp("odd")
    runs = tmp / "RUNS"
    (runs / "trajectories").mkdir(parents=True)
    recs = list(run_records(random.Random(1), calls=2, trace_id="t1"))
    (runs / "trajectories" / "w-1.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    (runs / "results.jsonl").write_text("\n".join(results) + "\n")
    (tmp / "v.jsonl").write_text("\n".join(verdicts) + "\n")
    for kw in ({}, {"verdicts": tmp / "v.jsonl"}, {"verdicts": tmp / "v.jsonl", "min_verdict": "ok"},
               {"runs": [runs]}):
        try:
            report = build_dataset([runs], ["openai"], tmp / f"out{len(kw)}{sorted(kw)}", **kw)
        except DatasetError as exc:
            assert "v.jsonl:" in str(exc) and "unknown verdict" in str(exc)
            continue
        assert report.records == len(recs)
