"""Tool-named XML calls (Cline / Roo-Code style, as used through OpenRouter).

    <get_weather>
    <city>Paris</city>
    </get_weather>

The outer tag is the tool name, each child a parameter. Only the tools given to the parser are
recognised (any other tag is text), so ``parse_assistant`` needs ``tools``. Strings are written
raw, other values as JSON.
"""
from __future__ import annotations

import re

from nexc.formats.base import ParseResult
from nexc.formats.chatml import ChatMLTextFormat
from nexc.formats.fastpath import value_before
from nexc.formats.messages import dumps, message_content, tool_functions
from nexc.formats.dialects.nexau_xml import XML_NAME, parse_children
from nexc.formats.parsing import (
    MEMOS, Memo, call_id, json_or_text, make_call, outside_text, parameter_schemas, string_params, typed_value,
)
from nexc.formats.xmlcommon import json_or_raw, value_problems

#: the canonical layout as tokens: a child ``<K>V</K>`` (key, value), an opening ``<N>``, a
#: closing ``</N>``; only whitespace may lie between them (see ``fastpath``)
_TOKENS = re.compile(r"<([A-Za-z_][A-Za-z0-9_.:-]*)>(" + value_before(r"[A-Za-z_][A-Za-z0-9_.:-]*>") + r")</\1>"
                     r"|<([A-Za-z_][A-Za-z0-9_.:-]*)>|</([A-Za-z_][A-Za-z0-9_.:-]*)>")
_KNOWN = Memo()
MEMOS.append(_KNOWN)


def _known(tools: list[dict]) -> frozenset:
    """The tool names the parser recognises (memoised by the identity of ``tools``)."""
    hit = _KNOWN.get(id(tools))
    if hit is None or hit[0] is not tools:
        hit = _KNOWN.put(id(tools), (tools, frozenset(n for n in parameter_schemas(tools) if XML_NAME.fullmatch(n))))
    return hit[1]


def _call(call: dict) -> str:
    fn = call["function"]
    name = fn["name"]
    return ("<" + name + ">\n"
            + "".join("<" + k + ">" + json_or_raw(v) + "</" + k + ">\n" for k, v in fn["arguments"].items())
            + "</" + name + ">")


class OpenRouterXml(ChatMLTextFormat):
    """``<N><k>v</k></N>`` calls."""

    name = "openrouter_xml"
    template_name = "openrouter_xml"
    description = "OpenRouter/Cline XML: <N><k>v</k></N>"
    untyped_values = True
    call_stops = ("] Result:",)

    def _render_tools(self, tools):
        parts = ["# Tools\n\nUse a tool by writing an XML block named after it, one child tag per parameter:\n\n"
                 "<tool_name>\n<parameter_name>value</parameter_name>\n</tool_name>\n\n"
                 "String values are written as they are; other values as JSON."]
        for fn in tool_functions(tools):
            parts.append(f"\n\n## {fn.get('name')}\n{fn.get('description', '')}\n"
                         f"Parameters (JSON Schema): {dumps(fn.get('parameters', {}))}")
        return "".join(parts)

    def _render_assistant(self, message):
        content = message_content(message)
        calls = "\n".join(_call(c) for c in message.get("tool_calls") or ())
        if content and calls:
            return content + "\n\n" + calls
        return content or calls

    def _render_results(self, messages):
        return "\n".join("[" + str(m.get("name", "tool")) + "] Result:\n" + message_content(m) for m in messages)

    def _parse_fast(self, text, tools):
        if "<" not in text:
            return ParseResult(text.strip())
        pieces = _TOKENS.split(text)
        if "".join(pieces[5::5]).strip():
            return None
        strings = string_params(tools)
        known = _known(tools)
        calls: list[dict] = []
        name = args = texts = None
        for key, value, opened, closed in zip(pieces[1::5], pieces[2::5], pieces[3::5], pieces[4::5]):
            if key is not None:
                if name is None:  # outside a call, ``<N>\n</N>`` is a call with no arguments
                    if key not in known or value.strip():
                        return None
                    calls.append(make_call(key, {}, call_id(text, len(calls))))
                elif key == name:
                    return None
                else:
                    args[key] = value if key in texts else json_or_text(value)
            elif opened is not None:
                if name is not None or opened not in known:
                    return None
                name, args, texts = opened, {}, strings.get(opened, ())
                calls.append(make_call(name, args, call_id(text, len(calls))))
            elif closed != name:
                return None
            else:
                name = None
        # every ``<N>`` of a known tool must be a call's opening: any other one (in the text
        # before the calls, in a value, as a key) changes which spans the general parser takes
        if name is not None or sum(text.count("<" + n + ">") for n in known) != len(calls):
            return None
        return ParseResult(pieces[0].strip(), calls, [])

    def _parse(self, text, tools):
        schemas = parameter_schemas(tools)
        names = [n for n in schemas if XML_NAME.fullmatch(n)]
        found = []
        for name in names:
            pos = 0
            while True:
                start = text.find("<" + name + ">", pos)
                if start < 0:
                    break
                body_start = start + len(name) + 2
                close = text.find("</" + name + ">", body_start)
                end = len(text) if close < 0 else close + len(name) + 3
                found.append((start, end, text[body_start: close if close >= 0 else len(text)], name))
                pos = end
        found.sort()
        calls, spans, last_end = [], [], -1
        for start, end, body, name in found:
            if start < last_end:  # a tool-named tag inside another call's value
                continue
            props = schemas.get(name, {})
            args = {k: typed_value(v, props.get(k)) for k, v in parse_children(body)}
            calls.append(make_call(name, args, call_id(text, len(calls))))
            spans.append((start, end))
            last_end = end
        return ParseResult(outside_text(text, spans), calls, [])

    def _check(self, message, tools):
        problems = value_problems(message, tools, spell=json_or_raw, forbidden=())
        known = set(parameter_schemas(tools))
        content = message_content(message)
        for i, call in enumerate(message.get("tool_calls") or ()):
            name = call["function"]["name"]
            if not isinstance(name, str) or not XML_NAME.fullmatch(name):
                problems.append(f"call {i + 1}: tool name {name!r} is not an XML tag name")
            elif name not in known:
                problems.append(f"call {i + 1}: tool {name!r} is not among the tools (the parser only "
                                "recognises declared tools)")
            for key, value in call["function"]["arguments"].items():
                text = json_or_raw(value)
                if not isinstance(key, str) or not XML_NAME.fullmatch(key):
                    problems.append(f"call {i + 1}: parameter name {key!r} is not an XML tag name")
                elif "</" + key + ">" in text or ("</" + str(name) + ">") in text:
                    problems.append(f"call {i + 1}: value of {key!r} contains a closing tag")
        for name in known:
            if "<" + name + ">" in content:
                problems.append(f"content contains <{name}>, which reads as a call")
        return problems
