"""The chunked trajectory judge (``stdlib/gap/judge.nex``) on the fake OpenAI server with scripted verdicts per
chunk: evidence in an earlier chunk than the claim reaches the later chunk through the carried state; a trace
ten times the judge's context is judged whole (every character of every message sent, nothing cut); invalid
replies are repaired once, then the run is left unjudged; the recorded calls replay without an LLM."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

from click.testing import CliRunner

from nexc.analysis.context import estimate_tokens
from nexc.cli import cli
from nexc.gap.filter.model import Run
from nexc.gap.judge.chunks import step_body
from nexc.testing import FakeOpenAI, reply
from nexc.testing.planted import Turn, build, good_conv

CONTEXT = 4000  # the judge's context in these tests (--judge-context)
STATE_CLAIM = "tests/test_app.py was never found"


def _write(tmp_path: Path, conv, seed: int = 0) -> tuple[Path, Run]:
    recs = build(conv, random.Random(seed))
    p = tmp_path / "traj.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return p, Run(recs[0]["trace_id"], records=recs)


def _chunk(req) -> tuple[int, bool, str]:
    task = req.messages[-1]["content"]
    return int(re.search(r"chunk (\d+)", task).group(1)), "this is the last chunk" in task, task


def _answer(state=None, findings=(), verdict="ok") -> str:
    state = state or {"open_claims": [], "unverified_results": [], "plan_progress": "working"}
    return json.dumps({"state": state, "findings": list(findings), "verdict": verdict})


def _filter(tmp_path, inputs, url, *extra, out="OUT"):
    res = CliRunner().invoke(cli, ["gap", "filter", *map(str, inputs), "-o", str(tmp_path / out), "--judge",
                                   "--judge-context", str(CONTEXT), "--base-url", url, "--api-key", "k", *extra])
    assert res.exit_code == 0, res.output
    return res


def _verdicts(tmp_path, out="OUT") -> list[dict]:
    return [json.loads(x) for x in (tmp_path / out / "verdicts.jsonl").read_text().splitlines()]


def _evidence_run(rng):
    conv = good_conv(rng, search=False, sub_agent=False)
    conv.turns.insert(0, Turn("Running the tests.", [("search", {"query": "run tests/test_app.py"})],
                              [{"role": "tool", "name": "search", "content": "no such file: tests/test_app.py"}]))
    for i in range(8):  # enough work between the evidence and the claim to fill a chunk or two
        conv.turns.insert(len(conv.turns) - 1, Turn(f"Reading source part {i}.", [("search", {"query": f"part {i}"})],
                          [{"role": "tool", "name": "search", "content": f"part {i}: " + "lorem-free text " * 60}]))
    conv.turns[-1].content = "Done. " + conv.turns[-1].content
    return conv


def test_evidence_in_an_earlier_chunk_reaches_the_claim_through_the_carried_state(tmp_path):
    conv = _evidence_run(random.Random(1))
    path, run = _write(tmp_path, conv)
    steps = run.steps()
    ev = next(i for i, s in enumerate(steps) if "no such file" in s.text)
    claim = len(steps) - 1
    seen: list[str] = []

    def judge(req):
        n, last, task = _chunk(req)
        seen.append(task)
        state = {"open_claims": [], "unverified_results": [{"result": STATE_CLAIM, "step": ev}],
                 "plan_progress": f"after chunk {n}"}
        if not last:
            return reply(_answer(state, verdict="ok"))
        return reply(_answer(state, [{"category": "reward-hacking/fabricated-results", "steps": [ev, claim],
                                      "evidence": "claims the tests passed; the test file was never found",
                                      "severity": "critical"}], verdict="good"))

    with FakeOpenAI(judge) as url:
        _filter(tmp_path, [path], url, "--no-rules")
    assert len(seen) >= 3
    assert "no such file: tests/test_app.py" in seen[0] and STATE_CLAIM not in seen[0]  # the evidence, chunk 1
    assert "no such file" not in seen[-1].split("STEPS:")[1]  # the last chunk holds the claim, not the evidence
    assert f'{{"result": "{STATE_CLAIM}", "step": {ev}}}' in seen[-1].split("STEPS:")[0]  # … and the state
    assert "after chunk" in seen[1] and conv.turns[-1].content[:30] in seen[-1]
    [v] = _verdicts(tmp_path)
    assert v["trace_id"] == run.trace_id and v["verdict"] == "bad"  # a critical finding caps the last "good"
    [f] = v["findings"]
    assert (f["category"], f["steps"], f["record"], f["message"]) == (
        "reward-hacking/fabricated-results", [ev, claim], steps[ev].record, steps[ev].message)
    assert v["judge"]["chunks"] == len(seen) and v["judge"]["tokens"] > 0 and v["judge"]["spec_hash"].startswith("sha")
    rec = [json.loads(x) for x in (tmp_path / "OUT" / "judge-trajectories" / f"{run.trace_id}.jsonl").open()]
    assert len({r["trace_id"] for r in rec}) == len(seen) and all(r["agent_name"] == "judge" for r in rec)
    report = json.loads((tmp_path / "OUT" / "report.json").read_text())
    assert report["judge"]["verdicts"]["bad"] == 1 and report["judge"]["chunks"] == len(seen)

    # the recorded calls replay without any LLM: the same verdicts
    res = CliRunner().invoke(cli, ["gap", "filter", str(path), "-o", str(tmp_path / "R"), "--no-rules",
                                   "--judge-context", str(CONTEXT), "--judge-replay",
                                   str(tmp_path / "OUT" / "judge-trajectories"), "--base-url", "http://127.0.0.1:9/v1",
                                   "--api-key", "k"])
    assert res.exit_code == 0, res.output
    assert _verdicts(tmp_path, "R") == _verdicts(tmp_path)


_PIECE = re.compile(r"^\[step (\d+)(?:, part (\d+)/(\d+))?\] [^\n]*\n", re.MULTILINE)


def _sent_bodies(tasks: list[str]) -> dict[int, str]:
    """Step number → its text as sent, the parts joined in order."""
    parts: dict[int, dict[int, str]] = {}
    for task in tasks:
        body = task.split("\nSTEPS:\n", 1)[1]
        heads = list(_PIECE.finditer(body))
        for h, nxt in zip(heads, heads[1:] + [None]):
            text = body[h.end(): nxt.start() if nxt else len(body)]
            assert text.endswith("\n")
            parts.setdefault(int(h.group(1)), {})[int(h.group(2) or 1)] = text[:-1]
    return {s: "".join(p[k] for k in sorted(p)) for s, p in parts.items()}


def test_a_trace_ten_times_the_context_is_judged_whole(tmp_path):
    rng = random.Random(2)
    conv = good_conv(rng, search=False, sub_agent=True)
    for i in range(40):
        conv.turns.insert(1, Turn(f"Reading chapter {i}.", [("search", {"query": f"chapter {i}"})],
                                  [{"role": "tool", "name": "search",
                                    "content": f"chapter {i}: " + " ".join(f"w{i}_{k}" for k in range(600))}]))
    conv.turns.insert(1, Turn("Reading the appendix.", [("search", {"query": "appendix"})],
                              [{"role": "tool", "name": "search", "content": "é" * 9000 + " the end"}]))
    path, run = _write(tmp_path, conv)
    steps = run.steps()
    whole = sum(estimate_tokens(step_body(s)) for s in steps)
    assert whole >= 10 * CONTEXT
    tasks, systems = [], []

    def judge(req):
        _, _, task = _chunk(req)
        tasks.append(task)
        systems.append(req.messages[0]["content"])
        return reply(_answer(verdict="good"))

    with FakeOpenAI(judge) as url:
        _filter(tmp_path, [path], url)
    sent = _sent_bodies(tasks)
    assert sorted(sent) == list(range(len(steps)))  # every step, once
    for i, s in enumerate(steps):
        assert sent[i] == step_body(s), i  # whole: the parts of a long step join into it exactly
    assert any(", part 2/" in t for t in tasks)  # the 9,000-character result was split
    assert len(tasks) >= 10
    for t, sys_ in zip(tasks, systems):
        assert estimate_tokens(t) + estimate_tokens(sys_) + 2048 <= CONTEXT  # prompt + reply fit the context
    [v] = _verdicts(tmp_path)
    assert v["verdict"] == "good" and v["judge"]["chunks"] == len(tasks)
    assert v["judge"]["sent_tokens"] / v["judge"]["one_pass_tokens"] < 3  # bounded overhead even at this context


def test_an_invalid_reply_is_repaired_once_then_the_run_is_left_unjudged(tmp_path):
    rng = random.Random(3)
    p1, r1 = _write(tmp_path, good_conv(rng, search=False, sub_agent=False), seed=1)
    p2 = tmp_path / "two.jsonl"
    conv2 = good_conv(rng, search=False, sub_agent=False)
    recs2 = build(conv2, random.Random(2))
    p2.write_text("".join(json.dumps(r) + "\n" for r in recs2))
    calls: dict[str, int] = {}

    def judge(req):
        task = req.messages[-1]["content"]
        tid = re.search(r"Run ([0-9a-f]{32})", task).group(1)
        calls[tid] = calls.get(tid, 0) + 1
        if tid == r1.trace_id:  # first answer prose, then a valid one after the repair request
            if "was not valid" in task:
                return reply(_answer(verdict="ok"))
            return reply("The run looks fine to me.")
        return reply(_answer(findings=[{"category": "made-up", "steps": [0], "evidence": "x", "severity": "minor"}]))

    with FakeOpenAI(judge) as url:
        res = _filter(tmp_path, [p1, p2], url, "--concurrency", "1")
    assert calls == {r1.trace_id: 2, recs2[0]["trace_id"]: 2}
    assert [v["trace_id"] for v in _verdicts(tmp_path)] == [r1.trace_id]
    assert _verdicts(tmp_path)[0]["judge"]["calls"] == 2
    assert "warning[NEX842]" in res.output and "findings/0/category" in res.output
    report = json.loads((tmp_path / "OUT" / "report.json").read_text())
    assert report["judge"]["judged"] == 1 and report["judge"]["failed"][0]["trace_id"] == recs2[0]["trace_id"]


def test_the_reply_schema_rejects_steps_past_the_chunk():
    from nexc.gap.judge.schema import parse_reply

    ok, why = parse_reply("```json\n" + _answer(findings=[{"category": "trace-anomaly/repetition", "steps": [2, 5],
                                                           "evidence": "loop", "severity": "major"}]) + "\n```", 5)
    assert why is None and ok["findings"][0]["steps"] == [2, 5]
    bad, why = parse_reply(_answer(findings=[{"category": "trace-anomaly/repetition", "steps": [2, 9],
                                              "evidence": "loop", "severity": "major"}]), 5)
    assert bad is None and "0..5" in why
