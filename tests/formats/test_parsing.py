"""What models really emit: text before the calls, unclosed last blocks, invalid JSON, untyped XML
values typed by the schema."""
from __future__ import annotations

import pytest

from nexc.formats import get_format, list_formats

TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
    "city": {"type": "string"}, "days": {"type": "integer"}, "metric": {"type": "boolean"},
    "opts": {"type": "object"}, "tags": {"type": "array"}, "code": {"type": "string"}}}}}]


def _args(result):
    return [c["function"]["arguments"] for c in result.tool_calls]


def test_qwen3_coder_types_values_by_schema_and_accepts_unclosed_block():
    text = ("Checking.\n\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
            "<parameter=days>\n3\n</parameter>\n<parameter=metric>\nTrue\n</parameter>\n"
            "<parameter=code>\n42\n</parameter>\n<parameter=opts>\n{\"a\": [1, null]}\n")
    result = get_format("qwen3_coder").parse_assistant(text, TOOLS)
    assert result.errors == []
    assert result.content == "Checking."
    assert _args(result) == [{"city": "Paris", "days": 3, "metric": True, "code": "42", "opts": {"a": [1, None]}}]
    assert result.tool_calls[0]["function"]["name"] == "get_weather"


def test_qwen3_coder_without_wrapper():
    text = "<function=get_weather>\n<parameter=city>\nRome\n</parameter>\n</function>"
    assert _args(get_format("qwen3_coder").parse_assistant(text, TOOLS)) == [{"city": "Rome"}]


def test_xml_value_with_closing_tag_is_reported_up_front():
    msg = {"role": "assistant", "content": "", "tool_calls": [{"id": "a", "type": "function", "function": {
        "name": "get_weather", "arguments": {"city": "a</parameter>b"}}}]}
    problems = get_format("qwen3_coder").check_representable(msg, TOOLS)
    assert problems and "closing tag" in problems[0]


def test_untyped_value_that_reads_back_differently_is_reported():
    msg = {"role": "assistant", "content": "", "tool_calls": [{"id": "a", "type": "function", "function": {
        "name": "get_weather", "arguments": {"days": "3"}}}]}
    assert get_format("glm45").check_representable(msg, TOOLS)
    assert get_format("hermes").check_representable(msg, TOOLS) == []


@pytest.mark.parametrize("fid", ["hermes:qwen2.5", "hermes:qwen3", "hermes:hermes3"])
def test_hermes_invalid_json_keeps_text_and_reports(fid):
    text = 'Sure.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"\n</tool_call>'
    result = get_format(fid).parse_assistant(text, TOOLS)
    assert result.tool_calls == []
    assert len(result.errors) == 1 and "invalid JSON" in result.errors[0]
    assert '{"name": "get_weather"' in result.content


def test_hermes_unclosed_last_block_and_string_arguments():
    text = ('<tool_call>\n{"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"}\n</tool_call>\n'
            '<tool_call>\n{"name": "get_weather", "arguments": {"days": 2}}')
    result = get_format("hermes").parse_assistant(text, TOOLS)
    assert result.errors == [] and _args(result) == [{"city": "Oslo"}, {"days": 2}]


def test_qwen3_reasoning_is_split_off():
    result = get_format("hermes:qwen3").parse_assistant("<think>\nhmm\n</think>\n\nHello", TOOLS)
    assert (result.reasoning, result.content) == ("hmm", "Hello")


