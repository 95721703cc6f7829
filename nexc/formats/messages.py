"""Canonical messages and tools, and the JSON spelling the chat templates use.

Canonical nexc messages are OpenAI chat messages with string ``content`` and tool-call
``arguments`` kept as dicts. Templates write JSON as ``json.dumps(v, ensure_ascii=False)``:
insertion order, ``", "``/``": "`` separators, no HTML escaping.
"""
from __future__ import annotations

import json
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False)
_ENCODER_INDENT4 = json.JSONEncoder(ensure_ascii=False, indent=4)


def compact_encoder(key_separator: str, item_separator: str):
    """``JSONEncoder(ensure_ascii=False, separators=…).encode`` built once: the C encoder the stdlib
    builds on every call is made here one time (no circular-reference check: the data are JSON
    documents, which cannot hold cycles; a cycle ends in RecursionError instead of ValueError)."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(item_separator, key_separator))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the stdlib's own path
        return encoder.encode
    scan = make(None, encoder.default, json.encoder.encode_basestring, None, key_separator, item_separator,
                False, False, True)
    text = json.encoder.encode_basestring

    def encode(value: Any) -> str:
        return text(value) if type(value) is str else "".join(scan(value, 0))

    return encode


#: ``json.dumps(v, ensure_ascii=False)`` with a prebuilt encoder (the templates' ``tojson``)
dumps = compact_encoder(": ", ", ")
def _indent4(value: Any, pad: str) -> str:
    if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
        inner = pad + "    "
        return "{\n" + ",\n".join(inner + dumps(k) + ": " + _indent4(v, inner) for k, v in value.items()) \
            + "\n" + pad + "}"
    if isinstance(value, list) and value:
        inner = pad + "    "
        return "[\n" + ",\n".join(inner + _indent4(v, inner) for v in value) + "\n" + pad + "]"
    if isinstance(value, dict):
        return "{}" if not value else _ENCODER_INDENT4.encode(value).replace("\n", "\n" + pad)
    return dumps(value)


def dumps_indent4(value: Any) -> str:
    """``json.dumps(v, ensure_ascii=False, indent=4)`` (Llama 3 tool declarations), built with
    the C encoder for the leaves: the stdlib's indenting encoder is pure Python and slow."""
    return _indent4(value, "")


def message_content(message: dict) -> str:
    """The text content of a message (``""`` when absent)."""
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content
        )
    return str(content)


def _canonical_call(call: Any) -> dict:
    if not isinstance(call, dict):
        raise TypeError(f"a tool call must be a dict, not {type(call).__name__}")
    fn = call.get("function")
    if not isinstance(fn, dict):  # flat {"name", "arguments"} shape
        fn = {"name": call.get("name"), "arguments": call.get("arguments")}
    args = fn.get("arguments")
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError as exc:
            raise ValueError(f"tool call {fn.get('name')!r}: arguments are not JSON: {exc}") from None
    if args is None:
        args = {}
    if args is fn.get("arguments") and "type" in call and "id" in call and fn is call.get("function"):
        return call
    out = {"id": call.get("id"), "type": "function", "function": {"name": fn.get("name"), "arguments": args}}
    if out["id"] is None:
        del out["id"]
    return out


def canonical_message(message: Any) -> dict:
    """One message in canonical form (a shallow copy only when something changes)."""
    if not isinstance(message, dict):
        dump = getattr(message, "model_dump", None)
        if dump is None:
            raise TypeError(f"a message must be a dict, not {type(message).__name__}")
        message = {k: v for k, v in dump().items() if v is not None}
    content = message.get("content")
    calls = message.get("tool_calls")
    changed = not isinstance(content, str)
    new_calls = None
    if "tool_calls" in message:
        if calls:
            new_calls = [_canonical_call(c) for c in calls]
            changed = changed or any(a is not b for a, b in zip(new_calls, calls))
        else:
            changed = True
    if not changed:
        return message
    out = dict(message)
    out["content"] = message_content(message)
    if new_calls:
        out["tool_calls"] = new_calls
    else:
        out.pop("tool_calls", None)
    return out


def canonical_messages(messages: Any) -> list[dict]:
    """Messages in canonical form: string content, calls with dict arguments, no empty
    ``tool_calls``."""
    return [canonical_message(m) for m in messages]


def canonical_tools(tools: Any) -> list[dict] | None:
    """Tools as OpenAI ``{"type": "function", "function": {...}}`` entries (``None`` stays
    ``None``: some templates tell "no tools" from "an empty list"); a list that already is
    canonical comes back as it is."""
    if tools is None:
        return None
    if type(tools) is list and all(type(t) is dict and type(t.get("function")) is dict for t in tools):
        return tools  # already canonical: no copy (callers only read it)
    if not isinstance(tools, (list, tuple)):
        raise TypeError(f"tools must be a list of tool objects, not {type(tools).__name__}")
    out = []
    for tool in tools:
        if isinstance(tool, dict) and "function" in tool:
            if not isinstance(tool["function"], dict):
                raise TypeError(f"a tool's 'function' must be an object, not {type(tool['function']).__name__}")
            out.append(tool)
        elif isinstance(tool, dict):
            out.append({"type": "function", "function": tool})
        else:
            raise TypeError(f"a tool must be an object, not {type(tool).__name__}")
    return out


def tool_functions(tools: list[dict] | None) -> list[dict]:
    """The ``function`` objects of the tools."""
    return [t.get("function", t) for t in tools or ()]
