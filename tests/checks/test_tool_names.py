"""tool_names (NEX422): names that OpenAI-compatible endpoints reject (``^[a-zA-Z0-9_-]{1,64}$``), for agents
that send their tools natively; text formats are not checked."""
from __future__ import annotations

import pytest

from nexc.checks import tool_names
from nexc.diagnostics import Reporter
from nexc.diagnostics.registry import get

LLM = 'llm main { model = "m" }\n'


def spec(tool: str, fmt: str | None = None, framework: str = "") -> str:
    return (framework + LLM + f'tool {tool}(q: str) -> str "Search." = python "tools:search"\n'
            f"agent a {{\n  llm = main\n  prompt = \"p\"\n  tools = [{tool}]\n"
            + (f"  tool_format = {fmt}\n" if fmt else "") + "}\n")


def nex422(res):
    return [d for d in res.reporter.sorted() if d.code == "NEX422"]


def test_a_tool_name_over_64_characters_is_a_warning_with_the_limit_and_the_fix(compile_text):
    name = "t" * 65
    res, codes = compile_text(spec(name))
    assert codes == ["NEX422"]
    (d,) = nex422(res)
    assert d.severity == "warning" and d.span.line == 6  # at the toolset entry
    assert "65 characters" in d.message and "at most 64" in d.message and "HTTP 400" in d.message
    assert "agent 'a'" in d.message and "^[a-zA-Z0-9_-]{1,64}$" in d.notes[0]
    assert d.fix == "rename the tool to at most 64 letters, digits, '_' or '-'"


def test_a_name_of_64_characters_is_fine(compile_text):
    _, codes = compile_text(spec("t" * 64))
    assert codes == []


@pytest.mark.parametrize("fmt", ["qwen3_coder", "hermes", "nexau_xml"])
def test_agents_in_a_text_format_are_not_checked(compile_text, fmt):
    _, codes = compile_text(spec("t" * 80, fmt))
    assert "NEX422" not in codes


def test_a_long_sub_agent_name_is_reported_as_a_sub_agent(compile_text):
    child = "helper_" + "x" * 60
    res, codes = compile_text(LLM + f'agent {child} "Helps." {{ llm = main }}\n'
                              f"agent a {{\n  llm = main\n  tools = [{child}]\n}}\nentry a\n")
    assert codes == ["NEX422"]
    (d,) = nex422(res)
    assert d.message.startswith("sub-agent name 'helper_") and "67 characters" in d.message


def test_the_nexau_profile_prefix_counts(compile_text):
    child = "c" * 60  # offered as sub-agent-ccc…: 70 characters
    res, _ = compile_text('framework f { profile = nexau }\n' + LLM + f'agent {child} "Helps." {{ llm = main }}\n'
                           f"agent a {{\n  llm = main\n  tools = [{child}]\n}}\nentry a\n")
    (d,) = nex422(res)
    assert "'sub-agent-ccc" in d.message and "70 characters" in d.message
    assert any("offers sub-agent" in n for n in d.notes)
    assert d.fix == "rename the sub-agent to at most 54 letters, digits, '_' or '-'"


def test_the_same_spec_without_the_prefix_is_fine(compile_text):
    child = "c" * 60
    _, codes = compile_text(LLM + f'agent {child} "Helps." {{ llm = main }}\n'
                            f"agent a {{\n  llm = main\n  tools = [{child}]\n}}\nentry a\n")
    assert codes == []


@pytest.mark.parametrize("bad, shown", [("web.search", "'.'"), ("wéb", "'é'"), ("a b", "' '")])
def test_characters_outside_the_pattern_get_the_same_diagnostic(compile_text, bad, shown):
    res, _ = compile_text(spec("search"))
    fw = res.framework
    tool = fw.tools[0].model_copy(update={"name": bad})
    agent = fw.agents[0]
    ref = agent.tools[0].model_copy(update={"name": bad})
    fw = fw.model_copy(update={"tools": (tool,), "agents": (agent.model_copy(update={"tools": (ref,)}),)})
    r = Reporter()
    tool_names.check(fw, r, res.context)
    (d,) = r.sorted()
    assert d.code == "NEX422" and "has characters outside letters, digits, '_' and '-'" in d.message
    assert shown in d.message


def test_problem_names_length_and_characters_together():
    assert tool_names.problem("ok-name_1") is None
    assert tool_names.problem("x" * 64) is None
    assert tool_names.problem("x" * 70 + "!") == ("is 71 characters long (at most 64 are accepted) and has characters "
                                                   "outside letters, digits, '_' and '-': '!'")
    assert tool_names.problem("") == "is empty"


def test_the_code_is_registered_with_docs():
    rule = get("NEX422")
    assert rule is not None and rule.name == "tool-name-rejected-by-api" and rule.severity == "warning"
    assert "64" in rule.what and "nexc.checks.tool_names" in rule.what
    assert get("tool-name-rejected-by-api") is rule