@pytest.mark.parametrize("fid,text", [
    ("glm45", "ok<tool_call>get_weather\n<arg_key>days</arg_key>\n<arg_value>4</arg_value>\n"),
    ("glm45:glm47", "ok<tool_call>get_weather<arg_key>days</arg_key><arg_value>4</arg_value>"),
    ("minimax_m2", 'ok\n<minimax:tool_call>\n<invoke name="get_weather">\n<parameter name="days">4</parameter>\n'),
    ("deepseek_v31", "ok<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{\"days\": 4}"),
    ("kimi_k2", "ok<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0"
                "<|tool_call_argument_begin|>{\"days\": 4}"),
    ("nexau_xml", "ok\n<tool_use>\n<tool_name>get_weather</tool_name>\n<parameter>\n<days>4</days>\n"),
    ("openrouter_xml", "ok\n<get_weather>\n<days>4</days>\n"),
    ("pythonic", "ok\n[get_weather(days=4)"),
    ("llama3_json", 'ok\n<|python_tag|>{"name": "get_weather", "parameters": {"days": 4}}'),
    ("mistral:v3", 'ok[TOOL_CALLS][{"name": "get_weather", "arguments": {"days": 4}, "id": "abcDEF123"}]'),
    ("mistral:v11", 'ok[TOOL_CALLS]get_weather[CALL_ID]abcDEF123[ARGS]{"days": 4}'),
    ("openai", 'ok {"content": null, "tool_calls": [{"id": "c1", "type": "function", "function": '
               '{"name": "get_weather", "arguments": "{\\"days\\": 4}"}}]}'),
])
def test_text_before_and_unclosed_calls(fid, text):
    result = get_format(fid).parse_assistant("  " + text, TOOLS)
    assert result.errors == []
    assert result.content == "ok"
    assert [(c["function"]["name"], c["function"]["arguments"]) for c in result.tool_calls] == [
        ("get_weather", {"days": 4})]


@pytest.mark.parametrize("fid,text", [
    ("deepseek_v31", "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{days: 4}<｜tool▁call▁end｜>"),
    ("kimi_k2", "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0"
                "<|tool_call_argument_begin|>{'days': 4}<|tool_call_end|>"),
    ("llama3_json", '{"name": "get_weather", "parameters": {"days": 4'),
    ("mistral:v3", '[TOOL_CALLS][{"name": "get_weather", "arguments": {"days": 4}'),
    ("mistral:v11", "[TOOL_CALLS]get_weather[ARGS]{days}"),
    ("pythonic", "[get_weather(days=4, x=open('f'))]"),
    ("openai", '{"tool_calls": [{"function": {"name": "get_weather", "arguments": "{bad"}}]}'),
])
def test_invalid_blocks_yield_no_calls_and_an_error(fid, text):
    result = get_format(fid).parse_assistant(text, TOOLS)
    assert result.tool_calls == [] and result.errors
    assert result.content.strip()


def test_kimi_ids_and_mistral_ids_come_back():
    kimi = get_format("kimi_k2:0905")
    msg = {"role": "assistant", "content": "", "tool_calls": [
        {"id": "x", "type": "function", "function": {"name": "get_weather", "arguments": {}}},
        {"id": "y", "type": "function", "function": {"name": "get_weather", "arguments": {"days": 1}}}]}
    assert [c["id"] for c in kimi.parse_assistant(kimi.render_assistant(msg)).tool_calls] == [
        "functions.get_weather:0", "functions.get_weather:1"]
    mistral = get_format("mistral:v11")
    msg["tool_calls"][0]["id"], msg["tool_calls"][1]["id"] = "abcDEF123", "Zz9Yy8Xx7"
    assert [c["id"] for c in mistral.parse_assistant(mistral.render_assistant(msg)).tool_calls] == [
        "abcDEF123", "Zz9Yy8Xx7"]
    msg["tool_calls"][0]["id"] = "call_1"
    assert any("9 alphanumerics" in p for p in mistral.check_representable(msg))


def test_parsed_ids_are_deterministic_and_mistral_valid():
    fmt = get_format("qwen3_coder")
    text = "<tool_call>\n<function=get_weather>\n</function>\n</tool_call>"
    first, second = fmt.parse_assistant(text, TOOLS), fmt.parse_assistant(text, TOOLS)
    assert first.tool_calls == second.tool_calls
    assert len(first.tool_calls[0]["id"]) == 9 and first.tool_calls[0]["id"].isalnum()


def test_llama_reports_parallel_calls():
    msg = {"role": "assistant", "content": "", "tool_calls": [
        {"id": "a", "type": "function", "function": {"name": "f", "arguments": {}}}] * 2}
    assert any("one call per turn" in p for p in get_format("llama3_json:3.2").check_representable(msg))


