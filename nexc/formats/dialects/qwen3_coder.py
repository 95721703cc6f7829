"""Qwen3-Coder's XML calls.

    <tool_call>
    <function=get_weather>
    <parameter=city>
    Paris
    </parameter>
    </function>
    </tool_call>

Values are written raw: strings as they are, objects and arrays as JSON, other scalars with
Python ``str()`` (``True``, ``None``, ``1.5``). Consecutive tool results are merged into one
``user`` turn, linked to the calls by order only.
"""
from __future__ import annotations

import re
from typing import Any

from nexc.formats.base import Format, ParseResult
from nexc.formats.fastpath import token_calls
from nexc.formats.messages import dumps, message_content, tool_functions
from nexc.formats.parsing import (
    call_id,
    collect_calls,
    iter_blocks,
    literal_or_json,
    make_call,
    outside_text,
    parameter_schemas,
    string_params,
    typed_value,
)
from nexc.formats.xmlcommon import value_problems

_DEFAULT_SYSTEM = "You are Qwen, a helpful AI assistant that can interact with a computer to solve tasks."
_INSTRUCTIONS = (
    "\n\nIf you choose to call a tool ONLY reply in the following format with NO suffix:\n\n<tool_call>\n"
    "<function=example_function_name>\n<parameter=example_parameter_1>\nvalue_1\n</parameter>\n"
    "<parameter=example_parameter_2>\nvalue_2\n</parameter>\n</function>\n</tool_call>\n\n<IMPORTANT>\n"
    "Reminder:\n- Function calls MUST follow the specified format: the tool calling block MUST begin with "
    "an opening <tool_call> tag and end with a closing </tool_call> tag.\n- Required parameters MUST be "
    "specified\n- You may provide optional reasoning for your function call in natural language BEFORE the "
    "function call, but NOT after\n- If there is no function call available, answer the question like normal "
    "with your current knowledge and do not tell the user about function calls\n</IMPORTANT>"
)


def spell(value: Any) -> str:
    """How the template writes an argument value."""
    if isinstance(value, (dict, list, tuple)):
        return dumps(value)
    return value if isinstance(value, str) else str(value)


def _extra_keys(obj: Any, handled: tuple[str, ...]) -> str:
    if not isinstance(obj, dict):
        return ""
    return "".join(
        "\n<" + k + ">" + spell(v) + "</" + k + ">" for k, v in obj.items() if k not in handled
    )


def _tool(fn: dict) -> str:
    parts = ["\n<function>\n<name>", str(fn.get("name")), "</name>"]
    if "description" in fn:
        parts.append("\n<description>" + str(fn["description"]).strip() + "</description>")
    parts.append("\n<parameters>")
    params = fn.get("parameters")
    if isinstance(params, dict) and isinstance(params.get("properties"), dict):
        for pname, pf in params["properties"].items():
            parts.append("\n<parameter>\n<name>" + pname + "</name>")
            if isinstance(pf, dict) and "type" in pf:
                parts.append("\n<type>" + str(pf["type"]) + "</type>")
            if isinstance(pf, dict) and "description" in pf:
                parts.append("\n<description>" + str(pf["description"]).strip() + "</description>")
            parts.append(_extra_keys(pf, ("name", "type", "description")))
            parts.append("\n</parameter>")
    parts.append(_extra_keys(params, ("type", "properties")))
    parts.append("\n</parameters>")
    parts.append(_extra_keys(fn, ("type", "name", "description", "parameters")))
    parts.append("\n</function>")
    return "".join(parts)


def _call(call: dict) -> str:
    fn = call["function"]
    return ("<tool_call>\n<function=" + fn["name"] + ">\n"
            + "".join("<parameter=" + k + ">\n" + spell(v) + "\n</parameter>\n" for k, v in fn["arguments"].items())
            + "</function>\n</tool_call>")


#: the canonical layout as tokens: a call opening (its name), a parameter (key, value with the
#: template's newlines cut), a call closing. Names and keys hold no ``<``, ``>`` or whitespace;
#: values hold no ``</`` (so no close tag of any kind) and end before the template's newline.
#: Between tokens :meth:`Qwen3Coder._parse_fast` allows only whitespace, which ``_parse``
#: ignores inside a block and strips outside one: on such text both read the same calls.
_TOKENS = re.compile(
    r"<tool_call>\n<function=([^<>\s]*)>\n"
    r"|<parameter=([^<>\s]*)>\n((?:[^<\n]++|\n(?!</)|<(?!/|parameter=|function=))*+)\n</parameter>\n"
    r"|</function>\n</tool_call>")
