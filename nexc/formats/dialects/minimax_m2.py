"""MiniMax-M2's XML calls.

    <minimax:tool_call>
    <invoke name="get_weather">
    <parameter name="city">Paris</parameter>
    </invoke>
    </minimax:tool_call>

Strings go in raw, other values as JSON. Reasoning is kept only after the last user turn.
"""
from __future__ import annotations

import re

from nexc.formats.base import Format, ParseResult, RenderError
from nexc.formats.fastpath import value_before
from nexc.formats.messages import dumps, message_content
from nexc.formats.parsing import (
    call_id,
    iter_blocks,
    json_or_text,
    make_call,
    outside_text,
    parameter_schemas,
    string_params,
    typed_value,
)
from nexc.formats.xmlcommon import json_or_raw, value_problems

_BEGIN, _END = "<minimax:tool_call>", "</minimax:tool_call>"
_TOOLS_HEAD = (
    "# Tools\nYou may call one or more tools to assist with the user query.\n"
    "Here are the tools available in JSONSchema format:\n\n<tools>\n"
)
_TOOLS_TAIL = (
    "</tools>\n\nWhen making tool calls, use XML format to invoke tools and pass parameters:\n\n"
    "<minimax:tool_call>\n<invoke name=\"tool-name-1\">\n<parameter name=\"param-key-1\">param-value-1</parameter>\n"
    "<parameter name=\"param-key-2\">param-value-2</parameter>\n...\n</invoke>\n</minimax:tool_call>"
)


#: the canonical layout as tokens: section and invoke marks, an invoke opening (its name), a
#: parameter (key, value); only whitespace may lie between them (see ``fastpath``)
_TOKENS = re.compile(r"(<minimax:tool_call>|</minimax:tool_call>|</invoke>)"
                     r'|<invoke name="([^"<>\s]+)">'
                     r'|<parameter name="([^"<>\s]*)">(' + value_before("parameter ", "invoke ") + r")</parameter>")


def _calls(message) -> str:
    parts = ["\n" + _BEGIN + "\n"]
    for c in message["tool_calls"]:
        fn = c["function"]
        parts.append('<invoke name="' + fn["name"] + '">\n')
        for k, v in fn["arguments"].items():
            parts.append('<parameter name="' + k + '">' + json_or_raw(v) + "</parameter>\n")
        parts.append("</invoke>\n")
    parts.append(_END)
    return "".join(parts)


def _attr(tag: str, text: str, start: int) -> tuple[str | None, int]:
    """The ``name="…"`` value of the tag beginning at ``start`` and the index after ``>``."""
    close = text.find(">", start)
    if close < 0:
        return None, -1
    head = text[start + len(tag):close].strip()
    if head.startswith("name="):
        head = head[5:].strip()
    if len(head) >= 2 and head[0] == head[-1] and head[0] in "\"'":
        head = head[1:-1]
    return head, close + 1


