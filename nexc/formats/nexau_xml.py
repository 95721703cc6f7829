"""NexAU's XML calls (``tool_call_mode: xml``).

    <tool_use>
    <tool_name>get_weather</tool_name>
    <parameter>
    <city>Paris</city>
    </parameter>
    </tool_use>

Several calls in one turn go in ``<use_parallel_tool_calls>``, each as ``<parallel_tool>``.
Strings are written raw, other values as JSON; results come back in the user turn as
``<tool_result>`` blocks.
"""
from __future__ import annotations

import re

from nexc.formats.base import ParseResult
from nexc.formats.chatml import ChatMLTextFormat
from nexc.formats.fastpath import value_before
from nexc.formats.messages import dumps, message_content, tool_functions
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

XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]*")


#: the canonical layout as tokens: a call opening up to its ``<parameter>`` (kind, name), its
#: closing, the parallel wrapper's tags, a parameter (key, value; a key that is a structural tag
#: would end a block early in the general parser). Only whitespace may lie between them.
_TOKENS = re.compile(
    r"<(tool_use|parallel_tool)>\s*<tool_name>([^<>\s]+)</tool_name>\s*<parameter>"  # 1 call kind, 2 name
    r"|</parameter>\s*</(tool_use|parallel_tool)>"                                   # 3 call kind closing
    r"|<(/?)use_parallel_tool_calls>"                                                 # 4 the wrapper
    r"|<(?!(?:parameter|tool_use|parallel_tool|use_parallel_tool_calls)>)"            # 5 key, 6 value
    r"([A-Za-z_][A-Za-z0-9_.:-]*)>(" + value_before(r"[A-Za-z_][A-Za-z0-9_.:-]*>") + r")</\5>")


def _call_body(call: dict) -> str:
    fn = call["function"]
    params = "".join("<" + k + ">" + json_or_raw(v) + "</" + k + ">\n" for k, v in fn["arguments"].items())
    return "<tool_name>" + fn["name"] + "</tool_name>\n<parameter>\n" + params + "</parameter>\n"


def render_calls(calls) -> str:
    """One ``<tool_use>`` block, or a ``<use_parallel_tool_calls>`` block for several calls."""
    if len(calls) == 1:
        return "<tool_use>\n" + _call_body(calls[0]) + "</tool_use>"
    return ("<use_parallel_tool_calls>\n"
            + "".join("<parallel_tool>\n" + _call_body(c) + "</parallel_tool>\n" for c in calls)
            + "</use_parallel_tool_calls>")


def parse_children(body: str):
    """``[(tag, text)]`` for the ``<tag>text</tag>`` children of a ``<parameter>`` block."""
    out, pos = [], 0
    while True:
        start = body.find("<", pos)
        if start < 0:
            return out
        m = XML_NAME.match(body, start + 1)
        if not m or body[m.end():m.end() + 1] != ">":
            pos = start + 1
            continue
        tag = m.group(0)
        v_start = m.end() + 1
        close = body.find("</" + tag + ">", v_start)
        if close < 0:
            out.append((tag, body[v_start:].rstrip()))
            return out
        out.append((tag, body[v_start:close]))
        pos = close + len(tag) + 3


