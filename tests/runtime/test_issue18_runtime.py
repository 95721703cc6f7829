"""Issue 18, runtime items: tools that cannot load stop the run before its first LLM call (2), arguments are
validated against the tool's schema and unclosed text-mode calls are not run (3), replays take tool results
from the recording (4), prompt variables are checked before the run (5), messages name the CLI's options in
the CLI (6), and trajectories are written only where asked (7)."""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nexc.api import load
from nexc.commands.run import run as run_cmd
from nexc.runtime.types import StopReason
from nexc.testing import FakeOpenAI, call, reply

SPEC = """\
nex 1

framework triage "Triage issues." {}

llm m {
  model = "fake-model"
  max_retries = 0
}

tool get_issue(n: int "Issue number", state: "open" | "closed" = "open") -> str
  "Fetch an issue."
  = python "{module}:get_issue"

agent main {
  llm = m
  prompt = template("You triage issues for {{ repo }}.", vars = ["repo"])
  tools = [get_issue]
  {extra}
}

entry main
"""

TOOLS = """\
import os

LOG = os.path.join(os.path.dirname(__file__), "calls.log")


def get_issue(n, state="open"):
    with open(LOG, "a") as f:
        f.write(f"{n} {state}\\n")
    suffix = os.environ.get("ISSUE18_SUFFIX", "")
    return "x" * 150 + f" issue {n} is {state}{suffix}"
"""


def _project(tmp_path: Path, *, module: str = "issue18_tools", extra: str = "", tools: str = TOOLS) -> Path:
    (tmp_path / f"{module}.py").write_text(tools)
    spec = tmp_path / "triage.nex"
    spec.write_text(SPEC.replace("{module}", module).replace("{extra}", extra))
    return spec


