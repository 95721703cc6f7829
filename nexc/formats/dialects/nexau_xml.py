"""NexAU's XML calls (``tool_call_mode: xml``), laid out as NexAU v0.3.4 documents and returns them.

    <tool_use>
      <tool_name>get_weather</tool_name>
      <parameter>
        <city>Paris</city>
      </parameter>
    </tool_use>

Several calls in one turn go in ``<use_parallel_tool_calls>``, each as ``<parallel_tool>``. Strings are
written raw, other values as JSON; values are read back stripped of edge whitespace, as NexAU does.

The declarations follow NexAU's system prompt: ``## Available Tools`` with one section per tool (its
description, then a usage example whose parameter elements say ``(required, type: int)``), and
``## Available Sub-Agents`` for tools named ``agent:NAME`` (how the ``nexau`` profile offers a
sub-agent). After them come calling instructions in nexc's own words (NexAU's prose is not copied).
Results come back in one user turn: ``Tool execution results:`` and a ``<tool_result>`` block per
call (``<error>`` in place of ``<result>`` for a call that failed). A reply cut at a stop string gets
its closing tag back as NexAU restores it.
"""
from __future__ import annotations

import re

from nexc.formats.base import ParseResult
from nexc.formats.chatml import ChatMLTextFormat
from nexc.formats.fastpath import value_before
from nexc.formats.messages import canonical_tools, message_content, tool_functions
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


#: JSON Schema types as NexAU's tool documentation names them (anything else reads as ``str``)
TYPE_NAMES = {"integer": "int", "string": "str", "number": "float", "boolean": "bool", "array": "list",
              "object": "dict"}
SUBAGENT_PREFIXES = ("agent:", "sub-agent-")
#: opening and closing tags NexAU closes when a reply stopped inside them, in the order it checks them
RESTORED = (("<tool_use>", "</tool_use>"), ("<parallel_tool>", "</parallel_tool>"),
            ("<use_parallel_tool_calls>", "</use_parallel_tool_calls>"), ("<use_batch_agent>", "</use_batch_agent>"))
#: nexc's own words after the declarations (NexAU writes its own instructions in this place)
INSTRUCTIONS = (
    "\nHow to call tools and sub-agents:\n"
    "- Write one call as a <tool_use> block, laid out as in the examples above: the name in <tool_name>, "
    "each argument as an element inside <parameter>.\n"
    "- For several independent calls in one reply, put each call in a <parallel_tool> block and all of them "
    "in one <use_parallel_tool_calls> block. Use only one kind of block per reply.\n"
    "- Write text values as they are; write numbers, booleans, lists and objects as JSON.\n"
    "- A sub-agent is called like a tool: its name is agent: followed by the agent's name, and its task goes in "
    "<message>. It sees nothing of this conversation, so give it everything it needs.\n"
    "- End your reply right after the closing tag of your calls and wait: the results arrive in the next "
    "message. Never write results yourself.\n"
    "- When no more calls are needed, answer in plain text.\n")


def type_name(schema: dict) -> str:
    """A parameter's type as NexAU's documentation writes it (a list of types: its first non-null one)."""
    t = schema.get("type", "string") if isinstance(schema, dict) else "string"
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    return TYPE_NAMES.get(t, "str") if isinstance(t, str) else "str"


def _default_text(value) -> str:
    """A default as NexAU's template prints it (Python ``str``)."""
    return str(value)


def _parameter_line(name: str, schema: dict, required: bool) -> str:
    schema = schema if isinstance(schema, dict) else {}
    desc = schema.get("description", "")
    desc = "None" if desc is None else str(desc)
    if required:
        tail = f" (required, type: {type_name(schema)})"
    elif schema.get("default"):
        tail = f" (optional, type: {type_name(schema)}, default: {_default_text(schema['default'])})"
    else:
        tail = f" (optional, type: {type_name(schema)})"
    return f"    <{name}>{desc}{tail}</{name}>\n"


def _tool_section(fn: dict) -> str:
    params = fn.get("parameters") if isinstance(fn.get("parameters"), dict) else {}
    props = params.get("properties") if isinstance(params.get("properties"), dict) else {}
    required = params.get("required") if isinstance(params.get("required"), list) else []
    lines = "".join(_parameter_line(str(k), v, k in required) for k, v in props.items())
    return (f"\n### {fn.get('name')}\n\n{fn.get('description') or 'No description available'}\nUsage:\n"
            f"<tool_use>\n  <tool_name>{fn.get('name')}</tool_name>\n  <parameter>\n{lines}  </parameter>\n"
            "</tool_use>\n")


