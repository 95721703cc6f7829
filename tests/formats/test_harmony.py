"""gpt-oss harmony specifics: channels, headers the prompt already wrote, terminators the server
stripped or the model misplaced, the template's reasoning field, one call per message. The shared
suites (round trips, real templates, chat templates, fast paths) cover the rest."""
from __future__ import annotations

import copy
import random
import time

import pytest

from nexc.formats import RenderError, get_format
from nexc.formats.parsing import parse_tools
from nexc.testing.conversations import conversation

from .reference import need_transformers, need_vectors, render_real

FMT = get_format("gpt_oss")
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather.", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}}}]
CALL = '<|start|>assistant to=functions.get_weather<|channel|>commentary json<|message|>{"city": "Paris", "days": 2}'
ARGS = {"city": "Paris", "days": 2}


def _calls(result):
    return [(c["function"]["name"], c["function"]["arguments"]) for c in result.tool_calls]


def _parse(text):
    """The parse, with the fast path (when it answers) held to the general parser."""
    result = FMT.parse_assistant(text, TOOLS)
    fast = FMT._parse_fast(text, parse_tools(TOOLS))
    assert fast is None or repr(fast) == repr(FMT._parse(text, parse_tools(TOOLS)))
    return result


def test_analysis_channel_is_reasoning_and_rendered_first():
    message = {"role": "assistant", "content": "Checking.", "reasoning_content": "Need the weather.",
               "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": ARGS}}]}
    text = FMT.render_assistant(message)
    assert text == ("<|start|>assistant<|channel|>analysis<|message|>Need the weather.<|end|>"
                    "<|start|>assistant<|channel|>commentary<|message|>Checking.<|end|>" + CALL + "<|call|>")
    result = _parse(text)
    assert (result.reasoning, result.content, _calls(result), result.errors) == (
        "Need the weather.", "Checking.", [("get_weather", ARGS)], [])
    final = _parse("<|channel|>analysis<|message|>a<|end|><|start|>assistant<|channel|>analysis<|message|>b<|end|>"
                   "<|start|>assistant<|channel|>final<|message|>Sunny.<|return|>")
    assert (final.reasoning, final.content, final.tool_calls) == ("a\nb", "Sunny.", [])


@pytest.mark.parametrize("text", [
    # what a server returns after the prompt's <|start|>assistant, <|call|> cut as a stop sequence
    ' to=functions.get_weather<|channel|>commentary json<|message|>{"city": "Paris", "days": 2}',
    # the recipient after the channel, with <|constrain|>, as gpt-oss often writes it
    ('<|channel|>analysis<|message|>hm<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather '
     '<|constrain|>json<|message|>{"city": "Paris", "days": 2}<|call|>'),
    "\n  " + CALL + "<|call|>\n",
    # a stray <|end|> where <|call|> belongs
    CALL + "<|end|>",
])
def test_calls_in_the_layouts_models_write(text):
    result = _parse(text)
    assert _calls(result) == [("get_weather", ARGS)] and result.errors == [] and result.content == ""


def test_text_before_the_calls_and_stray_end_tokens_stay_content():
    result = _parse("Let me look.\n" + CALL + "<|call|>")
    assert (result.content, _calls(result)) == ("Let me look.", [("get_weather", ARGS)])
    result = _parse("Sure.<|channel|>final<|message|>It is sunny.<|end|>")
    assert (result.content, result.tool_calls, result.errors) == ("Sure.\nIt is sunny.", [], [])
    assert _parse("It is sunny.<|end|>").content == "It is sunny."
    assert _parse("<|channel|>final<|message|>It is sunny.<|end|><|return|>\n").content == "It is sunny."


def test_invalid_or_cut_calls_are_reported_not_guessed():
    bad = CALL.replace('"days": 2', '"days": 2,,') + "<|call|>"
    result = _parse("Checking." + bad)
    assert result.tool_calls == [] and len(result.errors) == 1 and "invalid JSON" in result.errors[0]
    assert result.content == "Checking.\n" + bad
    cut = _parse(CALL[:-12])
    assert cut.tool_calls == [] and "unclosed" in cut.errors[0]
    header = _parse("<|start|>assistant to=functions.get_weather<|channel|>comm")
    assert header.tool_calls == [] and "cut before its arguments" in header.errors[0]
    listed = _parse(CALL.split("<|message|>")[0] + "<|message|>[1]")
    assert listed.tool_calls == [] and "must be an object" in listed.errors[0]


def test_a_result_written_by_the_model_is_not_a_call():
    text = '<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>"sunny"<|end|>'
    result = _parse(text)
    assert (result.content, result.tool_calls, result.errors) == (text, [], [])


def test_one_call_per_message_like_the_template():
    calls = [{"id": f"c{i}", "type": "function", "function": {"name": "get_weather", "arguments": {"city": c}}}
             for i, c in enumerate(("Paris", "Rome"))]
    messages = [{"role": "user", "content": "Both?"}, {"role": "assistant", "content": "", "tool_calls": calls},
                {"role": "tool", "tool_call_id": "c0", "content": "a"},
                {"role": "tool", "tool_call_id": "c1", "content": "b"}]
    text = FMT.render_conversation(messages, TOOLS)
    assert '"Paris"' in text and '"Rome"' not in text
    assert text.count("<|start|>functions.get_weather to=assistant") == 2
    assert FMT.single_call and any("one call per message" in p for p in FMT.check_representable(messages[1], TOOLS))
    both = _parse(FMT.render_assistant(messages[1]))  # a model that does not stop at <|call|>
    assert [c["function"]["arguments"]["city"] for c in both.tool_calls] == ["Paris", "Rome"]


