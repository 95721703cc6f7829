"""Text-mode tool calls: tools in the prompt, stop sequences, calls parsed from text, parse errors."""
from __future__ import annotations

import json

from helpers import agent

from nexc.runtime.types import StopReason
from nexc.testing import reply

CALL = ("Let me add.\n<tool_call>\n<function=add>\n<parameter=a>\n2\n</parameter>\n<parameter=b>\n5\n</parameter>\n"
        "</function>\n</tool_call>")


def test_qwen3_coder_round(run_with, validator):
    res, srv = run_with([agent(tools=["add"], tool_format="qwen3_coder")], [reply(CALL), reply("It is 7.")])
    assert res.stop_reason is StopReason.COMPLETED and res.output == "It is 7."
    first = srv.requests[0].body
    assert "tools" not in first and first["stop"] == ["<tool_response>"]  # where a made-up result would begin
    assert "<function=add>" in first["messages"][0]["content"] or "add" in first["messages"][0]["content"]
    sent = srv.requests[1].messages
    assert sent[2] == {"role": "assistant", "content": CALL}            # the model's raw turn
    assert sent[3]["role"] == "user" and "7" in sent[3]["content"]     # the result, as the format writes it
    canonical = res.records[1]["messages"]
    assert canonical[0]["content"] == "You are agent main."  # the agent's own prompt: no format's declarations
    assert canonical[2]["tool_calls"][0]["function"] == {"name": "add", "arguments": json.dumps({"a": 2, "b": 5})}
    assert canonical[2]["raw"] == CALL
    assert canonical[3] == {"role": "tool", "tool_call_id": "call_1_0", "name": "add", "content": "7"}
    assert res.records[0]["response"]["content"] == CALL and res.records[0]["tool_format"] == "qwen3_coder"
    for r in res.records:
        validator.validate(r)


def test_unparsable_calls_are_reported_to_the_model(run_with):
    bad = '<tool_call>\n{"name": "add", "arguments": {"a": 1,,}}\n</tool_call>'
    res, srv = run_with([agent(tools=["add"], tool_format="hermes")], [reply(bad), reply("sorry")])
    assert res.output == "sorry"
    note = srv.requests[1].messages[-1]
    assert note["role"] == "user" and "could not be read" in note["content"]


def test_text_mode_replays(run_with, settings):
    import helpers

    from nexc.api import CompiledFramework

    live, _ = run_with([agent(tools=["add"], tool_format="qwen3_coder")], [reply(CALL), reply("It is 7.")])
    fw = CompiledFramework.from_ir(helpers.framework([agent(tools=["add"], tool_format="qwen3_coder")]),
                                   settings=settings)
    assert fw.run("go", replay=live.records).output == "It is 7."


def test_unknown_format_falls_back_to_native(settings):
    import helpers

    from nexc.api import CompiledFramework

    fw = CompiledFramework.from_ir(helpers.framework([agent(tool_format="no_such_format")]), settings=settings)
    assert any("no_such_format" in p for p in fw.problems)
