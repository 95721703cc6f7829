"""A4A end to end against the fake server: planted defects repaired in one round, bounded rounds, malformed
replies as repair rounds, tools checked, MCP from a lockfile, byte-identical replays, the result runs."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from nexc.a4a import A4AOptions, generate
from nexc.pipeline import compile_path
from nexc.testing import FakeOpenAI, reply

from . import scripts

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def _run(handler, out, **kw):
    with FakeOpenAI(handler) as url:
        return generate("A desk that answers weather questions.", out,
                        A4AOptions(base_url=url, api_key="sk-test-0000", model="fake", **kw))


def test_a_good_draft_compiles_first_try(tmp_path):
    res = _run(scripts.script(scripts.files(scripts.GOOD_SPEC, scripts.GOOD_TOOLS)), tmp_path / "o")
    assert res.ok and res.first_try_ok and res.rounds == 0, res.diagnostics
    out = tmp_path / "o"
    assert (out / "weather_desk.nex").is_file() and (out / "tools" / "weather_tools.py").is_file()
    assert compile_path(out / "weather_desk.nex").ok
    report = json.loads((out / "a4a-report.json").read_text())
    assert report["ok"] and report["pattern"] == "hierarchy" and report["agents"] == 2
    assert set(report["tokens"]) == {"meta", "builder"}


def test_planted_defects_are_all_fixed_in_one_round(tmp_path):
    handler = scripts.script(scripts.files(scripts.BAD_SPEC, scripts.BAD_TOOLS))
    res = _run(handler, tmp_path / "o")
    assert res.ok and not res.first_try_ok and res.rounds == 1, res.diagnostics
    repair_task = next(t for st, t in handler.state["seen"] if st == "repairer")
    for needle in ("lookup_city", "archivist", "NEX405", "convrt", "date", "TypeError"):
        assert needle in repair_task, needle
    assert "line" in repair_task and "column" in repair_task  # positions go back to the model


def test_a_repairer_that_never_fixes_stops_after_max_repairs(tmp_path):
    handler = scripts.script(scripts.files(scripts.BAD_SPEC, scripts.BAD_TOOLS), repair_replies=('{"edits": []}',))
    res = _run(handler, tmp_path / "o", max_repairs=2)
    assert not res.ok and res.rounds == 2 and handler.state["repairs"] == 2
    assert not (tmp_path / "o" / "weather_desk.nex").exists()
    rejects = [json.loads(x) for x in (tmp_path / "o" / "a4a-rejects.jsonl").read_text().splitlines()]
    assert rejects[-1]["diagnostics"] and rejects[-1]["rounds"] == 2
    assert json.loads((tmp_path / "o" / "a4a-report.json").read_text())["ok"] is False


@pytest.mark.parametrize("bad", ["no code block here", "```nex file=weather_desk.nex\nagent {{{\n```", "",
                                 "reasoning-only"])
def test_malformed_builder_output_is_a_repair_round(tmp_path, bad):
    first = reply(reasoning="thinking only") if bad == "reasoning-only" else reply(bad)
    good = reply(scripts.files(scripts.GOOD_SPEC, scripts.GOOD_TOOLS))
    if bad.startswith("```"):  # a spec to edit: the repairer answers with a whole new file
        edits = {"edits": [{"file": "weather_desk.nex", "old": "agent {{{\n", "new": scripts.GOOD_SPEC}] + [
            {"file": p, "old": "", "new": t} for p, t in [("tools/weather_tools.py", scripts.GOOD_TOOLS),
                                                        ("tools/weather_tools.examples.json", scripts.EXAMPLES),
                                                        *scripts.PROMPTS.items()]]}
        handler = scripts.script([first], repair_replies=(json.dumps(edits),))
    else:
        handler = scripts.script([first, good])
    res = _run(handler, tmp_path / "o")
    assert res.ok and res.rounds == 1, res.diagnostics


def test_malformed_meta_output_falls_back_to_a_single_agent_design(tmp_path):
    res = _run(scripts.script(scripts.files(scripts.GOOD_SPEC, scripts.GOOD_TOOLS), meta_reply="no json"),
               tmp_path / "o")
    assert res.ok and res.pattern == "single"


@pytest.mark.parametrize("code,why", [("import os\ndef convert(celsius: float) -> str:\n    return os.name\n", "import"),
                                      ("def convert(celsius: float) -> str:\n    return open('x').read()\n", "open"),
                                      ("def convert(c: float) -> str:\n    return str(c)\n", "parameters")])
def test_unsafe_or_mismatched_tool_code_is_reported_and_kept_out(tmp_path, code, why):
    handler = scripts.script(scripts.files(scripts.GOOD_SPEC, code), repair_replies=('{"edits": []}',))
    res = _run(handler, tmp_path / "o", max_repairs=1)
    assert not res.ok
    msgs = " ".join(d["message"] for d in res.diagnostics)
    assert why in msgs, msgs


def test_a_recorded_run_replays_to_byte_identical_output(tmp_path):
    handler = scripts.script(scripts.files(scripts.BAD_SPEC, scripts.BAD_TOOLS))
    first = _run(handler, tmp_path / "a")
    assert first.ok
    again = generate("A desk that answers weather questions.", tmp_path / "b",
                     A4AOptions(replay=str(tmp_path / "a" / ".a4a" / "trajectory.jsonl")))
    assert again.ok, again.error
    for rel in ("weather_desk.nex", "tools/weather_tools.py", "prompts/lead.md", "a4a-report.json"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_the_generated_framework_runs_and_exports(tmp_path):
    import nexc
    from nexc.testing import call

    _run(scripts.script(scripts.files(scripts.GOOD_SPEC, scripts.GOOD_TOOLS)), tmp_path / "o")
    spec = tmp_path / "o" / "weather_desk.nex"
    fw = nexc.load(spec)

    def handle(req):
        n = sum(1 for m in req.messages if m["role"] == "assistant")
        if "You forecast" in req.system:
            return reply(tool_calls=[call("convert", {"celsius": 20})]) if n == 0 else reply("68.0 F")
        return reply(tool_calls=[call("forecaster", {"task": "Oslo"})]) if n == 0 else reply("It is 68.0 F.")

    with FakeOpenAI(handle) as url:
        res = fw.run("Weather in Oslo?", base_url=url, api_key="k", context={"date": "2026-12-03"})
    assert res.output == "It is 68.0 F.", res.error
    from click.testing import CliRunner

    from nexc.cli import cli

    out = CliRunner().invoke(cli, ["build", str(spec), "--target", "bundle", "-o", str(tmp_path / "b")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "b" / "weather_desk" / "__main__.py").is_file()
    out = CliRunner().invoke(cli, ["build", str(spec), "--target", "nexau", "-o", str(tmp_path / "x")])
    assert out.exit_code == 0, out.output
    roots = [p for p in (tmp_path / "x").rglob("*.yaml") if "system_prompt" in p.read_text()]
    assert roots and all(compile_path(p).framework is not None for p in roots)


def test_an_output_folder_with_someone_elses_files_is_refused(tmp_path):
    from nexc.a4a.loop import A4AError

    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "mine.txt").write_text("keep me")
    with pytest.raises(A4AError):
        generate("x", tmp_path / "o", A4AOptions(base_url="http://127.0.0.1:9/v1"))
    assert (tmp_path / "o" / "mine.txt").read_text() == "keep me"


def _lock_project(tmp_path):
    from nexc.mcp.lockfile import config_hash

    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / ".nexc-root").write_text("")
    (proj / "servers.nex").write_text('nex 1\nllm m { model = "x" }\nmcp git = stdio "uvx" ["mcp-server-git"]\n'
                                      'agent a {\n  llm = m\n  prompt = "p"\n  tools = [git.*]\n}\n')
    server = compile_path(proj / "servers.nex").framework.mcp_servers[0]
    lock = proj / "nexc.mcp.lock.json"
    lock.write_text(json.dumps({"version": 1, "servers": {"git": {"config": config_hash(server), "tools": [
        {"name": "status", "description": "Show the working tree status.",
         "inputSchema": {"type": "object", "properties": {}}}]}}}))
    return lock


def test_a_description_that_needs_an_mcp_server_gets_it_from_the_lockfile(tmp_path):
    lock = _lock_project(tmp_path)
    spec = scripts.GOOD_SPEC.replace("nex 1\n", 'nex 1\nimport "mcp_servers.nex"\n').replace(
        "tools = [forecaster]", "tools = [forecaster, git.status, git.push]")  # git.push: not in the lockfile
    fix = {"edits": [{"file": "weather_desk.nex", "old": "git.status, git.push", "new": "git.status"}]}
    handler = scripts.script(scripts.files(spec, scripts.GOOD_TOOLS), repair_replies=(json.dumps(fix),))
    res = _run(handler, tmp_path / "o", mcp_locks=(str(lock),))
    assert res.ok and res.rounds == 1, res.diagnostics
    meta_task = next(t for st, t in handler.state["seen"] if st == "meta")
    assert "git: status" in meta_task
    repair_task = next(t for st, t in handler.state["seen"] if st == "repairer")
    assert "git.push" in repair_task or "push" in repair_task
    out = tmp_path / "o"
    assert (out / "mcp_servers.nex").is_file() and (out / "nexc.mcp.lock.json").is_file()
    fw = compile_path(out / "weather_desk.nex").framework
    assert [s.name for s in fw.mcp_servers] == ["git"]


def test_the_nexa4a_layout_loads_with_the_nexa4a_frontend(tmp_path):
    res = _run(scripts.script(scripts.files(scripts.GOOD_SPEC, scripts.GOOD_TOOLS)), tmp_path / "o",
               output_format="nexa4a")
    assert res.ok
    cfg = tmp_path / "o" / "nexa4a" / "framework_config.yaml"
    back = compile_path(cfg)
    assert back.ok, back.reporter.sorted()
    fw = back.framework
    assert fw.entry == "lead" and sorted(a.name for a in fw.agents) == ["forecaster", "lead"]
    lead = next(a for a in fw.agents if a.name == "lead")
    assert [e.name for e in lead.tools] == ["forecaster"]
    assert fw.tool("convert").binding.target == "tools.weather_tools:convert"
    assert (tmp_path / "o" / "nexa4a" / "tools" / "weather_tools.py").is_file()
