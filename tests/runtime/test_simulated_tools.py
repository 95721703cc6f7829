"""Simulated tools: ``binding = simulated`` and ``--simulate-missing`` — an LLM plays the tool, answers are
checked against ``returns``, cached by (tool, arguments, seed) across runs, recorded and replayed."""
from __future__ import annotations

import json
import sys

import pytest

import nexc
from nexc.api import Settings
from nexc.passes.simulate_missing import locatable
from nexc.pipeline import compile_path
from nexc.testing import FakeOpenAI, call, reply

SPEC = '''nex 1
llm m { model = "fake" }
tool weather(city: str) -> str "The weather in a city." {
  binding = simulated("You are a weather service.", examples = [{arguments: {city: "Oslo"}, result: "rain, 4 C"}])
}
tool count(text: str) "Count the words of a text." {
  returns = {type: "object", properties: {words: {type: "integer"}}, required: ["words"]}
  binding = simulated
}
tool missing(q: str) -> str "Look something up." = python "nowhere_mod:f"
agent a {
  llm = m
  prompt = "You help."
  tools = [weather, count, missing]
}
entry a
'''


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "s.nex"
    path.write_text(SPEC, encoding="utf-8")
    return path


def _script():
    def handle(req):
        system = req.system
        if "simulate a tool" in system:
            user = req.messages[-1]["content"]
            if '"text"' in system and "Count the words" in system:
                return reply("not json" if len(req.messages) == 2 else '{"words": 3}')
            return reply(f"simulated answer to {user}")
        n = sum(1 for m in req.messages if m["role"] == "assistant")
        if n == 0:
            return reply(tool_calls=[call("weather", {"city": "Paris"}, id="c1"), call("count", {"text": "a b c"}, id="c2"),
                                     call("missing", {"q": "x"}, id="c3")])
        return reply("done")
    return handle


def test_missing_tools_are_errors_unless_simulated(spec):
    errors = [d.code for d in compile_path(spec, options={"check_imports": True}).reporter.sorted()
              if d.severity == "error"]
    assert errors == ["NEX407"]
    res = compile_path(spec, options={"check_imports": True, "simulate_missing": True})
    assert not res.reporter.has_errors
    assert [d.code for d in res.reporter.sorted()] == ["NEX614"]
    assert {t.name: t.binding.kind for t in res.framework.tools} == {"weather": "simulated", "count": "simulated",
                                                                     "missing": "simulated"}
    weather = res.framework.tool("weather").binding
    assert weather.target == "You are a weather service." and weather.examples[0]["result"] == "rain, 4 C"


def test_simulated_results_are_validated_cached_recorded_and_replayed(spec, tmp_path):
    cache = tmp_path / "sim.jsonl"
    fw = nexc.load(spec, settings=Settings(simulation_cache=str(cache), max_retries=0), simulate_missing=True)
    with FakeOpenAI(_script()) as url:
        first = fw.run("go", base_url=url, api_key="k")
    assert first.output == "done", first.error
    tools = [m for m in first.records[-1]["messages"] if m["role"] == "tool"]
    assert [m["content"] for m in tools] == ['simulated answer to Call: {"city": "Paris"}', '{"words": 3}',
                                             'simulated answer to Call: {"q": "x"}']
    assert all(m["simulated"] for m in tools)
    sims = [r for r in first.records if r.get("kind") == "tool_simulation"]
    assert [r["iteration"] for r in sims if r["tool"] == "count"] == [1, 2]  # "not json" was asked again
    assert "rain, 4 C" in sims[0]["messages"][0]["content"] and sims[0]["request"]["seed"] == 0

    # a new runtime reads the cache: the same results without asking the simulator again
    fw2 = nexc.load(spec, settings=Settings(simulation_cache=str(cache), max_retries=0), simulate_missing=True)
    with FakeOpenAI(_script()) as url:
        second = fw2.run("go", base_url=url, api_key="k")
    cached = [r for r in second.records if r.get("kind") == "tool_simulation"]
    assert all(r.get("cached") for r in cached) and len(cached) == 3
    assert [m for m in second.records[-1]["messages"] if m["role"] == "tool"] == tools

    # replay answers the simulator's calls from the recording too
    replayed = nexc.load(spec, simulate_missing=True).run("go", replay=first.records)
    assert replayed.output == "done" and replayed.records[-1]["messages"][-3:] == first.records[-1]["messages"][-3:]


def test_a_simulated_call_that_never_fits_returns_is_an_error(spec):
    def never(req):
        if "simulate a tool" in req.system:
            return reply("still not json")
        n = sum(1 for m in req.messages if m["role"] == "assistant")
        return reply(tool_calls=[call("count", {"text": "a"}, id="c1")]) if n == 0 else reply("done")

    fw = nexc.load(spec, settings=Settings(max_retries=0), simulate_missing=True)
    with FakeOpenAI(never) as url:
        res = fw.run("go", base_url=url, api_key="k")
    tool = [m for m in res.records[-1]["messages"] if m["role"] == "tool"][0]
    assert tool["content"].startswith("Error: the simulation of 'count' gave no valid result")


def test_modules_are_found_without_running_them(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("raise SystemExit('package code ran')\n", encoding="utf-8")
    (pkg / "tools.py").write_text("def f(): pass\n", encoding="utf-8")
    assert locatable("pkg.tools", tmp_path) and not locatable("pkg.nope", tmp_path)
    assert locatable("json", tmp_path) and not locatable("no_such_module_here", tmp_path)
    assert "pkg" not in sys.modules


def test_yaml_binding_forms(tmp_path):
    path = tmp_path / "s.nex.yaml"
    path.write_text(json.dumps({"nex": 1, "llms": {"m": {"model": "x"}}, "tools": {
        "a": {"description": "A.", "parameters": {"type": "object"}, "binding": "simulated"},
        "b": {"description": "B.", "parameters": {"type": "object"},
              "binding": {"simulated": "Answer like B.", "examples": [{"arguments": {}, "result": "ok"}]}}},
        "agents": {"x": {"llm": "m", "prompt": "p", "tools": ["a", "b"]}}}), encoding="utf-8")
    res = compile_path(path)
    assert not res.reporter.has_errors, res.reporter.sorted()
    b = res.framework.tool("b").binding
    assert (b.kind, b.target, b.examples) == ("simulated", "Answer like B.", ({"arguments": {}, "result": "ok"},))
