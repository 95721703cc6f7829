"""Agent extensions at run time: middleware (six events, replacement, gates, async), hooks, tracers, and
clear failures — an extension is never skipped silently."""
from __future__ import annotations

import json

import ext_helpers
import pytest
from helpers import agent

from nexc.ir.model import Extension
from nexc.runtime.types import StopReason
from nexc.testing import by_system, call, reply


def with_ext(a, *exts: tuple[str, str, dict]):
    return a.model_copy(update={"extensions": tuple(Extension(kind=k, target=f"ext_helpers:{t}", params=p)
                                                    for k, t, p in exts)})


@pytest.fixture(autouse=True)
def _clear():
    ext_helpers.EVENTS.clear()
    ext_helpers.SPANS.clear()


def test_middleware_replaces_task_arguments_observations_and_answer(run_with):
    a = with_ext(agent(tools=["add"]), ("middleware", "Rewrite", {"tag": "mw"}), ("hook", "record", {}))
    res, srv = run_with([a], [reply(tool_calls=[call("add", {"a": 1, "b": 2})]), reply("done")], task="sum")
    assert srv.requests[0].messages[1]["content"] == "sum [mw]"
    assert srv.requests[1].messages[-1]["content"] == "41 (seen by mw at iteration 1)"
    assert res.output == "DONE" and res.stop_reason is StopReason.COMPLETED
    events = [e for e, _, _ in ext_helpers.EVENTS]
    assert events == ["before_agent", "before_model", "after_model", "before_tool", "after_tool", "before_model",
                      "after_model", "after_agent"]
    before_tool = next(p for e, _, p in ext_helpers.EVENTS if e == "before_tool")
    assert before_tool == {"tool": "add", "arguments": {"a": 1, "b": 40}}  # hooks see the replaced value


def test_before_tool_text_is_a_gate_the_tool_never_runs_and_a_gated_stop_tool_does_not_stop(run_with):
    a = with_ext(agent(tools=["boom", "submit"], stop=["submit"]), ("middleware", "Rewrite", {}))
    script = [reply(tool_calls=[call("boom", {"reason": "r"}), call("submit", {"answer": "x"})]), reply("fine")]
    res, srv = run_with([a], script)
    results = [m["content"] for m in srv.requests[1].messages if m["role"] == "tool"]
    assert results[0].startswith("boom refused by mw (seen by mw")
    assert results[1].startswith("submit refused by mw")
    assert res.stop_reason is StopReason.COMPLETED and res.output == "FINE"
    assert {s.status for s in res.spans if s.kind == "tool"} == {"skipped"}


@pytest.mark.parametrize("fmt", ["openai", "qwen3_coder"])
def test_after_model_rewrites_the_calls_in_native_and_text_mode(run_with, fmt):
    a = with_ext(agent(tools=["echo"], tool_format=fmt), ("middleware", "EchoB", {}))
    model_call = (reply(tool_calls=[call("echo", {"text": "a"})]) if fmt == "openai" else
                  reply("<tool_call>\n<function=echo>\n<parameter=text>\na\n</parameter>\n</function>\n</tool_call>"))
    res, srv = run_with([a], [model_call, reply("ok")])
    canonical = res.records[1]["messages"]
    assert json.loads(canonical[2]["tool_calls"][0]["function"]["arguments"]) == {"text": "b"}
    assert canonical[3]["content"] == "echo:b"
    sent = srv.requests[1].messages
    if fmt == "qwen3_coder":  # the model is shown the rewritten call in its own format
        assert "<parameter=text>\nb\n</parameter>" in sent[2]["content"]


def test_before_model_can_shrink_the_conversation(run_with):
    a = with_ext(agent(tools=["echo"]), ("middleware", "KeepLastTwo", {}))
    script = [reply(tool_calls=[call("echo", {"text": str(i)})]) for i in range(3)] + [reply("done")]
    res, srv = run_with([a], script)
    assert [len(r.messages) for r in srv.requests] == [2, 4, 4, 4]
    assert srv.requests[-1].messages[-1]["content"] == "echo:2"


def test_a_failing_model_middleware_ends_the_run_naming_it(run_with):
    a = with_ext(agent(), ("middleware", "Broken", {"where": "model"}))
    res, _ = run_with([a], [reply("never")])
    assert res.stop_reason is StopReason.ERROR
    assert "ext_helpers:Broken" in res.error and "before_model" in res.error and "model hook broke" in res.error


def test_a_failing_tool_middleware_is_the_observation(run_with):
    a = with_ext(agent(tools=["echo"]), ("middleware", "Broken", {"where": "tool"}))
    res, srv = run_with([a], [reply(tool_calls=[call("echo", {"text": "a"})]), reply("ok")])
    obs = srv.requests[1].messages[-1]["content"]
    assert obs.startswith("Error: middleware 'ext_helpers:Broken' failed in before_tool") and res.output == "ok"


def test_a_middleware_returning_the_wrong_type_is_an_error(run_with):
    a = with_ext(agent(), ("middleware", "Broken", {"where": "bad-return"}))
    res, _ = run_with([a], [reply("x")])
    assert res.stop_reason is StopReason.ERROR and "returned int from after_agent" in res.error


def test_sub_agents_run_their_own_middleware(run_with):
    main = agent(agents=["child"])
    child = with_ext(agent("child", tools=["add"]), ("middleware", "Rewrite", {"tag": "kid"}), ("hook", "record", {}))
    script = by_system({"agent main": [reply(tool_calls=[call("child", {"task": "t"})]), reply("end")],
                        "agent child": [reply(tool_calls=[call("add", {"a": 1, "b": 1})]), reply("41")]})
    res, srv = run_with([main, child], script)
    assert res.output == "end"  # the parent has no middleware
    assert {agent for _, agent, _ in ext_helpers.EVENTS} == {"child"}
    parent_obs = [r for r in srv.requests if "agent main" in r.system][-1].messages[-1]["content"]
    assert parent_obs == "41"  # the child's answer upper-cased by its after_agent ('41' is unchanged)
    child_task = [r for r in srv.requests if "agent child" in r.system][0].messages[1]["content"]
    assert child_task == "t [kid]"


def test_tracers_see_every_span_and_a_failing_one_is_reported_not_fatal(run_with):
    a = with_ext(agent(tools=["echo"]), ("tracer", "SpanLog", {}), ("tracer", "failing_tracer", {}))
    res, _ = run_with([a], [reply(tool_calls=[call("echo", {"text": "a"})]), reply("ok")])
    assert res.stop_reason is StopReason.COMPLETED and res.output == "ok"
    assert sorted(ext_helpers.SPANS) == sorted((s.kind, s.name) for s in res.spans)
    assert "tracer down" in res.error


def test_extensions_that_cannot_load_are_problems(settings):
    import helpers

    from nexc.api import CompiledFramework

    a = with_ext(agent(), ("middleware", "Missing", {}), ("middleware", "NOT_A_MIDDLEWARE", {}),
                 ("plugin", "Rewrite", {}), ("hook", "NOT_A_MIDDLEWARE", {}))
    fw = CompiledFramework.from_ir(helpers.framework([a]), ".", settings=settings)
    problems = "\n".join(fw.problems)
    assert "middleware 'ext_helpers:Missing' unavailable: AttributeError" in problems
    assert "middleware 'ext_helpers:NOT_A_MIDDLEWARE' has none of the methods" in problems
    assert "plugin extension 'ext_helpers:Rewrite' is not run" in problems
    assert "hook 'ext_helpers:NOT_A_MIDDLEWARE' is not callable" in problems
