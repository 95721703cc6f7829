"""GLM-4.5/4.6 XML calls, and the compact GLM-4.7 variant.

    <tool_call>get_weather
    <arg_key>city</arg_key>
    <arg_value>Paris</arg_value>
    </tool_call>

GLM-4.7 writes the same tags with no newlines:
``<tool_call>get_weather<arg_key>city</arg_key><arg_value>Paris</arg_value></tool_call>``.
Strings go in raw, other values as JSON.
"""
from __future__ import annotations

import re

from nexc.formats.base import Format, ParseResult, RenderError
from nexc.formats.fastpath import VALUE, token_calls
from nexc.formats.messages import dumps, message_content
from nexc.formats.parsing import (
    call_id,
    collect_calls,
    iter_blocks,
    json_or_text,
    make_call,
    outside_text,
    parameter_schemas,
    string_params,
    typed_value,
)
from nexc.formats.xmlcommon import json_or_raw, value_problems

_TOOLS_HEAD = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
)
_FORMAT_46 = (
    "</tools>\n\nFor each function call, output the function name and arguments within the following XML "
    "format:\n<tool_call>{function-name}\n<arg_key>{arg-key-1}</arg_key>\n<arg_value>{arg-value-1}</arg_value>\n"
    "<arg_key>{arg-key-2}</arg_key>\n<arg_value>{arg-value-2}</arg_value>\n...\n</tool_call>"
)
_FORMAT_47 = (
    "</tools>\n\nFor each function call, output the function name and arguments within the following XML "
    "format:\n<tool_call>{function-name}<arg_key>{arg-key-1}</arg_key><arg_value>{arg-value-1}</arg_value>"
    "<arg_key>{arg-key-2}</arg_key><arg_value>{arg-value-2}</arg_value>...</tool_call>"
)


#: the canonical layout of both variants as tokens: a call opening (its name), an argument (key,
#: value), a call closing; only whitespace may lie between them (see ``fastpath``)
_TOKENS = re.compile(r"<tool_call>([^<>\s]+)"
                     r"|<arg_key>([^<>\s]*)</arg_key>\s*<arg_value>(" + VALUE + r")</arg_value>"
                     r"|</tool_call>")


def _split_think(content: str) -> tuple[str, str]:
    reasoning = content.split("</think>")[0].rstrip("\n").split("<think>")[-1].lstrip("\n")
    return content.split("</think>")[-1].lstrip("\n"), reasoning


