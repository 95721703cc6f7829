"""Hypothesis strategies: assistant messages and tools that stress every dialect."""
from __future__ import annotations

from hypothesis import strategies as st

#: pieces that break naive renderers or collide with some dialect's markup
TRICKY = (
    "<", ">", "&", '"', "'", "\\", "\n", " ", "\t", "é", "中文", "😀", "{", "}", "[", "]", "=", ":",
    "True", "None", "null", "true", "3", "-1.5", "[1]", '{"a": 1}',
    "<tool_call>", "</tool_call>", "<function=f>", "</parameter>", "<parameter=x>", "</arg_value>", "<arg_key>",
    "</think>", "<think>", "[TOOL_CALLS]", "[ARGS]", "<|tool_call_begin|>", "<|tool_calls_section_begin|>",
    "<｜tool▁calls▁begin｜>", "<｜end▁of▁sentence｜>", "<minimax:tool_call>", "</invoke>", "<tool_use>",
    "<use_parallel_tool_calls>", "</city>", "<city>", '{"name": "f"', "f(", "[f(x=1)]", "<get_weather>",
)

text = st.lists(st.sampled_from(TRICKY) | st.text(max_size=4), max_size=6).map("".join)
keys = st.sampled_from(("city", "q", "days", "opts", "n", "tags", "class", "a-b", "with space", "k>", "")) | text
names = st.sampled_from(("get_weather", "search", "run_code", "ns.tool", "weird name", "x>y", "f"))
numbers = st.integers(-10**15, 10**15) | st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)


@st.composite
def assistant_and_tools(draw, *, max_calls: int = 3):
    """``(message, tools)``: an assistant turn and tools whose schemas fit it more or less."""
    calls = []
    for i in range(draw(st.integers(0, max_calls))):
        args = draw(st.dictionaries(keys, json_values, max_size=4))
        calls.append({"id": draw(st.sampled_from(("a1B2c3D4e", "call_1", "Zz9Yy8Xx7", "functions.f:0"))),
                      "type": "function", "function": {"name": draw(names), "arguments": args}})
    props: dict = {}
    for call in calls:
        fn_props = props.setdefault(call["function"]["name"], {})
        for key, value in call["function"]["arguments"].items():
            choice = draw(st.integers(0, 3))
            if choice == 0:
                fn_props[key] = {"type": _type(value)}
            elif choice == 1:
                fn_props[key] = {"type": "string"}
            elif choice == 2:
                fn_props[key] = {"type": [_type(value), "null"]}
    tools = [{"type": "function", "function": {"name": n, "description": "d", "parameters": {
        "type": "object", "properties": p}}} for n, p in props.items()]
    message = {"role": "assistant", "content": draw(text)}
    if calls:
        message["tool_calls"] = calls
    return message, tools


def _type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
