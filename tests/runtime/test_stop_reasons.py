"""Every stop reason, end to end through the fake server."""
from __future__ import annotations

from helpers import agent

from nexc.runtime.types import StopReason
from nexc.testing import by_system, call, reply, server_error, slow


def test_completed_when_no_tool_call(run_with):
    res, srv = run_with([agent(tools=["add"])], [reply(tool_calls=[call("add", {"a": 2, "b": 3})]), reply("five")])
    assert res.stop_reason is StopReason.COMPLETED and res.ok
    assert res.output == "five"
    assert srv.requests[1].messages[-1] == {"role": "tool", "tool_call_id": "call_0_0", "content": "5"}
    assert len(res.records) == 2 and res.trace_id


def test_stop_tool_result_is_the_answer(run_with):
    res, srv = run_with([agent(tools=["add", "submit"], stop=["submit"])],
                        [reply(tool_calls=[call("submit", {"answer": "42"})]), reply("never asked")])
    assert res.stop_reason is StopReason.STOP_TOOL
    assert res.output == "ANSWER:42"
    assert len(srv.requests) == 1


def test_failed_stop_tool_does_not_stop(run_with):
    res, _ = run_with([agent(tools=["submit"], stop=["submit"])],
                      [reply(tool_calls=[call("submit", {})]), reply(tool_calls=[call("submit", {"answer": "a"})])])
    assert res.stop_reason is StopReason.STOP_TOOL and res.output == "ANSWER:a"
    assert "missing required argument" in res.records[1]["messages"][-1]["content"]


def test_max_iterations_with_hints(run_with):
    loop = [reply(f"step {i}", tool_calls=[call("echo", {"text": str(i)})]) for i in range(5)]
    res, srv = run_with([agent(tools=["echo"], max_iterations=5)], loop)
    assert res.stop_reason is StopReason.MAX_ITERATIONS
    assert res.output == "step 4"
    assert len(srv.requests) == 5
    tool_texts = [r.messages[-1]["content"] for r in srv.requests[1:]]
    assert "steps left" not in tool_texts[0]            # 4 left: no hint yet (window 3)
    assert "3 steps left" in tool_texts[1]
    assert "last step" in tool_texts[3]


def test_context_limit(run_with):
    res, srv = run_with([agent(tools=["echo"], context_tokens=50)], [reply("never")], task="x" * 400)
    assert res.stop_reason is StopReason.CONTEXT_LIMIT
    assert srv.requests == []


def test_llm_error_after_retries(run_with):
    res, srv = run_with([agent()], [server_error()] * 10)
    assert res.stop_reason is StopReason.LLM_ERROR
    assert "HTTP 500" in res.error and "4 attempts" in res.error
    assert len(srv.requests) == 4
    assert res.records[0]["error"]["status"] == 500 and res.records[0]["response"] is None


def test_llm_error_in_subagent_ends_the_run(run_with):
    script = by_system({"agent main": [reply(tool_calls=[call("child", {"task": "t"})])],
                        "agent child": [server_error(503)] * 10})
    res, _ = run_with([agent(agents=["child"]), agent("child")], script)
    assert res.stop_reason is StopReason.LLM_ERROR and "child" in res.error


def test_cancelled_by_timeout(run_with):
    res, _ = run_with([agent()], [slow(2.0, reply("late"))], timeout=0.2)
    assert res.stop_reason is StopReason.CANCELLED
    assert "0.2" in res.error


def test_error_without_endpoint(monkeypatch, settings):
    import helpers

    from nexc.api import CompiledFramework

    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    fw = CompiledFramework.from_ir(helpers.framework([agent()]), settings=settings)
    res = fw.run("x")
    assert res.stop_reason is StopReason.ERROR and "OPENAI_BASE_URL" in res.error


def test_unknown_start_agent(run_with):
    res, _ = run_with([agent()], [], agent="nobody")
    assert res.stop_reason is StopReason.ERROR and "nobody" in res.error


def test_stop_reason_values():
    assert {r.value for r in StopReason} >= {"completed", "stop_tool", "max_iterations", "context_limit", "llm_error",
                                            "cancelled", "replay_diverged"}
    assert StopReason.STOP_TOOL.ok and not StopReason.LLM_ERROR.ok