class Glm45(Format):
    """GLM-4.5 / GLM-4.6 (``GLM-4.6.jinja``)."""

    marks_generation = True
    name = "glm45"
    variants = ("glm46", "glm47")
    variant = "glm46"
    description = "GLM-4.5/4.6: <tool_call>N\\n<arg_key>k</arg_key>\\n<arg_value>v</arg_value>…"
    matches_template = "GLM-4.6.jinja"
    template_name = "glm45"
    stop_sequences = ("<|user|>", "<|observation|>")
    call_stops = ("<|observation|>", "<tool_response>")
    untyped_values = True
    thinking = True
    _sep = "\n"
    _format_text = _FORMAT_46

    def _render_tools(self, tools):
        return _TOOLS_HEAD + "".join(dumps(t) + "\n" for t in tools) + self._format_text

    def _call(self, call: dict) -> str:
        fn = call["function"]
        args = fn["arguments"] or {}
        if not isinstance(args, dict):
            raise RenderError(f"Invalid tool call arguments passed: {args}")
        sep = self._sep
        return ("<tool_call>" + fn["name"] + sep
                + "".join("<arg_key>" + k + "</arg_key>" + sep + "<arg_value>" + json_or_raw(v) + "</arg_value>" + sep
                          for k, v in args.items())
                + "</tool_call>")

    def _calls(self, message) -> str:
        sep = self._sep
        return "".join(sep + self._call(c) for c in message.get("tool_calls") or ())

    def _render_conversation(self, messages, tools, *, add_generation_prompt, enable_thinking=None,
                             clear_thinking=None, marks=("", ""), **kw):
        o, c = marks
        out = ["[gMASK]<sop>"]
        if tools:
            out.append("<|system|>\n" + self._tools_text(tools))
        last_user = -1
        for i, m in enumerate(messages):
            if m.get("role") == "user":
                last_user = i
        for i, m in enumerate(messages):
            role = m.get("role")
            if role == "user":
                out.append(self._user(m["content"], enable_thinking))
            elif role == "assistant":
                content = m["content"]
                reasoning = ""
                if isinstance(m.get("reasoning_content"), str):
                    reasoning = m["reasoning_content"]
                elif "</think>" in content:
                    content, reasoning = _split_think(content)
                out.append("<|assistant|>" + o + self._assistant(content, reasoning, i > last_user, clear_thinking, m) + c)
            elif role == "tool":
                if i == 0 or messages[i - 1].get("role") != "tool":
                    out.append("<|observation|>")
                out.append(self._result(m["content"]))
            elif role == "system":
                out.append(self._system(m["content"]))
        if add_generation_prompt:
            out.append(self._generation_prompt(enable_thinking))
        return "".join(out)

    # -- the pieces that differ between GLM-4.6 and GLM-4.7 --------------------------------
    def _user(self, content, enable_thinking):
        nothink = enable_thinking is not None and not enable_thinking and not content.endswith("/nothink")
        return "<|user|>\n" + content + ("/nothink" if nothink else "")

    def _system(self, content):
        return "<|system|>\n" + content

    def _result(self, content):
        return "\n<tool_response>\n" + content + "\n</tool_response>"

    def _assistant(self, content, reasoning, after_last_user, clear_thinking, m):
        think = "\n<think>" + reasoning.strip() + "</think>" if after_last_user and reasoning else "\n<think></think>"
        body = "\n" + content.strip() if content.strip() else ""
        return think + body + self._calls(m)

    def _generation_prompt(self, enable_thinking):
        return "<|assistant|>" + ("\n<think></think>" if enable_thinking is not None and not enable_thinking else "")

    # -- text mode ---------------------------------------------------------------------------
    def _render_assistant(self, message):
        content = message_content(message).strip()
        calls = self._calls(message)
        return (content + calls) if content else calls.lstrip("\n")

    def _render_results(self, messages):
        return "".join(self._result(message_content(m)) for m in messages)

    def _parse_fast(self, text, tools):
        if "<tool_call>" not in text:
            return ParseResult(text.strip())
        found = token_calls(text, _TOKENS, string_params(tools), json_or_text)
        if found is None or "<tool_call>" in found[0]:
            return None
        return ParseResult(found[0].strip(), found[1], [])

    def _parse(self, text, tools):
        schemas = parameter_schemas(tools)
        calls, errors, spans = collect_calls(iter_blocks(text, "<tool_call>", "</tool_call>"),
                                             lambda inner, i: self._parse_block(inner, i, text, schemas))
        return ParseResult(outside_text(text, spans), calls, errors)

    @staticmethod
    def _parse_block(inner, index, seed, schemas):
        first = inner.find("<arg_key>")
        name = (inner if first < 0 else inner[:first]).strip()
        if not name or "<" in name or "\n" in name:
            return None, f"call {index + 1}: no function name in {inner[:200]!r}"
        props = schemas.get(name, {})
        args = {}
        pos = first
        while pos >= 0:
            k_end = inner.find("</arg_key>", pos)
            if k_end < 0:
                return None, f"call {index + 1} ({name}): unclosed <arg_key>"
            key = inner[pos + len("<arg_key>"):k_end].strip()
            v_start = inner.find("<arg_value>", k_end)
            if v_start < 0:
                return None, f"call {index + 1} ({name}): <arg_key>{key}</arg_key> has no <arg_value>"
            v_end = inner.find("</arg_value>", v_start)
            v_end = len(inner) if v_end < 0 else v_end
            args[key] = typed_value(inner[v_start + len("<arg_value>"):v_end], props.get(key))
            pos = inner.find("<arg_key>", v_end)
        return make_call(name, args, call_id(seed, index)), None

    def _check(self, message, tools):
        return value_problems(
            message, tools, spell=json_or_raw, forbidden=("</arg_value>", "</tool_call>"),
            name_forbidden=("<", "\n", ">"), key_forbidden=("</arg_key>", "<arg_value>", "</tool_call>"),
            strip_names=True,
            content_forbidden=("<tool_call>",),
        )


class Glm47(Glm45):
    """GLM-4.7 (``GLM-4.7-Flash.jinja``): the same tags without newlines, ``</think>`` marks turns
    without reasoning."""

    variant = "glm47"
    description = "GLM-4.7: <tool_call>N<arg_key>k</arg_key><arg_value>v</arg_value></tool_call>"
    matches_template = "GLM-4.7-Flash.jinja"
    template_name = "glm45_glm47"
    _sep = ""
    _format_text = _FORMAT_47

    def _user(self, content, enable_thinking):
        return "<|user|>" + content

    def _system(self, content):
        return "<|system|>" + content

    def _result(self, content):
        return "<tool_response>" + content + "</tool_response>"

    def _assistant(self, content, reasoning, after_last_user, clear_thinking, m):
        keep = (clear_thinking is not None and not clear_thinking) or after_last_user
        think = "<think>" + reasoning.strip() + "</think>" if keep and reasoning else "</think>"
        return think + content.strip() + self._calls(m)

    def _generation_prompt(self, enable_thinking):
        return "<|assistant|>" + ("</think>" if enable_thinking is not None and not enable_thinking else "<think>")

    def _render_assistant(self, message):
        return message_content(message).strip() + self._calls(message)
