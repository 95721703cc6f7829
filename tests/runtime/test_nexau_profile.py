"""The nexau wire profile beyond the captured scenarios, each rule as NexAU v0.3.4 applies it
(``specs/RUNTIME.md``): results and errors in XML mode, the hints near the limits, the last iteration,
stop tools, tools that raise or get bad arguments, and NexAU's sub-agent spellings in both profiles."""
from __future__ import annotations

import json

from helpers import agent

from nexc.runtime.types import StopReason
from nexc.testing import call, reply


def _xml(name: str, **args) -> str:
    body = "".join(f"    <{k}>{v}</{k}>\n" for k, v in args.items())
    return f"<tool_use>\n  <tool_name>{name}</tool_name>\n  <parameter>\n{body}  </parameter>\n</tool_use>"


def _parallel(*calls: tuple[str, dict]) -> str:
    out = "<use_parallel_tool_calls>\n"
    for name, args in calls:
        body = "".join(f"    <{k}>{v}</{k}>\n" for k, v in args.items())
        out += f"<parallel_tool>\n  <tool_name>{name}</tool_name>\n  <parameter>\n{body}  </parameter>\n</parallel_tool>\n"
    return out + "</use_parallel_tool_calls>"


def test_xml_results_errors_and_hints(run_with):
    turn = _parallel(("add", {"a": 2, "b": "x"}), ("boom", {"reason": "r"}), ("nope", {}))
    res, srv = run_with([agent(tools=["add", "boom"], tool_format="nexau_xml", max_iterations=4)],
                        [reply(turn + " and then I make up a result"), reply("done")], profile="nexau", honour_stop=True)
    assert res.output == "done"
    body = srv.requests[1].body
    assert body["stop"] == ["</tool_use>", "</use_parallel_tool_calls>", "</use_batch_agent>"]
    sent_turn, results = body["messages"][2]["content"], body["messages"][3]["content"]
    assert sent_turn == turn  # cut at the stop string, closing tag restored
    blocks = results.removeprefix("Tool execution results:\n").split("\n\n\n\n")
    assert blocks[0] == ("<tool_result>\n<tool_name>add</tool_name>\n<error>Invalid parameters for tool 'add': "
                         "{'a': 2, 'b': 'x'}</error>\n</tool_result>")
    raised = json.loads(blocks[1].split("<result>")[1].split("</result>")[0])
    assert raised["error"] == "boom r" and raised["error_type"] == "RuntimeError" and raised["tool_name"] == "boom"
    assert "Traceback" in raised["traceback"]
    assert blocks[2].startswith("<tool_result>\n<tool_name>nope</tool_name>\n<error>Tool 'nope' for agent '")
    hint = blocks[2].split("</tool_result>\n\n", 1)[1]
    assert hint.startswith("🔄 Iteration 1/4 - 3 iterations remaining. Please be mindful")
    assert "\n\n🔄 Token Usage: " in hint and "/100000 in the current prompt - " in hint
    # the record keeps the parts: the canonical turn, the failed calls marked, the hint marked as injected
    rec = res.records[1]
    assert [m.get("is_error", False) for m in rec["messages"] if m["role"] == "tool"] == [True, False, True]
    assert rec["messages"][-1]["injected"] == ["iteration_hint", "token_usage"]


def test_last_iterations_and_the_limit(run_with):
    script = [reply(tool_calls=[call("add", {"a": 1, "b": i}, id=f"c{i}")]) for i in range(5)]
    res, srv = run_with([agent(tools=["add"], max_iterations=3, context_tokens=40_000)], script, profile="nexau")
    assert len(srv.requests) == 2 and res.stop_reason is StopReason.MAX_ITERATIONS  # NexAU: max_iterations - 1 calls
    assert res.output == "\\n\\n[Error: Maximum iteration limit reached.]"
    hint = srv.requests[1].messages[-1]["content"]
    assert hint.startswith("⚠️ WARNING: This is iteration 1/3. You have only 2 iteration(s) remaining.") is False
    assert hint.startswith("🔄 Iteration 1/3 - 2 iterations remaining.")
    assert "⚠️ WARNING: Token usage is approaching the limit " in hint and "/40000.You have only " in hint
    assert srv.requests[1].body["tool_choice"] == "auto"
    assert srv.requests[1].messages[2]["content"] == ""  # a call turn's content is "" under NexAU


def test_iteration_hint_wording_by_what_is_left(run_with):
    script = [reply(tool_calls=[call("add", {"a": 1, "b": i}, id=f"c{i}")]) for i in range(6)]
    _, srv = run_with([agent(tools=["add"], max_iterations=6)], script, profile="nexau")
    hints = [r.messages[-1]["content"].split("\n\n")[0] for r in srv.requests[1:]]
    assert hints[0] == ("🔄 Iteration 1/6 - Continue your response if you have more to say, or if you need to make "
                        "additional tool calls or sub-agent calls.")
    assert hints[1].startswith("🔄 Iteration 2/6 - Continue your response")
    assert [h.split(" - ")[1][:23] for h in hints[2:]] == ["3 iterations remaining.", "2 iterations remaining."]


def test_stop_tool_answer_and_no_results_after_it(run_with):
    res, srv = run_with([agent(tools=["submit"], stop=["submit"])],
                        [reply(tool_calls=[call("submit", {"answer": "42"})])], profile="nexau")
    assert res.stop_reason is StopReason.STOP_TOOL and res.output == '"ANSWER:42"'
    assert len(srv.requests) == 1


def test_subagents_as_nexau_offers_them(run_with):
    sub = agent("helper", prompt="You are the helper.", description="Helps.")
    res, srv = run_with([agent(agents=["helper"]), sub],
                        [reply(tool_calls=[call("sub-agent-helper", {"message": "find x", "n": 2})]), reply("found"),
                         reply("done")], profile="nexau")
    tools = srv.requests[0].body["tools"]
    assert tools[0]["function"] == {"name": "sub-agent-helper", "description": "Delegate work to sub-agent 'helper'.",
                                    "parameters": {"type": "object", "properties": {"message": {
                                        "type": "string", "description": "Task or question for the sub-agent."}},
                                        "required": ["message"]}}
    assert srv.requests[1].messages[1] == {"role": "user", "content": "message: find x\nn: 2"}
    assert srv.requests[2].messages[3]["content"] == "found"  # a sub-agent's answer is not wrapped


def test_nexc_profile_accepts_nexau_spellings(run_with):
    sub = agent("helper", prompt="You are the helper.")
    for name in ("sub-agent-helper", "agent:helper"):
        res, srv = run_with([agent(agents=["helper"]), sub],
                            [reply(tool_calls=[call(name, {"message": "find x"})]), reply("found"), reply("done")])
        assert res.output == "done" and srv.requests[1].messages[1]["content"] == "find x"
        assert srv.requests[0].body["tools"][0]["function"]["name"] == "helper"


def test_prompts_render_as_nexau_renders_them(run_with):
    res, srv = run_with([agent(prompt="{% if agent_name %}I am {{ agent_name }}{% endif %}\n\nid={{ agent_id }}\n")],
                        [reply("hi")], profile="nexau")
    system = srv.requests[0].messages[0]["content"]
    head, _, agent_id = system.partition("\nid=")
    # trim_blocks eats the newline after a block tag; one trailing newline is dropped
    assert head == "I am main" and len(agent_id) == 36 and agent_id.count("-") == 4
