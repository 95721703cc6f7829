"""The three whole-system examples (NexDR, the CTO coding team, paper to poster): each lints clean, replays
from its recorded trajectory with ``nexc run --replay … --verbose`` showing every recorded step, records
again (live, against the fake server) the same sequence of calls, and ships a fresh ``nexc graph`` picture."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from nexc.cli import cli
from tests.conftest import REPO

EXAMPLES = {
    "nexdr": ("nexdr.nex", "replay.jsonl"),
    "coding_team": ("cto.nex", "cto_replay.jsonl"),
    "paper2poster": ("paper2poster.nex", "replay.jsonl"),
}
_TIME = re.compile(r"^\[ *\d+\.\d\ds\] ")


def recorder(name: str):
    """The example's ``record.py``, as a module (its task, answer, script and live run)."""
    spec = importlib.util.spec_from_file_location(f"_record_{name}", REPO / "examples" / name / "record.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def calls_of(recs: list[dict]) -> list[str]:
    """The names of the tools the recorded replies call, in the order the run made them."""
    return [c["function"]["name"] for r in recs for c in (r.get("reply") or {}).get("tool_calls") or ()]


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_lints_clean(name):
    r = CliRunner().invoke(cli, ["lint", str(REPO / "examples" / name / EXAMPLES[name][0])])
    assert r.exit_code == 0, r.output
    assert "no problems found" in r.output


@pytest.mark.parametrize("name", EXAMPLES)
def test_replay_with_verbose_shows_every_recorded_step(name, monkeypatch):
    """Every LLM call of the recording is an ``llm AGENT #N`` line, in order; every tool call a ``tool NAME(``
    line or (a delegation) a ``sub-agent NAME: start`` line, in order; stdout is the answer alone."""
    spec, traj = EXAMPLES[name]
    folder = REPO / "examples" / name
    rec = recorder(name)
    monkeypatch.chdir(folder)
    r = CliRunner().invoke(cli, ["run", spec, rec.TASK, "--replay", traj, "--verbose"])
    assert r.exit_code == 0, r.output
    assert r.stdout == rec.ANSWER + "\n"
    lines = [_TIME.sub("", line).strip() for line in r.stderr.splitlines() if _TIME.match(line)]
    recs = records(folder / traj)
    llm = [line.split(":")[0] for line in lines if line.startswith("llm ")]
    assert llm == [f"llm {x['agent_name']} #{x['iteration']}" for x in recs]
    steps = [m.group(1) or m.group(2) for line in lines
             if (m := re.match(r"tool ([\w-]+)\(|sub-agent ([\w-]+): start", line))]
    assert steps == calls_of(recs)
    ends = [line for line in lines if re.match(r"(sub-)?agent \w+: \w+ after \d+ LLM calls?", line)]
    assert len(ends) == sum(line.startswith("sub-agent ") and ": start" in line for line in lines) + 1
    assert re.match(r"agent \w+: stop_tool after \d+ LLM calls", ends[-1])


@pytest.mark.parametrize("name", EXAMPLES)
def test_graph_svg_is_a_fresh_render(name, tmp_path, monkeypatch):
    """``examples/<name>/graph.svg`` is what ``nexc graph`` draws now (regenerate with the README's command)."""
    monkeypatch.chdir(REPO)
    out = tmp_path / "graph.svg"
    r = CliRunner().invoke(cli, ["graph", f"examples/{name}/{EXAMPLES[name][0]}", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == (REPO / "examples" / name / "graph.svg").read_bytes()


@pytest.mark.parametrize("name", ["nexdr", "paper2poster"])
def test_recording_again_makes_the_same_calls(name, tmp_path):
    """``record.py`` still records the checked-in run (same agents, iterations and tool calls)."""
    out = recorder(name).record(tmp_path / "again.jsonl")
    again, shipped = records(out), records(REPO / "examples" / name / EXAMPLES[name][1])
    assert [(r["agent_path"], r["iteration"]) for r in again] == [(r["agent_path"], r["iteration"]) for r in shipped]
    assert calls_of(again) == calls_of(shipped)
    assert [m for r in again for m in r["messages"]] == [m for r in shipped for m in r["messages"]]


def test_nexdr_hands_off_only_after_the_judge():
    """The hand-off before the completion judge was refused by the middleware; the one after it ran."""
    recs = records(REPO / "examples/nexdr/replay.jsonl")
    last = [r for r in recs if r["agent_name"] == "researcher"][-1]
    refused = [m for m in last["messages"] if m.get("role") == "tool" and m["name"] == "markdown_report_writer"]
    assert refused and refused[0]["content"].startswith("Not handed off: ask continue_judge")
    agents = [r["agent_name"] for r in recs]
    assert agents.index("continue_judge") < agents.index("markdown_report_writer")
    writer = [r for r in recs if r["agent_name"] == "markdown_report_writer"]
    findings = [m["content"] for m in writer[-1]["messages"] if m.get("role") == "tool"]
    assert findings and findings[0].startswith("1. Solid-state designs") and "3. " in findings[0]