def _subagent_section(name: str, description: str | None) -> str:
    return (f"\n<description_of_sub_agent:{name}>\n### {name}\n{description or f'Specialized agent for {name}-related tasks'}"
            f"\nUsage:\n<tool_use>\n  <tool_name>agent:{name}</tool_name>\n  <parameter>\n    <message>task "
            f"description</message>\n  </parameter>\n</tool_use>\n</description_of_sub_agent:{name}>\n")


def subagent_of(name: str) -> str | None:
    """The agent a NexAU sub-agent tool name stands for (``agent:X``, ``sub-agent-X``), or None."""
    for prefix in SUBAGENT_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):]
    return None


def _call_body(call: dict, pad: str) -> str:
    fn = call["function"]
    params = "".join(pad + "    <" + k + ">" + json_or_raw(v) + "</" + k + ">\n" for k, v in fn["arguments"].items())
    return "  <tool_name>" + fn["name"] + "</tool_name>\n  <parameter>\n" + params + "  </parameter>\n"


def render_calls(calls) -> str:
    """One ``<tool_use>`` block, or a ``<use_parallel_tool_calls>`` block for several calls, laid out as
    NexAU's usage examples are."""
    if len(calls) == 1:
        return "<tool_use>\n" + _call_body(calls[0], "") + "</tool_use>"
    return ("<use_parallel_tool_calls>\n"
            + "".join("<parallel_tool>\n" + _call_body(c, "") + "</parallel_tool>\n" for c in calls)
            + "</use_parallel_tool_calls>")


def result_block(m: dict) -> str:
    """One tool result as NexAU writes it (``<error>`` for a call that failed; a sub-agent's answer is
    tagged ``NAME_sub_agent``)."""
    name = str(m.get("name", ""))
    agent = subagent_of(name)
    tag = "error" if m.get("is_error") else "result"
    return ("<tool_result>\n<tool_name>" + (f"{agent}_sub_agent" if agent else name) + "</tool_name>\n<" + tag + ">"
            + message_content(m) + "</" + tag + ">\n</tool_result>")


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
    call_stops = ("</tool_use>", "</use_parallel_tool_calls>", "</use_batch_agent>")
    closing_stops = {"</tool_use>": "<tool_use>", "</use_parallel_tool_calls>": "<use_parallel_tool_calls>",
                     "</use_batch_agent>": "<use_batch_agent>"}
    untyped_values = True
    trims_values = True
    instructions = INSTRUCTIONS

    def system_prompt_with_tools(self, system_prompt, tools):
        """NexAU's layout: the prompt, then (each block opening with a newline, no separator added)
        the tool documentation, the sub-agent documentation and the calling instructions."""
        base = system_prompt or ""
        tools = canonical_tools(tools) or []
        return base + self._tools_text(tools) if tools else base

    def _render_tools(self, tools):
        fns = tool_functions(tools)
        own = [fn for fn in fns if not subagent_of(str(fn.get("name")))]
        agents = [fn for fn in fns if subagent_of(str(fn.get("name")))]
        blocks = []
        if own:
            blocks.append("\n## Available Tools\nYou can use tools by including XML blocks in your response:\n"
                          + "".join(_tool_section(fn) for fn in own))
        if agents:
            blocks.append("\n## Available Sub-Agents\nYou can delegate tasks to specialized sub-agents:\n"
                          + "".join(_subagent_section(subagent_of(str(fn.get("name"))), fn.get("description"))
                                    for fn in agents))
        return "\n".join(blocks) + self.instructions

    def _render_assistant(self, message):
        content = message_content(message)
        calls = message.get("tool_calls") or ()
        if not calls:
            return content
        return (content + "\n" if content else "") + render_calls(calls)

    def _render_results(self, messages):
        return "Tool execution results:\n" + "\n\n\n\n".join(result_block(m) for m in messages)

    def _restore(self, kept, fired):
        """NexAU's rule: each of its blocks left open (more openings than closings, and the reply
        does not end with the closing tag) gets its closing tag, in NexAU's order."""
        for opening, closing in RESTORED:
            if opening in kept and not kept.rstrip().endswith(closing) and kept.count(opening) > kept.count(closing):
                kept += closing
        return kept

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
                value = value.strip()
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
                args[key] = typed_value(value.strip(), props.get(key))
            break
        return make_call(name, args, call_id(seed, index)), None

    def _check(self, message, tools):
        problems = value_problems(
            message, tools, spell=json_or_raw,
            forbidden=("</parameter>", "</tool_use>", "</parallel_tool>", "</use_parallel_tool_calls>"),
            name_forbidden=("<", "\n"), strip_names=True, strip_value=True,
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
