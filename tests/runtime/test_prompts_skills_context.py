"""Prompt templates, skills (briefs + load_skill) and context compaction."""
from __future__ import annotations

from helpers import Skill, agent

from nexc.runtime.context import COMPACTED
from nexc.runtime.types import StopReason
from nexc.testing import call, reply


def test_template_prompt_gets_run_context(run_with):
    a = agent(prompt="Date {{ date }}; user {{ user }}; team {{ team }}.", template=True,
              context={"team": "blue", "user": "default"})
    res, srv = run_with([a], [reply("ok")], context={"user": "ada"})
    system = srv.requests[0].system
    assert "user ada; team blue." in system and "Date 20" in system


def test_template_cannot_reach_python(run_with):
    a = agent(prompt="{{ ''.__class__.__mro__[1].__subclasses__() }}", template=True)
    res, _ = run_with([a], [reply("ok")])
    assert res.stop_reason is StopReason.ERROR and "cannot render the system prompt: SecurityError" in res.error


def _skill(tmp_path):
    folder = tmp_path / "skills" / "cite"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text("---\nname: cite\ndescription: How to cite sources.\n---\n# Citing\nUse [1].\n")
    (folder / "example.md").write_text("e")
    return Skill(name="cite", path="skills/cite")


def test_skill_brief_and_load_skill(run_with, tmp_path):
    skill = _skill(tmp_path)
    res, srv = run_with([agent(skills=["cite"])],
                        [reply(tool_calls=[call("load_skill", {"name": "cite"}), call("load_skill", {"name": "x"})]),
                         reply("done")], skills=[skill], root_dir=tmp_path)
    system = srv.requests[0].system
    assert "## Skills" in system and "- cite: How to cite sources." in system
    tool = srv.requests[0].body["tools"][0]["function"]
    assert tool["name"] == "load_skill" and tool["parameters"]["properties"]["name"]["enum"] == ["cite"]
    loaded, missing = [m["content"] for m in srv.requests[1].messages if m["role"] == "tool"]
    assert loaded.startswith("# Skill: cite\n\n# Citing\nUse [1].") and "example.md" in loaded
    assert "no skill named 'x'" in missing


def test_old_tool_results_are_compacted(run_with):
    script = [reply(tool_calls=[call("big", {"n": 2000})]) for _ in range(6)] + [reply("done")]
    res, srv = run_with([agent(tools=["big"], context_tokens=2000, max_iterations=20)], script)
    assert res.stop_reason is StopReason.COMPLETED
    last = srv.requests[-1].messages
    results = [m["content"] for m in last if m["role"] == "tool"]
    assert sum(r.startswith(COMPACTED[:20]) for r in results) >= 3
    assert not results[-1].startswith(COMPACTED[:20]) and not results[-2].startswith(COMPACTED[:20])
    # earlier records keep what was really sent then
    assert res.records[2]["messages"][3]["content"].startswith("xxxx")
    hints = [m for m in last if m["role"] == "user" and "context is" in m["content"]]
    assert hints and all(m == {"role": "user", "content": m["content"]} for m in hints)  # no nexc keys on the wire
    recorded = [m for m in res.records[-1]["messages"] if m.get("injected")]
    assert recorded and all("context_hint" in m["injected"] for m in recorded)


def test_context_limit_after_compaction(run_with):
    script = [reply(tool_calls=[call("big", {"n": 6000})]) for _ in range(5)] + [reply("done")]
    res, _ = run_with([agent(tools=["big"], context_tokens=2000)], script)
    assert res.stop_reason is StopReason.CONTEXT_LIMIT


def test_custom_token_counter(run_with, settings):
    settings.token_counter = lambda text: len(text)  # one token per character: the task alone overflows
    res, _ = run_with([agent(context_tokens=100)], [reply("never")], task="y" * 200)
    assert res.stop_reason is StopReason.CONTEXT_LIMIT