def _calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def _invoke(args, env=None):
    return CliRunner().invoke(run_cmd, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture(autouse=True)
def _forget_modules():
    yield
    for name in [m for m in sys.modules if m.startswith("issue18_")]:
        del sys.modules[name]


# ---------------------------------------------------------------- item 2: tools that cannot load


def test_a_run_whose_tools_cannot_load_fails_before_the_first_llm_call(tmp_path):
    spec = _project(tmp_path, module="issue18_broken", tools="from issue18_helpers_gone import fmt\n\n"
                                                               "def get_issue(n, state='open'):\n    return fmt(n)\n")
    srv = FakeOpenAI([reply("should never be asked")])
    with srv as url:
        r = _invoke([spec, "go", "--base-url", url, "--context", "repo=x", "--no-trace"])
    assert r.exit_code == 1, r.output
    assert not srv.requests
    assert "stop reason: error" in r.stderr
    assert "tool 'get_issue'" in r.stderr and "No module named 'issue18_helpers_gone'" in r.stderr


# ---------------------------------------------------------------- item 3: schema validation, unclosed calls


@pytest.mark.parametrize("args, problem", [
    ({"n": 3, "state": "closedd"}, "'state': 'closedd' is not one of ['open', 'closed']"),
    ({"n": "abc"}, "'n': 'abc' is not of type 'integer'"),
    ({"state": "open"}, "missing required argument(s): n"),
])
def test_arguments_outside_the_schema_are_an_observation_never_a_call(tmp_path, args, problem):
    spec = _project(tmp_path)
    fw = load(spec)
    srv = FakeOpenAI([reply(tool_calls=[call("get_issue", args)]), reply("done")])
    with srv as url:
        res = fw.run("go", base_url=url, context={"repo": "r"})
    assert res.output == "done"
    observation = [m for m in srv.requests[1].messages if m["role"] == "tool"][0]["content"]
    assert observation.startswith("Error:") and problem in observation
    assert _calls(tmp_path) == []


def test_valid_arguments_still_call_the_tool(tmp_path):
    spec = _project(tmp_path)
    fw = load(spec)
    srv = FakeOpenAI([reply(tool_calls=[call("get_issue", {"n": 3, "state": "closed"})]), reply("done")])
    with srv as url:
        assert fw.run("go", base_url=url, context={"repo": "r"}).ok
    assert _calls(tmp_path) == ["3 closed"]


UNCLOSED = "<tool_call>\n<function=get_issue>\n<parameter=n>\n12\n"
CLOSED = "<tool_call>\n<function=get_issue>\n<parameter=n>\n5\n</parameter>\n</function>\n</tool_call>"


def test_an_unclosed_text_mode_call_is_not_run(tmp_path):
    spec = _project(tmp_path, extra="tool_format = qwen3_coder")
    fw = load(spec)
    srv = FakeOpenAI([reply(UNCLOSED), reply("done")])
    with srv as url:
        res = fw.run("go", base_url=url, context={"repo": "r"})
    assert res.output == "done" and _calls(tmp_path) == []
    note = srv.requests[1].messages[-1]["content"]
    assert "not closed" in note and "get_issue" in note and "</tool_call>" in note


def test_closed_calls_before_an_unclosed_one_run(tmp_path):
    spec = _project(tmp_path, extra="tool_format = qwen3_coder")
    fw = load(spec)
    srv = FakeOpenAI([reply(CLOSED + "\n" + UNCLOSED), reply(CLOSED), reply("done")])
    with srv as url:
        res = fw.run("go", base_url=url, context={"repo": "r"})
    assert res.output == "done"
    assert _calls(tmp_path) == ["5 open", "5 open"]
    assert "not closed" in srv.requests[1].messages[-1]["content"]


def test_closed_calls_per_format_are_recognised():
    from nexc.formats.registry import get_format, list_formats
    from nexc.runtime.textmode import closed_calls

    tools = [{"type": "function", "function": {"name": "get_issue", "description": "d", "parameters": {
        "type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}}}]
    checked = 0
    for fid in list_formats():
        fmt = get_format(fid)
        ids = "abcdefghi" if fid.startswith("mistral") else "call_1"
        msg = {"role": "assistant", "content": "", "tool_calls": [
            {"id": ids, "type": "function", "function": {"name": "get_issue", "arguments": '{"n": 12}'}}]}
        try:
            text = fmt.render_assistant(msg)
        except Exception:  # noqa: BLE001 - a format that cannot render this call
            continue
        kept, _ = fmt.finish_turn(text, "stop", None, tools)
        parsed = fmt.parse_assistant(kept, tools)
        if not parsed.tool_calls:
            continue
        n, _ = closed_calls(fmt, kept, parsed.tool_calls, tools)
        assert n == len(parsed.tool_calls), fid  # a call as the format renders it is closed
        checked += 1
    assert checked >= 5


# ---------------------------------------------------------------- item 4: replay without side effects


def _live(tmp_path, spec, trace, env=None):
    with FakeOpenAI([reply(tool_calls=[call("get_issue", {"n": 1})]), reply("triaged")]) as url:
        r = _invoke([spec, "go", "--base-url", url, "--context", "repo=r", "--trace-out", trace], env=env)
    assert r.exit_code == 0, r.output
    return r


def test_replay_takes_tool_results_from_the_recording(tmp_path):
    spec = _project(tmp_path)
    trace = tmp_path / "t.jsonl"
    _live(tmp_path, spec, trace)
    assert _calls(tmp_path) == ["1 open"]
    r = _invoke([spec, "go", "--replay", trace, "--context", "repo=r"])
    assert r.exit_code == 0 and "triaged" in r.stdout, r.output
    assert _calls(tmp_path) == ["1 open"]  # no tool ran
    r = _invoke([spec, "go", "--replay", trace, "--context", "repo=r", "--replay-tools", "run"])
    assert r.exit_code == 0, r.output
    assert _calls(tmp_path) == ["1 open", "1 open"]


def test_replay_lenient_goes_on_past_a_different_tool_result(tmp_path):
    spec = _project(tmp_path)
    trace = tmp_path / "t.jsonl"
    _live(tmp_path, spec, trace)
    env = {"ISSUE18_SUFFIX": " (changed)"}
    r = _invoke([spec, "go", "--replay", trace, "--context", "repo=r", "--replay-tools", "run"], env=env)
    assert r.exit_code == 1 and "replay_diverged" in r.stderr
    # the first differing character, with context on both sides
    assert "at character 166 of its content" in r.stderr
    assert "now '…xxxxxxxxxxxxxxxxxxxxxxxx issue 1 is open' ▸ ' (changed)'" in r.stderr
    assert "recorded '…xxxxxxxxxxxxxxxxxxxxxxxx issue 1 is open' ▸ (end)" in r.stderr
    r = _invoke([spec, "go", "--replay", trace, "--context", "repo=r", "--replay-tools", "run", "--replay-lenient"],
                env=env)
    assert r.exit_code == 0 and "triaged" in r.stdout, r.output
    assert "warning: replay:" in r.stderr and "(changed)" in r.stderr


def test_trace_id_picks_one_run_of_a_file_holding_several(tmp_path):
    spec = _project(tmp_path)
    trace = tmp_path / "t.jsonl"
    _live(tmp_path, spec, trace)
    _live(tmp_path, spec, trace)
    ids = list(dict.fromkeys(json.loads(line)["trace_id"] for line in trace.read_text().splitlines()))
    assert len(ids) == 2
    r = _invoke([spec, "go", "--replay", trace, "--context", "repo=r"])
    assert r.exit_code == 1 and "holds 2 runs" in r.stderr and "--trace-id" in r.stderr
    assert ids[0] in r.stderr and ids[1] in r.stderr
    r = _invoke([spec, "go", "--replay", trace, "--context", "repo=r", "--trace-id", ids[1][:10]])
    assert r.exit_code == 0 and "triaged" in r.stdout, r.output
    r = _invoke([spec, "go", "--replay", trace, "--context", "repo=r", "--trace-id", "ffff0000"])
    assert r.exit_code == 1 and "no run with trace id 'ffff0000'" in r.stderr


def test_a_stop_tool_of_the_last_round_runs_in_a_replay(run_with, settings):
    import helpers
    from helpers import agent

    from nexc.api import CompiledFramework

    team = [agent(tools=["echo", "submit"], stop=["submit"])]
    live, _ = run_with(team, [reply(tool_calls=[call("echo", {"text": "a"})]),
                              reply(tool_calls=[call("submit", {"answer": "42"})])])
    assert live.stop_reason is StopReason.STOP_TOOL and live.output == "ANSWER:42"
    fw = CompiledFramework.from_ir(helpers.framework(team), settings=settings)
    res = fw.run("go", replay=live.records)
    assert res.stop_reason is StopReason.STOP_TOOL and res.output == "ANSWER:42"
    spans = {s.name: s for s in res.spans if s.kind == "tool"}
    assert spans["echo"].attrs.get("replayed") is True and not spans["submit"].attrs.get("replayed")


# ---------------------------------------------------------------- item 5: template variables


def test_a_declared_variable_missing_from_the_context_is_an_error_before_the_run(tmp_path):
    spec = _project(tmp_path)
    srv = FakeOpenAI([reply("never")])
    with srv as url:
        r = _invoke([spec, "go", "--base-url", url, "--no-trace"])
        res = load(spec).run("go", base_url=url)
    assert r.exit_code == 1 and not srv.requests
    assert "prompt variable 'repo' has no value: pass --context repo=VALUE" in r.stderr
    assert res.stop_reason is StopReason.ERROR and "pass context={'repo': …}" in res.error


def test_a_declared_default_in_the_agent_context_is_used(tmp_path):
    spec = _project(tmp_path, extra='context = {repo: "nexc"}')
    srv = FakeOpenAI([reply("done")])
    with srv as url:
        r = _invoke([spec, "go", "--base-url", url, "--no-trace"])
    assert r.exit_code == 0, r.output
    assert "You triage issues for nexc." in srv.requests[0].system


def test_an_unknown_context_key_is_a_warning_naming_the_declared_ones(tmp_path):
    spec = _project(tmp_path)
    with FakeOpenAI([reply("done")]) as url:
        r = _invoke([spec, "go", "--base-url", url, "--no-trace", "--context", "repo=r", "--context", "rpeo=x"])
    assert r.exit_code == 0, r.output
    assert "warning: --context rpeo: no prompt declares the variable 'rpeo'; did you mean 'repo'? " \
           "(declared: repo)" in r.stderr


# ---------------------------------------------------------------- item 6: messages in the CLI's words


def test_missing_endpoint_messages_name_flags_in_the_cli_and_keywords_in_the_api(tmp_path, monkeypatch):
    for var in ("NEXC_MODEL", "OPENAI_MODEL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    spec = _project(tmp_path)
    text = spec.read_text().replace('  model = "fake-model"\n', "")
    spec.write_text(text)
    r = _invoke([spec, "go", "--context", "repo=r", "--base-url", "http://127.0.0.1:9/v1", "--no-trace"])
    assert r.exit_code == 1
    assert "pass --model, or set NEXC_MODEL or OPENAI_MODEL" in r.stderr and "model=" not in r.stderr
    r = _invoke([spec, "go", "--context", "repo=r", "--model", "m", "--no-trace"])
    assert "pass --base-url, or set OPENAI_BASE_URL" in r.stderr and "base_url=" not in r.stderr
    res = load(spec).run("go", context={"repo": "r"}, base_url="http://127.0.0.1:9/v1")
    assert "pass model= to run()" in res.error and "--model" not in res.error
    res = load(spec).run("go", context={"repo": "r"}, model="m")
    assert "pass base_url= to run()" in res.error and "--base-url" not in res.error


# ---------------------------------------------------------------- item 7: traces only where asked


def test_traces_go_to_the_default_folder_unless_turned_off(tmp_path, monkeypatch):
    spec = _project(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("NEXC_TRACE_DIR", raising=False)
    script = [reply("done")] * 4
    with FakeOpenAI(script) as url:
        base = [spec, "go", "--base-url", url, "--context", "repo=r"]
        r = _invoke(base)
        assert r.exit_code == 0
        written = sorted((work / "nexc-runs").glob("triage-*.jsonl"))
        assert len(written) == 1 and f"trajectory: {Path('nexc-runs') / written[0].name}" in r.stderr
        r = _invoke([*base, "--no-trace"])
        assert r.exit_code == 0 and "trajectory: not written (--no-trace" in r.stderr
        r = _invoke(base, env={"NEXC_TRACE_DIR": "off"})
        assert r.exit_code == 0 and "not written" in r.stderr
        r = _invoke(base, env={"NEXC_TRACE_DIR": str(tmp_path / "elsewhere")})
        assert r.exit_code == 0 and len(list((tmp_path / "elsewhere").glob("*.jsonl"))) == 1
    assert len(list((work / "nexc-runs").glob("*.jsonl"))) == 1
    r = _invoke([spec, "go", "--trace-out", "x.jsonl", "--no-trace"])
    assert r.exit_code == 2


def test_a_replay_writes_no_new_file_unless_asked(tmp_path, monkeypatch):
    spec = _project(tmp_path)
    trace = tmp_path / "t.jsonl"
    _live(tmp_path, spec, trace)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    r = _invoke([spec, "go", "--replay", trace, "--context", "repo=r"])
    assert r.exit_code == 0 and "trajectory: not written (a replay writes one only with --trace-out" in r.stderr
    assert list(work.iterdir()) == []
    r = _invoke([spec, "go", "--replay", trace, "--context", "repo=r", "--trace-out", "again.jsonl"])
    assert r.exit_code == 0 and (work / "again.jsonl").is_file()


def test_api_settings_for_replay(tmp_path):
    spec = _project(tmp_path)
    fw = load(spec)
    with FakeOpenAI([reply(tool_calls=[call("get_issue", {"n": 2})]), reply("triaged")]) as url:
        live = fw.run("go", base_url=url, context={"repo": "r"})
    assert _calls(tmp_path) == ["2 open"]
    assert fw.run("go", replay=live.records, context={"repo": "r"}).ok and _calls(tmp_path) == ["2 open"]
    again = fw.run("go", replay=live.records, context={"repo": "r"},
                   settings=dataclasses.replace(fw.settings, replay_tools="run"))
    assert again.ok and _calls(tmp_path) == ["2 open", "2 open"]