class NexauXml(ChatMLTextFormat):
    """NexAU XML tool calls."""

    name = "nexau_xml"
    template_name = "nexau_xml"
    description = "NexAU XML: <tool_use><tool_name>N</tool_name><parameter><k>v</k></parameter></tool_use>"
    stop_sequences = ("<|im_end|>",)
    untyped_values = True

    def _render_tools(self, tools):
        parts = ["## Available Tools\n\nCall a tool with an XML block in your reply:\n\n<tool_use>\n"
                 "<tool_name>TOOL_NAME</tool_name>\n<parameter>\n<PARAM_NAME>value</PARAM_NAME>\n</parameter>\n"
                 "</tool_use>\n\nFor several independent calls use one block:\n\n<use_parallel_tool_calls>\n"
                 "<parallel_tool>\n<tool_name>TOOL_NAME</tool_name>\n<parameter>…</parameter>\n</parallel_tool>\n"
                 "…\n</use_parallel_tool_calls>\n\nString values are written as they are; other values as JSON."]
        for fn in tool_functions(tools):
            parts.append(f"\n\n### {fn.get('name')}\n{fn.get('description', '')}\n"
                         f"Parameters (JSON Schema): {dumps(fn.get('parameters', {}))}")
        return "".join(parts)

    def _render_assistant(self, message):
        content = message_content(message)
        calls = message.get("tool_calls") or ()
        if not calls:
            return content
        return (content + "\n\n" if content else "") + render_calls(calls)

    def _render_results(self, messages):
        return "\n".join("<tool_result>\n<tool_name>" + str(m.get("name", "")) + "</tool_name>\n<result>"
                         + message_content(m) + "</result>\n</tool_result>" for m in messages)

    def _parse_fast(self, text, tools):
        if "<tool_use>" not in text and "<use_parallel_tool_calls>" not in text:
            return ParseResult(text.strip())
        pieces = _TOKENS.split(text)
        head = pieces[0]
        if "<tool_use>" in head or "<use_parallel_tool_calls>" in head or "".join(pieces[7::7]).strip():
            return None
        strings = string_params(tools)
        calls: list[dict] = []
        # "" (nothing yet), "single" (in the <tool_use>), "parallel" (in the wrapper), "done"
        state, parallel, args, texts = "", False, None, None
        for opener, name, closer, wrapper, key, value in zip(
                pieces[1::7], pieces[2::7], pieces[3::7], pieces[4::7], pieces[5::7], pieces[6::7]):
            if key is not None:  # a parameter: only inside a call
                if args is None:
                    return None
                args[key] = value if key in texts else json_or_text(value)
            elif name is not None:  # a call opens: <tool_use> first and alone, <parallel_tool> in the wrapper
                if args is not None or state != ("" if opener == "tool_use" else "parallel"):
                    return None
                if opener == "tool_use":
                    state = "single"
                args, texts = {}, strings.get(name, ())
                calls.append(make_call(name, args, call_id(text, len(calls))))
            elif closer is not None:  # the open call closes
                if args is None or closer != ("tool_use" if state == "single" else "parallel_tool"):
                    return None
                args = None
                if state == "single":
                    state = "done"
            elif args is None and state == ("" if wrapper == "" else "parallel"):
                parallel = parallel or wrapper == ""
                state = "parallel" if wrapper == "" else "done"
            else:
                return None
        # the general parser cuts wrappers out first: one hiding in a value would change that
        if state != "done" or text.count("<use_parallel_tool_calls>") != parallel:
            return None
        return ParseResult(head.strip(), calls, [])

    def _parse(self, text, tools):
        schemas = parameter_schemas(tools)
        blocks, spans = [], []
        for start, end, inner, closed in iter_blocks(text, "<use_parallel_tool_calls>", "</use_parallel_tool_calls>"):
            spans.append((start, end))
            blocks += [(b, c and closed) for _, _, b, c in iter_blocks(inner, "<parallel_tool>", "</parallel_tool>")]
        rest = outside_text_keep(text, spans)
        for start, end, inner, closed in iter_blocks(rest, "<tool_use>", "</tool_use>"):
            blocks.append((inner, closed))
        calls, errors = [], []
        for index, (inner, closed) in enumerate(blocks):
            call, err = self._parse_block(inner, index, text, schemas)
            if err:
                errors.append(err + ("" if closed else " (unclosed block)"))
            else:
                calls.append(call)
        if errors:
            return ParseResult(text.strip(), calls, errors)
        tool_spans = [(s, e) for s, e, _, _ in iter_blocks(rest, "<tool_use>", "</tool_use>")]
        return ParseResult(outside_text(rest, tool_spans), calls, errors)

    @staticmethod
    def _parse_block(inner, index, seed, schemas):
        name_blocks = list(iter_blocks(inner, "<tool_name>", "</tool_name>"))
        if not name_blocks or not name_blocks[0][2].strip():
            return None, f"call {index + 1}: no <tool_name> in {inner[:200]!r}"
        name = name_blocks[0][2].strip()
        props = schemas.get(name, {})
        args = {}
        for _, _, body, _ in iter_blocks(inner, "<parameter>", "</parameter>"):
            for key, value in parse_children(body):
                args[key] = typed_value(value, props.get(key))
            break
        return make_call(name, args, call_id(seed, index)), None

    def _check(self, message, tools):
        problems = value_problems(
            message, tools, spell=json_or_raw,
            forbidden=("</parameter>", "</tool_use>", "</parallel_tool>", "</use_parallel_tool_calls>"),
            name_forbidden=("<", "\n"), strip_names=True,
            content_forbidden=("<tool_use>", "<use_parallel_tool_calls>"),
        )
        for i, call in enumerate(message.get("tool_calls") or ()):
            for key, value in call["function"]["arguments"].items():
                if not isinstance(key, str) or not XML_NAME.fullmatch(key):
                    problems.append(f"call {i + 1}: parameter name {key!r} is not an XML tag name")
                elif "</" + key + ">" in json_or_raw(value) or "</parameter>" in json_or_raw(value):
                    problems.append(f"call {i + 1}: value of {key!r} contains its closing tag")
        return problems


def outside_text_keep(text: str, spans) -> str:
    """``text`` with the spans cut out, unstripped."""
    parts, pos = [], 0
    for start, end in spans:
        parts.append(text[pos:start])
        pos = end
    parts.append(text[pos:])
    return "".join(parts)