def test_nexau_parallel_block():
    text = ("<use_parallel_tool_calls>\n<parallel_tool>\n<tool_name>get_weather</tool_name>\n<parameter>\n"
            "<city>Paris</city>\n</parameter>\n</parallel_tool>\n<parallel_tool>\n<tool_name>get_weather</tool_name>\n"
            "<parameter>\n<days>2</days>\n</parameter>\n</parallel_tool>\n</use_parallel_tool_calls>")
    assert _args(get_format("nexau_xml").parse_assistant(text, TOOLS)) == [{"city": "Paris"}, {"days": 2}]


def test_openrouter_only_reads_declared_tools():
    assert get_format("openrouter_xml").parse_assistant("<b>bold</b>", TOOLS).tool_calls == []


@pytest.mark.parametrize("fid", list_formats(include_plugins=False))
def test_lone_surrogates_in_model_text_do_not_break_parsing(fid):
    """Broken decoding can leave lone surrogates in model text: the calls still parse (the call id's
    digest passes them through) and ids differ from those of the same text without them."""
    fmt = get_format(fid)
    msg = {"role": "assistant", "content": "", "tool_calls": [{"id": "abcdefgh1", "type": "function", "function": {
        "name": "get_weather", "arguments": {"city": "Paris"}}}]}
    clean = fmt.parse_assistant(fmt.render_assistant(msg), TOOLS)
    result = fmt.parse_assistant(fmt.render_assistant({**msg, "content": "\ud83d note \udc00"}), TOOLS)
    assert result.errors == [] and _args(result) == [{"city": "Paris"}]
    assert "\ud83d" in result.content
    if fid not in ("kimi_k2:original", "kimi_k2:0905", "kimi_k2:thinking", "mistral:v3", "mistral:v11", "openai"):
        assert result.tool_calls[0]["id"] != clean.tool_calls[0]["id"]


def test_tool_memos_see_an_item_replaced_in_place_by_an_equal_but_different_one():
    """The memos of tool lists (declarations text, parser schema maps) key on the identity of the
    list and of its items: an item replaced by an equal dict with another key order or number type
    renders differently, and must not get the old text."""
    fmt = get_format("hermes:qwen2.5")
    tools = [{"type": "function", "function": {"name": "f", "parameters": {
        "type": "object", "properties": {"n": {"type": "integer", "maximum": 1}}}}}]
    first = fmt.system_prompt_with_tools(None, tools)
    tools[0] = {"function": {"parameters": {"properties": {"n": {"maximum": 1.0, "type": "integer"}},
                                            "type": "object"}, "name": "f"}, "type": "function"}
    assert tools[0] == {"type": "function", "function": {"name": "f", "parameters": {
        "type": "object", "properties": {"n": {"type": "integer", "maximum": 1}}}}}
    second = fmt.system_prompt_with_tools(None, tools)
    assert second != first and '"maximum": 1.0' in second
    strings = get_format("qwen3_coder").parse_assistant(
        "<tool_call>\n<function=f>\n<parameter=n>\n7\n</parameter>\n</function>\n</tool_call>", tools)
    assert strings.tool_calls[0]["function"]["arguments"] == {"n": 7}


@pytest.mark.parametrize("fid", list_formats(include_plugins=False))
def test_thousands_of_unclosed_openings_do_not_hang_the_parser(fid):
    """Hostile output (a tag opened thousands of times, never closed) parses in linear time: the
    fast paths' value patterns stop at the next opening instead of rescanning to the end from each
    (they took 2-25 s at this size before; a generous bound, not a speed claim)."""
    import time

    fmt = get_format(fid)
    heads = ["", "<tool_call>\n<function=get_weather>\n", "<tool_use>\n<tool_name>get_weather</tool_name>\n<parameter>\n",
             "<get_weather>\n", '<minimax:tool_call>\n<invoke name="get_weather">\n']
    bodies = ["<a>" * 8000, "<a>x" * 8000, "<parameter=city>\n" * 8000, '<parameter name="city">' * 8000, "<" * 20000]
    start = time.perf_counter()
    for head in heads:
        for body in bodies:
            result = fmt.parse_assistant(head + body, TOOLS)
            assert not any(e.startswith("internal parser error") for e in result.errors)
    assert time.perf_counter() - start < 20
