"""Random agent conversations for property tests, fuzzing and benchmarks (seeded, deterministic).

The conversations are well-formed agent runs: an optional system prompt, user turns, assistant
turns with tool calls followed by one result per call, and final answers. Text mixes the
characters that break naive renderers: ``<&>``, quotes, backslashes, newlines, edge whitespace,
non-ASCII.
"""
from __future__ import annotations

import random
from typing import Any

_PIECES = (
    "a", "Paris", " ", "\n", "<", ">", "&", '"', "'", "é", "中文", "{", "}", "[", "]", "\\", "0",
    "1.5", "true", "x y", "\t", "café", "ok", "😀", "=", "/", "line", "  ", ":", ",",
)
_TOOL_NAMES = ("get_weather", "search", "run_code", "write_file", "lookup")
_PARAM_NAMES = ("city", "q", "days", "opts", "tags", "flag", "score", "path", "body", "n")
_TYPES = ("string", "string", "integer", "number", "boolean", "object", "array")


def text(rng: random.Random, max_pieces: int = 8, allow_empty: bool = True) -> str:
    """Random text from tricky pieces."""
    n = rng.randint(0 if allow_empty else 1, max_pieces)
    return "".join(rng.choice(_PIECES) for _ in range(n))


def word(rng: random.Random) -> str:
    """A non-empty, whitespace-free token."""
    return rng.choice(("Paris", "abc", "x1", "café", "Q", "中文", "42z", "ok"))


def json_value(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value (finite numbers, string keys)."""
    kind = rng.randint(0, 7 if depth < 3 else 4)
    if kind == 0:
        return text(rng)
    if kind == 1:
        return rng.randint(-1000, 10**6)
    if kind == 2:
        return round(rng.uniform(-1e3, 1e3), rng.randint(0, 4))
    if kind == 3:
        return rng.choice((True, False))
    if kind == 4:
        return None
    if kind in (5, 6):
        return {word(rng) + str(i): json_value(rng, depth + 1) for i in range(rng.randint(0, 3))}
    return [json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]


def value_of_type(rng: random.Random, kind: str) -> Any:
    """A value of a JSON schema type."""
    if kind == "string":
        return text(rng)
    if kind == "integer":
        return rng.randint(-50, 10**5)
    if kind == "number":
        return rng.choice((0.5, -2.25, 3.0, 1e-3, round(rng.uniform(-100, 100), 3)))
    if kind == "boolean":
        return rng.choice((True, False))
    if kind == "object":
        return {word(rng) + str(i): json_value(rng, 1) for i in range(rng.randint(0, 3))}
    return [text(rng, 3) for _ in range(rng.randint(0, 3))]


def tools(rng: random.Random, n: int | None = None) -> list[dict]:
    """Random OpenAI tool declarations."""
    out = []
    for name in rng.sample(_TOOL_NAMES, n or rng.randint(1, 3)):
        props: dict[str, Any] = {}
        for pname in rng.sample(_PARAM_NAMES, rng.randint(1, 4)):
            kind = rng.choice(_TYPES)
            spec: dict[str, Any] = {"type": kind}
            if kind == "array":
                spec["items"] = {"type": "string"}
            if rng.random() < 0.5:
                spec["description"] = text(rng, 4, allow_empty=False).replace("\n", " ")
            props[pname] = spec
        params = {"type": "object", "properties": props, "required": list(props)[:1]}
        out.append({"type": "function", "function": {
            "name": name, "description": text(rng, 5, allow_empty=False), "parameters": params}})
    return out


def _id(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijkLMNOPQ0123456789") for _ in range(9))


def tool_call(rng: random.Random, tool_list: list[dict]) -> dict:
    """A call to one of ``tool_list`` with schema-typed arguments."""
    fn = rng.choice(tool_list)["function"]
    props = fn["parameters"]["properties"]
    args = {k: value_of_type(rng, v["type"]) for k, v in props.items() if rng.random() < 0.8}
    return {"id": _id(rng), "type": "function", "function": {"name": fn["name"], "arguments": args}}


def assistant_turn(rng: random.Random, tool_list: list[dict], *, max_calls: int = 3,
                   reasoning: bool = False) -> dict:
    """An assistant message with content and/or calls."""
    msg: dict[str, Any] = {"role": "assistant", "content": text(rng)}
    if tool_list and max_calls:
        msg["tool_calls"] = [tool_call(rng, tool_list) for _ in range(rng.randint(1, max_calls))]
    if reasoning and rng.random() < 0.3:
        msg["reasoning_content"] = text(rng, 5)
    return msg


def conversation(rng: random.Random, *, max_calls: int = 3, reasoning: bool = False,
                 with_tools: bool = True) -> tuple[list[dict], list[dict] | None]:
    """``(messages, tools)``: a random agent conversation."""
    tool_list = tools(rng) if with_tools else None
    msgs: list[dict] = []
    if rng.random() < 0.7:
        msgs.append({"role": "system", "content": text(rng, allow_empty=False)})
    for _ in range(rng.randint(1, 3)):
        msgs.append({"role": "user", "content": text(rng, allow_empty=False)})
        for _ in range(rng.randint(0, 2) if tool_list else 0):
            turn = assistant_turn(rng, tool_list, max_calls=max_calls, reasoning=reasoning)
            msgs.append(turn)
            for call in turn["tool_calls"]:
                msgs.append({"role": "tool", "tool_call_id": call["id"], "name": call["function"]["name"],
                             "content": text(rng)})
        if rng.random() < 0.85:
            final = {"role": "assistant", "content": text(rng, allow_empty=False)}
            if reasoning and rng.random() < 0.3:
                final["reasoning_content"] = text(rng, 5)
            msgs.append(final)
    return msgs, tool_list