class Qwen3Coder(Format):
    """Qwen3-Coder (``Qwen3-Coder.jinja``)."""

    marks_generation = True
    name = "qwen3_coder"
    description = "Qwen3-Coder: <tool_call><function=N><parameter=k>v</parameter>…"
    matches_template = "Qwen3-Coder.jinja"
    template_name = "qwen3_coder"
    stop_sequences = ("<|im_end|>",)
    call_stops = ("<tool_response>",)
    untyped_values = True

    def _render_tools(self, tools):
        return ("# Tools\n\nYou have access to the following tools:\n\n<tools>"
                + "".join(_tool(fn) for fn in tool_functions(tools)) + "\n</tools>" + _INSTRUCTIONS)

    def _render_conversation(self, messages, tools, *, add_generation_prompt, marks=("", ""), **kw):
        o, c = marks
        out = []
        loop = messages
        system = None
        if messages and messages[0].get("role") == "system":
            system, loop = messages[0]["content"], messages[1:]
        if system is not None:
            out.append("<|im_start|>system\n" + system)
        elif tools:
            out.append("<|im_start|>system\n" + _DEFAULT_SYSTEM)
        if tools:
            out.append("\n\n" + self._tools_text(tools))
        if system is not None or tools:
            out.append("<|im_end|>\n")
        n = len(loop)
        for i, m in enumerate(loop):
            role = m.get("role")
            if role == "assistant" and m.get("tool_calls"):
                content = m["content"].strip()
                out.append("<|im_start|>assistant\n" + o + (content + "\n\n" if content else "")
                           + "\n".join(_call(call) for call in m["tool_calls"]) + "<|im_end|>" + c + "\n")
            elif role == "assistant":
                out.append("<|im_start|>assistant\n" + o + m["content"] + "<|im_end|>" + c + "\n")
            elif role == "tool":
                if i > 0 and loop[i - 1].get("role") != "tool":
                    out.append("<|im_start|>user\n")
                out.append("<tool_response>\n" + m["content"] + "\n</tool_response>\n")
                if i == n - 1 or loop[i + 1].get("role") != "tool":
                    out.append("<|im_end|>\n")
            else:
                out.append("<|im_start|>" + str(role) + "\n" + m["content"] + "<|im_end|>\n")
        if add_generation_prompt:
            out.append("<|im_start|>assistant\n")
        return "".join(out)

    def _render_assistant(self, message):
        content = message_content(message).strip()
        calls = "\n".join(_call(c) for c in message.get("tool_calls") or ())
        if content and calls:
            return content + "\n\n" + calls
        return content or calls

    def _render_results(self, messages):
        return "".join("<tool_response>\n" + message_content(m) + "\n</tool_response>\n" for m in messages)

    def _parse_fast(self, text, tools):
        if "<tool_call>" not in text:
            return None if "<function=" in text else ParseResult(text.strip())
        found = token_calls(text, _TOKENS, string_params(tools), literal_or_json)
        if found is None or "<tool_call>" in found[0]:
            return None
        return ParseResult(found[0].strip(), found[1], [])

    def _parse(self, text, tools):
        schemas = parameter_schemas(tools)
        blocks = list(iter_blocks(text, "<tool_call>", "</tool_call>"))
        if not blocks:  # models sometimes drop the <tool_call> wrapper
            blocks = [(s, e, text[s:e], c) for s, e, _, c in iter_blocks(text, "<function=", "</function>")]
        calls, errors, spans = collect_calls(blocks, lambda inner, i: self._parse_block(inner, i, text, schemas))
        return ParseResult(outside_text(text, spans), calls, errors)

    @staticmethod
    def _parse_block(inner: str, index: int, seed: str, schemas: dict):
        start = inner.find("<function=")
        if start < 0:
            return None, f"call {index + 1}: no <function=NAME> in {inner[:200]!r}"
        name_end = inner.find(">", start)
        if name_end < 0:
            return None, f"call {index + 1}: unterminated <function= tag"
        name = inner[start + len("<function="):name_end].strip()
        body_end = inner.find("</function>", name_end)
        body = inner[name_end + 1: body_end if body_end >= 0 else len(inner)]
        props = schemas.get(name, {})
        args: dict[str, Any] = {}
        pos = 0
        while True:
            p = body.find("<parameter=", pos)
            if p < 0:
                break
            key_end = body.find(">", p)
            if key_end < 0:
                return None, f"call {index + 1} ({name}): unterminated <parameter= tag"
            key = body[p + len("<parameter="):key_end].strip()
            v_end = body.find("</parameter>", key_end)
            if v_end < 0:
                nxt = body.find("<parameter=", key_end)
                v_end = nxt if nxt >= 0 else len(body)
                pos = v_end
            else:
                pos = v_end + len("</parameter>")
            value = body[key_end + 1:v_end]
            if value.startswith("\n"):
                value = value[1:]
            if value.endswith("\n"):
                value = value[:-1]
            args[key] = typed_value(value, props.get(key), python_literals=True)
        return make_call(name, args, call_id(seed, index)), None

    def _check(self, message, tools):
        return value_problems(
            message, tools, spell=spell, forbidden=("</parameter>", "<parameter=", "</function>", "</tool_call>"),
            name_forbidden=(">", "\n", "<"), key_forbidden=(">", "\n", "<"), strip_names=True,
            content_forbidden=("<tool_call>", "<function="), python_literals=True,
        )
