"""OpenAI tool calls: structured ``tool_calls`` with arguments as a JSON string.

The API carries calls beside the text, so this format's *text* form (for text-mode prompting and
for training text) is the assistant message as the API sends it, as JSON:

    {"content": "Let me check.", "tool_calls": [{"id": "call_1", "type": "function",
     "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]}

A turn without calls is its plain content. Results are ``tool`` turns, one per call, carrying
the call id.
"""
from __future__ import annotations

import re

from nexc.formats.base import ParseResult
from nexc.formats.chatml import ChatMLTextFormat
from nexc.formats.jsoncalls import decode_at
from nexc.formats.messages import dumps, message_content
from nexc.formats.parsing import call_from_object, json_value_problems

_START = re.compile(r'\{\s*"(?:content|tool_calls|role)"\s*:')


def wire_calls(message: dict) -> list[dict]:
    """The message's calls as the API sends them (arguments a JSON string)."""
    return [{"id": c.get("id"), "type": "function",
             "function": {"name": c["function"]["name"], "arguments": dumps(c["function"]["arguments"])}}
            for c in message.get("tool_calls") or ()]


class OpenAI(ChatMLTextFormat):
    """OpenAI JSON tool calls."""

    name = "openai"
    call_end_markers = ("}",)
    template_name = "openai"
    description = "OpenAI: JSON tool_calls, arguments a JSON string"
    results_role = "tool"
    merge_results = False

    def _render_tools(self, tools):
        return ("# Tools\n\nYou can call these functions (OpenAI function-calling JSON schemas):\n"
                + dumps(list(tools)) + "\n\nTo call functions, reply with one JSON object "
                '{"content": <text or null>, "tool_calls": [{"id": <id>, "type": "function", "function": '
                '{"name": <name>, "arguments": <JSON-encoded arguments>}}]}.')

    def _render_assistant(self, message):
        content = message_content(message)
        if not message.get("tool_calls"):
            return content
        return dumps({"content": content or None, "tool_calls": wire_calls(message)})

    def _render_results(self, messages):
        return "\n".join(dumps({"tool_call_id": m.get("tool_call_id"), "content": message_content(m)})
                         for m in messages)

    def _parse(self, text, tools):
        m = _START.search(text)
        if not m:
            return ParseResult(text.strip(), [], [])
        obj, end = decode_at(text, m.start())
        if end < 0 or not isinstance(obj, dict):
            return ParseResult(text.strip(), [], [f"invalid JSON message: {text[m.start():m.start() + 200]!r}"])
        raw_calls = obj.get("tool_calls") or []
        if not isinstance(raw_calls, list):
            return ParseResult(text.strip(), [], ["tool_calls is not a list"])
        calls, errors = [], []
        for index, item in enumerate(raw_calls):
            fn = item.get("function") if isinstance(item, dict) else None
            cid = item.get("id") if isinstance(item, dict) else None
            call, err = call_from_object(fn, index, text, id_=cid if isinstance(cid, str) and cid else None)
            if err:
                errors.append(err)
            else:
                calls.append(call)
        if errors:
            return ParseResult(text.strip(), [], errors)
        inner = obj.get("content")
        parts = [text[:m.start()].strip(), inner.strip() if isinstance(inner, str) else "", text[end:].strip()]
        return ParseResult("\n".join(p for p in parts if p), calls, [])

    def _check(self, message, tools):
        problems = []
        content = message_content(message)
        if _START.search(content):
            problems.append("content contains a JSON message object")
        for i, call in enumerate(message.get("tool_calls") or ()):
            if not call.get("id"):
                problems.append(f"call {i + 1}: no id")
            problems += json_value_problems(call["function"]["arguments"], f"call {i + 1} arguments")
        return problems