class MiniMaxM2(Format):
    """MiniMax-M2 (``MiniMax-M2.jinja``)."""

    marks_generation = True
    name = "minimax_m2"
    description = 'MiniMax-M2: <minimax:tool_call><invoke name="N"><parameter name="k">v</parameter>…'
    matches_template = "MiniMax-M2.jinja"
    template_name = "minimax_m2"
    stop_sequences = ("[e~[",)
    call_stops = ("</minimax:tool_call>",)
    closing_stops = {"</minimax:tool_call>": "<minimax:tool_call>"}
    untyped_values = True
    thinking = True

    def _render_tools(self, tools):
        return _TOOLS_HEAD + "".join("<tool>" + dumps(t["function"]) + "</tool>\n" for t in tools) + _TOOLS_TAIL

    def _render_conversation(self, messages, tools, *, add_generation_prompt,
                             model_identity="You are a helpful assistant.", marks=("", ""), **kw):
        o, c = marks
        system, conv = None, messages
        if messages and messages[0].get("role") == "system":
            system, conv = messages[0], messages[1:]
        last_user = -1
        for i, m in enumerate(conv):
            if m.get("role") == "user":
                last_user = i
        out = ["]~!b[]~b]system\n"]
        out.append(system["content"] if system and system["content"] else model_identity)
        if system and system.get("current_date"):
            out.append("\nCurrent date: " + system["current_date"])
        if system and system.get("current_location"):
            out.append("\nCurrent location: " + system["current_location"])
        if tools:
            out.append("\n\n" + self._tools_text(tools))
        out.append("[e~[\n")
        last_call_name = None
        n = len(conv)
        for i, m in enumerate(conv):
            role = m.get("role")
            if role == "assistant":
                content, reasoning = m["content"], ""
                if isinstance(m.get("reasoning_content"), str):
                    reasoning = m["reasoning_content"]
                elif "</think>" in content:
                    reasoning = content.split("</think>")[0].strip("\n").split("<think>")[-1].strip("\n")
                    content = content.split("</think>")[-1].strip("\n")
                out.append("]~b]ai\n" + o)
                if reasoning and i > last_user:
                    out.append("<think>\n" + reasoning + "\n</think>\n\n")
                out.append(content)
                if m.get("tool_calls"):
                    out.append(_calls(m))
                    last_call_name = m["tool_calls"][-1]["function"]["name"]
                else:
                    last_call_name = None
                out.append("[e~[" + c + "\n")
            elif role == "tool":
                if last_call_name is None:
                    raise RenderError("a tool result comes before any assistant tool call (MiniMax names a result "
                                      "after its call)")
                if i == 0 or conv[i - 1].get("role") != "tool":
                    out.append("]~b]tool")
                out.append("\n<response>" + m["content"] + "</response>")
                if i == n - 1 or conv[i + 1].get("role") != "tool":
                    out.append("[e~[\n")
            elif role == "user":
                out.append("]~b]user\n" + m["content"] + "[e~[\n")
        if add_generation_prompt:
            out.append("]~b]ai\n<think>\n")
        return "".join(out)

    def _render_assistant(self, message):
        content = message_content(message)
        return content + (_calls(message) if message.get("tool_calls") else "")

    def _render_results(self, messages):
        return "".join("\n<response>" + message_content(m) + "</response>" for m in messages).lstrip("\n")

    def _parse_fast(self, text, tools):
        if _BEGIN not in text:
            return ParseResult(text.strip())
        pieces = _TOKENS.split(text)
        head = pieces[0]
        if _BEGIN in head or "".join(pieces[5::5]).strip():
            return None
        strings = string_params(tools)
        calls: list[dict] = []
        args = texts = None
        section = False
        for mark, name, key, value in zip(pieces[1::5], pieces[2::5], pieces[3::5], pieces[4::5]):
            if key is not None:  # a parameter: only inside an invoke
                if args is None:
                    return None
                args[key] = value if key in texts else json_or_text(value)
            elif name is not None:  # an invoke opens: inside a section, not inside an invoke
                if not section or args is not None:
                    return None
                args, texts = {}, strings.get(name, ())
                calls.append(make_call(name, args, call_id(text, len(calls))))
            elif mark == "</invoke>":
                if args is None:
                    return None
                args = None
            elif args is not None or section is (mark == _BEGIN):  # sections open and close in turn
                return None
            else:
                section = not section
        return None if section else ParseResult(head.strip(), calls, [])

    def _parse(self, text, tools):
        schemas = parameter_schemas(tools)
        calls, errors, spans = [], [], []
        index = 0
        for start, end, inner, closed in iter_blocks(text, _BEGIN, _END):
            before, n_errors = len(calls), len(errors)
            for _, _, body, inv_closed in iter_blocks(inner, "<invoke", "</invoke>"):
                call, err = self._parse_invoke("<invoke" + body, index, text, schemas)
                index += 1
                if err:
                    errors.append(err + ("" if inv_closed and closed else " (unclosed block)"))
                else:
                    calls.append(call)
            if len(errors) == n_errors and (len(calls) > before or not inner.strip()):
                spans.append((start, end))
            elif "<invoke" not in inner:
                errors.append(f"tool-call block without <invoke>: {inner[:200]!r}")
        return ParseResult(outside_text(text, spans), calls, errors)

    @staticmethod
    def _parse_invoke(block, index, seed, schemas):
        name, pos = _attr("<invoke", block, 0)
        if not name:
            return None, f"call {index + 1}: <invoke> without a name"
        props = schemas.get(name, {})
        args = {}
        while True:
            p = block.find("<parameter", pos)
            if p < 0:
                break
            key, v_start = _attr("<parameter", block, p)
            if key is None:
                return None, f"call {index + 1} ({name}): unterminated <parameter tag"
            v_end = block.find("</parameter>", v_start)
            if v_end < 0:
                v_end = len(block)
            args[key] = typed_value(block[v_start:v_end], props.get(key))
            pos = v_end
        return make_call(name, args, call_id(seed, index)), None

    def _check(self, message, tools):
        return value_problems(
            message, tools, spell=json_or_raw, forbidden=("</parameter>", "</invoke>", _END),
            name_forbidden=('"', "\n", "<", ">"), key_forbidden=('"', "\n", "<", ">"),
            content_forbidden=(_BEGIN,),
        )
