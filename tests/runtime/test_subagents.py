"""Sub-agents as tools: isolation, depth bound, shared storage and tracing."""
from __future__ import annotations

import json

import pytest

from helpers import agent

from nexc.runtime.types import StopReason
from nexc.testing import by_system, call, reply


def _script():
    return by_system({
        "agent main": [reply("delegating", tool_calls=[call("child", {"task": "find the secret"})]),
                       reply("the secret is ok")],
        "agent child": [reply("CHILD-THOUGHT", tool_calls=[call("remember", {"key": "k", "value": "CHILD-TOOL-ARG"})],
                              reasoning="CHILD-REASONING"),
                        reply("child answer")],
    })


def test_child_intermediate_messages_stay_out_of_parent(run_with):
    res, srv = run_with([agent(agents=["child"]), agent("child", tools=["remember"])], _script())
    assert res.stop_reason is StopReason.COMPLETED and res.output == "the secret is ok"
    parent = [r for r in srv.requests if "agent main" in r.system]
    child = [r for r in srv.requests if "agent child" in r.system]
    assert len(parent) == 2 and len(child) == 2
    text = json.dumps(parent[-1].messages)
    for leak in ("CHILD-THOUGHT", "CHILD-TOOL-ARG", "CHILD-REASONING", "remember"):
        assert leak not in text
    assert parent[-1].messages[-1]["content"] == "child answer"
    # the child starts fresh: its own system prompt and the task only
    assert [m["role"] for m in child[0].messages] == ["system", "user"]
    assert child[0].messages[1]["content"] == "find the secret"
    assert child[0].body["tools"][0]["function"]["name"] == "remember"


def test_child_records_and_spans(run_with):
    res, _ = run_with([agent(agents=["child"]), agent("child", tools=["remember"])], _script())
    paths = [(r["agent_path"], r["iteration"], r["depth"]) for r in res.records]
    assert ("main/child@1.0", 1, 1) in paths and ("main", 2, 0) in paths
    spans = {s.span_id: s for s in res.spans}
    child_agent = next(s for s in res.spans if s.kind == "agent" and s.name == "child")
    delegation = spans[child_agent.parent_id]
    assert delegation.kind == "subagent" and spans[delegation.parent_id].name == "main"
    assert all(s.trace_id == res.trace_id for s in res.spans)
    child_rec = next(r for r in res.records if r["agent_name"] == "child")
    assert child_rec["parent_span_id"] == child_agent.span_id


def test_child_shares_global_storage(run_with):
    script = by_system({
        "agent main": [reply(tool_calls=[call("child", {"message": "store it"})]),
                       reply(tool_calls=[call("recall", {"key": "k"})]), reply("done")],
        "agent child": [reply(tool_calls=[call("remember", {"key": "k", "value": "v1"})]), reply("stored")],
    })
    res, srv = run_with([agent(tools=["recall"], agents=["child"]), agent("child", tools=["remember"])], script)
    assert res.output == "done"
    last_main = [r for r in srv.requests if "agent main" in r.system][-1]
    assert last_main.messages[-1]["content"] == "v1"


def test_depth_bound(run_with):
    script = by_system({"agent main": [reply(tool_calls=[call("main", {"task": "recurse"})])] * 5 + [reply("end")]})
    res, srv = run_with([agent(agents=["main"], max_depth=2)], script)
    depths = sorted({r["depth"] for r in res.records})
    assert depths == [0, 1]  # max_depth = 2: 'main' is on the stack at most twice
    refusals = [m["content"] for r in srv.requests for m in r.messages if m["role"] == "tool"]
    assert any("delegation depth limit (2)" in t for t in refusals)


def test_child_stopping_early_is_reported_to_parent(run_with):
    script = by_system({
        "agent main": [reply(tool_calls=[call("child", {"task": "t"})]), reply("ok")],
        "agent child": [reply("partial", tool_calls=[call("echo", {"text": "a"})])] * 3,
    })
    res, srv = run_with([agent(agents=["child"]), agent("child", tools=["echo"], max_iterations=2)], script)
    note = [r for r in srv.requests if "agent main" in r.system][-1].messages[-1]["content"]
    assert note.startswith("partial") and "max_iterations" in note


def test_subagent_needs_a_task(run_with):
    script = by_system({"agent main": [reply(tool_calls=[call("child", {})]), reply("ok")]})
    res, srv = run_with([agent(agents=["child"]), agent("child")], script)
    assert "needs a non-empty string argument 'task'" in srv.requests[-1].messages[-1]["content"]


@pytest.mark.parametrize("iterations,depth", [(2, 2), (3, 2), (2, 3)])
def test_static_worst_case_is_what_an_always_delegating_model_reaches(run_with, iterations, depth):
    """``max_depth`` means the same in the runtime and in ``nexc analyse``: a model that delegates to its
    own agent on every turn makes exactly the worst-case number of LLM calls the analysis reports."""
    import helpers

    from nexc.analysis.cost import worst_case_calls

    agents = [agent(agents=["main"], max_depth=depth, max_iterations=iterations)]
    script = by_system({"agent main": [reply(tool_calls=[call("main", {"task": "again"})])] * 200})
    res, _ = run_with(agents, script)
    expected = worst_case_calls(helpers.framework(agents))
    assert len(res.records) == expected["calls"], expected
