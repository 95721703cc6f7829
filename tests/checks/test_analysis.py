"""Static analysis: worst-case LLM calls, hierarchy shape, static context, and `nexc analyse`."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nexc.analysis.context import estimate_tokens
from nexc.analysis.cost import worst_case_calls
from nexc.analysis.graph import depth_and_fanout
from nexc.analysis.report import analyse, render_text
from nexc.commands.analyse import analyse as analyse_cmd

TREE = """
agent leaf1 "L1." { prompt = "a"
  max_iterations = 3 }
agent leaf2 "L2." { prompt = "b"
  max_iterations = 5 }
agent mid "M." { prompt = "c"
  tools = [leaf1, leaf2]
  max_iterations = 4
  parallel_tool_calls = PAR }
agent root { prompt = "d"
  tools = [mid, leaf1]
  max_iterations = 10 }
entry root
"""


@pytest.mark.parametrize("par, mid_calls", [("true", 4 * (1 + 3 + 5)), ("false", 4 * (1 + 5))])
def test_worst_case_parallel_sums_sequential_takes_max(compile_text, par, mid_calls):
    res, codes = compile_text(TREE.replace("PAR", par))
    assert codes == []
    cost = worst_case_calls(res.framework)
    assert cost["agents"]["mid"] == mid_calls
    assert cost["calls"] == 10 * (1 + mid_calls + 3) and cost["status"] == "bounded"


def test_single_call_format_is_sequential(compile_text):
    res, _ = compile_text(TREE.replace("PAR", "true").replace('  max_iterations = 4\n',
                                                                '  max_iterations = 4\n  tool_format = llama3_json\n'))
    assert worst_case_calls(res.framework)["agents"]["mid"] == 4 * (1 + 5)


def test_recursion_bounded_by_max_depth(compile_text):
    res, codes = compile_text('agent a { prompt = "x"\n  tools = [a]\n  max_iterations = 2\n  max_depth = 3 }\n')
    assert codes == []
    # depth 1: 2 × (1 + W2); W2 = 2 × (1 + W3); W3 = 2 (no further delegation)
    assert worst_case_calls(res.framework)["calls"] == 2 * (1 + 2 * (1 + 2))


def test_mutual_recursion_bounded_on_one_agent(compile_text):
    res, _ = compile_text('agent a { prompt = "x"\n  tools = [b]\n  max_iterations = 2 }\n'
                          'agent b { prompt = "y"\n  tools = [a]\n  max_iterations = 3\n  max_depth = 2 }\nentry a\n')
    # a → b → a → b → a (b twice on the stack at most)
    wa3 = 2
    wb2 = 3 * (1 + wa3)
    wa2 = 2 * (1 + wb2)
    wb1 = 3 * (1 + wa2)
    assert worst_case_calls(res.framework)["calls"] == 2 * (1 + wb1)


def test_unbounded_cycle(compile_text):
    res, codes = compile_text('agent a { prompt = "x"\n  tools = [b] }\nagent b { prompt = "y"\n  tools = [a] }\nentry a\n')
    assert codes == ["NEX405"]
    cost = worst_case_calls(res.framework)
    assert cost["calls"] is None and cost["status"] == "unbounded"
    assert depth_and_fanout(res.framework)["depth"] is None


def test_depth_and_fanout(compile_text):
    res, _ = compile_text(TREE.replace("PAR", "true"))
    shape = depth_and_fanout(res.framework)
    assert shape["depth"] == 3 and shape["max_fanout"] == 2 and shape["fanout"]["leaf1"] == 0


def test_token_estimate():
    assert estimate_tokens("") == 0 and estimate_tokens("abcd") == 1 and estimate_tokens("abcde") == 2
    assert estimate_tokens("é") == 1


def test_report_sizes_every_format(compile_text):
    res, _ = compile_text(TREE.replace("PAR", "true"))
    rep = analyse(res.framework, res.context)
    root = rep["agents"][0]
    assert root["name"] == "root" and {"openai", "qwen3_coder", "hermes:qwen2.5"} <= set(root["static_tokens_by_format"])
    assert root["static_tokens"] == root["static_tokens_by_format"]["openai"]
    text = render_text(rep)
    assert "worst-case LLM calls per run: 1,000" not in text and "hierarchy depth: 3" in text


def test_analyse_command_json_and_text(compile_text, snapshot):
    compile_text(TREE.replace("PAR", "false"))
    runner = CliRunner()
    out = runner.invoke(analyse_cmd, ["spec.nex", "--format", "json", "--tool-format", "openai"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["worst_case_llm_calls"] == 10 * (1 + 4 * 6 + 3)
    text = runner.invoke(analyse_cmd, ["spec.nex", "--tool-format", "openai", "--tool-format", "qwen3_coder"])
    assert text.exit_code == 0 and text.output == snapshot


def test_analyse_command_stops_on_errors(compile_text):
    compile_text('agent a { prompt = "x"\n  tools = [nope] }\n')
    out = CliRunner().invoke(analyse_cmd, ["spec.nex"])
    assert out.exit_code == 1


@pytest.mark.parametrize("spec,task", [("examples/deep_research/research.nex", "What is a tool-calling agent?"),
                                       ("examples/coding_team/team.nex", "Add a docstring to the greet function.")])
def test_static_context_is_what_the_runtime_sends(spec, task):
    """``nexc analyse`` counts each agent's first request as the runtime builds it: its system message and
    its tools, byte for byte (a replay records the request it would have sent)."""
    from pathlib import Path

    import nexc
    from nexc.analysis.context import estimate_tokens
    from nexc.analysis.report import analyse
    from nexc.formats.messages import dumps
    from nexc.pipeline import compile_path

    repo = Path(__file__).resolve().parents[2]
    context = {"date": "2025-01-01"}
    res = compile_path(repo / spec)
    report = {a["name"]: a for a in analyse(res.framework, res.context, ["openai"], context)["agents"]}
    import sys

    before_path, before_mods = list(sys.path), set(sys.modules)
    try:
        fw = nexc.load(repo / spec)
        run = fw.run(task, replay=repo / Path(spec).parent / "replay.jsonl", context=context)
    finally:  # the example's tool modules must not stay importable for later tests
        sys.path[:] = before_path
        for name in set(sys.modules) - before_mods:
            if name.endswith("_tools"):
                del sys.modules[name]
    assert run.ok, run.error
    firsts = {}
    for rec in run.records:
        firsts.setdefault(rec["agent_name"], rec["request"])
    assert firsts
    for name, body in firsts.items():
        sent = estimate_tokens(body["messages"][0]["content"]) + (estimate_tokens(dumps(body["tools"]))
                                                                  if body.get("tools") else 0)
        assert report[name]["static_tokens"] == sent, name
