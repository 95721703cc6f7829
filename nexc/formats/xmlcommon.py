"""Shared pieces of the XML dialects (Qwen3-Coder, GLM, MiniMax, NexAU, OpenRouter).

XML dialects do no escaping: string values go in raw, other values as JSON (Qwen3-Coder writes
scalars with Python ``str()``). On the way back a value's type comes only from the tool's
schema, so a value whose text reads back differently (or contains the closing tag) cannot be
represented; :func:`value_problems` finds those before rendering.
"""
from __future__ import annotations

from typing import Any, Callable

from nexc.formats.messages import dumps, message_content
from nexc.formats.parsing import json_value_problems, parameter_schemas, value_round_trips


def json_or_raw(value: Any) -> str:
    """GLM/MiniMax: strings raw, anything else as JSON."""
    return value if isinstance(value, str) else dumps(value)


def value_problems(message: dict, tools: list[dict], *, spell: Callable[[Any], str],
                   forbidden: tuple[str, ...], name_forbidden: tuple[str, ...] = (),
                   key_forbidden: tuple[str, ...] = (), content_forbidden: tuple[str, ...] = (),
                   python_literals: bool = False, strip_value: bool = False,
                   strip_names: bool = False) -> list[str]:
    """Everything in an assistant message that would not survive this dialect's round trip."""
    problems: list[str] = []
    content = message_content(message)
    for tag in content_forbidden:
        if tag in content:
            problems.append(f"content contains {tag!r}, which reads as a tool call")
    schemas = parameter_schemas(tools)
    for i, call in enumerate(message.get("tool_calls") or ()):
        fn = call["function"]
        name, args = fn["name"], fn["arguments"]
        where = f"call {i + 1} ({name})"
        if not isinstance(name, str) or not name or any(t in name for t in name_forbidden) or (
                strip_names and name != name.strip()):
            problems.append(f"{where}: tool name {name!r} cannot be written in this dialect")
        problems += json_value_problems(args, f"{where} arguments")
        props = schemas.get(name, {})
        for key, value in args.items():
            if not isinstance(key, str) or not key or any(t in key for t in key_forbidden + forbidden) or (
                    strip_names and key != key.strip()):
                problems.append(f"{where}: parameter name {key!r} cannot be written in this dialect")
                continue
            text = spell(value)
            bad = [t for t in forbidden if t in text]
            if bad:
                problems.append(f"{where}: value of {key!r} contains {bad[0]!r}, the closing tag")
            elif strip_value and text != text.strip():
                problems.append(f"{where}: value of {key!r} has edge whitespace, which the dialect trims")
            elif not value_round_trips(value, props.get(key), text.strip() if strip_value else text,
                                       python_literals=python_literals):
                problems.append(f"{where}: value of {key!r} ({value!r}) would read back with another "
                                "type under the tool's schema")
    return problems