def test_reasoning_content_renders_as_the_templates_thinking():
    rng = random.Random(3)
    for _ in range(30):
        messages, tools = conversation(rng, reasoning=True, max_calls=1)
        thinking = [{("thinking" if k == "reasoning_content" else k): v for k, v in m.items()} for m in messages]
        for agp in (False, True):
            try:
                expected = FMT.render_conversation(thinking, tools, add_generation_prompt=agp)
            except RenderError:
                with pytest.raises(RenderError):
                    FMT.render_conversation(messages, tools, add_generation_prompt=agp)
                continue
            assert FMT.render_conversation(messages, tools, add_generation_prompt=agp) == expected


def test_thinking_matches_the_real_template():
    """The shared suite's conversations carry ``reasoning_content``, which the real template does
    not read; here the reasoning is in its ``thinking`` field."""
    need_vectors()
    need_transformers()
    compared = 0
    for seed in range(300):
        rng = random.Random(f"harmony-thinking:{seed}")
        messages, tools = conversation(rng, reasoning=True, with_tools=rng.random() < 0.9)
        for m in messages:
            if "reasoning_content" in m:
                m["thinking"] = m.pop("reasoning_content")
        agp = rng.random() < 0.5
        kw = {"date_string": "2025-01-02", "add_generation_prompt": agp}
        try:
            expected = render_real(FMT.matches_template, copy.deepcopy(messages), copy.deepcopy(tools), **kw)
        except Exception:  # noqa: BLE001 - the template refuses it (content and thinking beside a call …)
            with pytest.raises(RenderError):
                FMT.render_conversation(messages, tools, **kw)
            continue
        current = expected.split("Current date: ", 1)[1][:10]
        assert FMT.render_conversation(messages, tools, **dict(kw, date_string=current)) == expected
        compared += 1
    assert compared >= 150


def test_refusals_and_defaults():
    with pytest.raises(RenderError, match="comes before any assistant tool call"):
        FMT.render_conversation([{"role": "user", "content": "x"}, {"role": "tool", "content": "r"}], None)
    with pytest.raises(RenderError, match="builtin_tools"):
        FMT.render_conversation([{"role": "user", "content": "x"}], None, builtin_tools=["python"])
    with pytest.raises(RenderError, match="both content and thinking"):
        FMT.render_conversation([{"role": "user", "content": "x"}, {
            "role": "assistant", "content": "c", "thinking": "t",
            "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": {}}}]}], None)
    text = FMT.render_conversation([{"role": "user", "content": "x"}], None, add_generation_prompt=True)
    assert "Current date: 2025-08-05\n\nReasoning: medium" in text and text.endswith("<|start|>assistant")
    assert "<|start|>developer" not in text
    problems = FMT.check_representable({"role": "assistant", "content": "a<|end|>b"})
    assert problems and "<|end|>" in problems[0]
    assert FMT.check_representable({"role": "assistant", "content": "", "tool_calls": [
        {"id": "a", "type": "function", "function": {"name": "two words", "arguments": {}}}]})


def test_tool_declarations(snapshot):
    tools = [{"type": "function", "function": {"name": "plan", "description": "Plan a trip.", "parameters": {
        "type": "object", "required": ["to"], "properties": {
            "to": {"type": "string", "description": "Destination"},
            "mode": {"type": "string", "enum": ["car", "train"], "default": "train"},
            "stops": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
            "budget": {"type": ["number", "null"], "default": None},
            "when": {"oneOf": [{"type": "string", "description": "ISO date"}, {"type": "integer", "default": 0}]},
            "prefs": {"type": "object", "properties": {"seat": {"type": "string"}}, "required": ["seat"]},
        }}}}, {"type": "function", "function": {"name": "ping", "description": "Ping."}}]
    assert FMT.render_tools(tools) == snapshot


def test_tool_declarations_equal_the_real_templates():
    """The declarations above (nullable, enum, oneOf, nested objects, a tool without parameters),
    in a conversation rendered by the real template: nexc writes the same bytes."""
    need_vectors()
    tools = [{"type": "function", "function": {"name": "plan", "description": "Plan a trip.", "parameters": {
        "type": "object", "required": ["to"], "properties": {
            "to": {"type": "string", "description": "Destination"},
            "mode": {"type": "string", "enum": ["car", "train", None], "default": "train"},
            "stops": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
            "budget": {"type": ["number", "null"], "default": None},
            "count": {"type": "integer", "nullable": True, "default": 2},
            "when": {"oneOf": [{"type": "string", "description": "ISO date"}, {"type": "integer", "default": 0}]},
            "prefs": {"type": "object", "properties": {"seat": {"type": "string"}}, "required": ["seat"]},
        }}}}, {"type": "function", "function": {"name": "ping", "description": "Ping."}}]
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Plan it."}]
    ours = FMT.render_conversation(messages, tools, add_generation_prompt=True, date_string=time.strftime(FMT.date_format))
    assert ours == render_real(FMT.matches_template, messages, tools, add_generation_prompt=True)
