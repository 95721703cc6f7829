"""Kimi-K2's special-token calls (original Kimi-K2, K2-Instruct-0905 and K2-Thinking).

    <|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"city": "Paris"}<|tool_call_end|><|tool_calls_section_end|>

Call ids are ``functions.NAME:i``: ``i`` counts calls within the message in the original
template, across the conversation in 0905 and Thinking (whose results then name the id of the
call they answer, by order).
"""  # noqa: E501 - the example is one line of special tokens
from __future__ import annotations

from nexc.formats.base import Format, ParseResult
from nexc.formats.fastpath import json_object, section_calls
from nexc.formats.messages import dumps, message_content
from nexc.formats.parsing import (
    call_id,
    collect_section_calls,
    json_arguments_call,
    json_value_problems,
    make_call,
    outside_text,
)

SECTION_BEGIN, SECTION_END = "<|tool_calls_section_begin|>", "<|tool_calls_section_end|>"
CALL_BEGIN, ARG_BEGIN, CALL_END = "<|tool_call_begin|>", "<|tool_call_argument_begin|>", "<|tool_call_end|>"
_KIMI_SYSTEM = "<|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|>"


def _args(args) -> str:
    return args if isinstance(args, str) else dumps(args)


def _fast_call(body: str, index: int, seed: str) -> dict | None:
    """:meth:`KimiK2._parse_call` for a call whose JSON arguments have no edge whitespace; None
    for anything else."""
    ident, sep, args_text = body.partition(ARG_BEGIN)
    ident = ident.strip()
    args = json_object(args_text) if sep and ident else None
    if args is None:
        return None
    name = ident.removeprefix("functions.")
    if ":" in name:
        return make_call(name.rsplit(":", 1)[0], args, ident)
    return make_call(name, args, call_id(seed, index))


class KimiK2(Format):
    """Kimi-K2 original (``moonshotai-Kimi-K2.jinja``)."""

    marks_generation = True
    name = "kimi_k2"
    variant = "original"
    variants = ("original", "0905", "thinking")
    description = "Kimi-K2: <|tool_call_begin|>functions.N:i<|tool_call_argument_begin|>{json}<|tool_call_end|>"
    matches_template = "moonshotai-Kimi-K2.jinja"
    template_name = "kimi_k2"
    stop_sequences = ("<|im_end|>",)
    call_stops = ("<|tool_calls_section_end|>",)
    closing_stops = {"<|tool_calls_section_end|>": "<|tool_calls_section_begin|>"}
    id_pattern = r"functions\.[^:]+:\d+"

    def _render_tools(self, tools):
        return "<|im_system|>tool_declare<|im_middle|>" + dumps(tools) + "<|im_end|>"

    def system_prompt_with_tools(self, system_prompt, tools):
        """Kimi declares tools in their own ``tool_declare`` turn; in text mode the JSON list
        follows the system prompt under a heading."""
        if not tools:
            return system_prompt or ""
        block = "# Tools\n\n" + dumps(list(tools))
        return f"{system_prompt}\n\n{block}" if system_prompt else block

    def _section(self, message, counter: int) -> str:
        return SECTION_BEGIN + "".join(
            CALL_BEGIN + "functions." + c["function"]["name"] + ":" + str(counter + j) + ARG_BEGIN
            + _args(c["function"]["arguments"]) + CALL_END
            for j, c in enumerate(message["tool_calls"])
        ) + SECTION_END

    def _render_conversation(self, messages, tools, *, add_generation_prompt, marks=("", ""), **kw):
        o, c = marks
        out = []
        if tools:
            out.append(self._tools_text(tools))
        headers = {"system": "<|im_system|>system<|im_middle|>", "user": "<|im_user|>user<|im_middle|>",
                   "assistant": "<|im_assistant|>assistant<|im_middle|>", "tool": "<|im_system|>tool<|im_middle|>"}
        for i, m in enumerate(messages):
            if i == 0 and m.get("role") != "system":
                out.append("<|im_system|>system<|im_middle|>You are a helpful assistant<|im_end|>")
            role = m.get("role")
            out.append(headers.get(role, ""))
            if role == "assistant":
                out.append(o + m["content"] + (self._section(m, 0) if m.get("tool_calls") else "") + "<|im_end|>" + c)
                continue
            if role == "tool":
                tid = str(m["tool_call_id"]) if "tool_call_id" in m else ""
                out.append("## Return of " + tid + "\\n" + m["content"])
            else:
                out.append(m["content"])
            out.append("<|im_end|>")
        if add_generation_prompt:
            out.append("<|im_assistant|>assistant<|im_middle|>")
        return "".join(out)

    def _render_assistant(self, message):
        content = message_content(message)
        return content + (self._section(message, 0) if message.get("tool_calls") else "")

    def _render_results(self, messages):
        return "\n".join("## Return of " + str(m.get("tool_call_id", "")) + "\n" + message_content(m) for m in messages)

    def _parse_fast(self, text, tools):
        if SECTION_BEGIN not in text:
            return ParseResult(text.strip())
        got = section_calls(text, (SECTION_BEGIN, SECTION_END), (CALL_BEGIN, CALL_END),
                            lambda body, i: _fast_call(body, i, text))
        return None if got is None else ParseResult(got[0], got[1], [])

    def _parse(self, text, tools):
        calls, errors, spans = collect_section_calls(text, (SECTION_BEGIN, SECTION_END), (CALL_BEGIN, CALL_END),
                                                     lambda body, i: self._parse_call(body, i, text))
        return ParseResult(outside_text(text, spans), calls, errors)

    @staticmethod
    def _parse_call(body, index, seed):
        ident, sep, args_text = body.partition(ARG_BEGIN)
        ident = ident.strip()
        if not sep or not ident:
            return None, f"call {index + 1}: expected ID{ARG_BEGIN}JSON, got {body[:200]!r}"
        name = ident.removeprefix("functions.")
        if ":" in name:
            name = name.rsplit(":", 1)[0]
        return json_arguments_call(name, args_text, index, seed, id_=ident if ":" in ident else None)

    def _check(self, message, tools):
        problems = []
        content = message_content(message)
        for tag in (SECTION_BEGIN, CALL_BEGIN):
            if tag in content:
                problems.append(f"content contains {tag!r}")
        for i, call in enumerate(message.get("tool_calls") or ()):
            name = call["function"]["name"]
            if not isinstance(name, str) or not name or any(t in name for t in (":", "<|", " ", "\n")):
                problems.append(f"call {i + 1}: tool name {name!r} cannot be written in a functions.N:i id")
            problems += json_value_problems(call["function"]["arguments"], f"call {i + 1} arguments")
        return problems


class KimiK2Instruct0905(KimiK2):
    """Kimi-K2-Instruct-0905 (``Kimi-K2-Instruct.jinja``): conversation-wide call counter, tool
    results named after the tool and linked by order."""

    variant = "0905"
    description = "Kimi-K2-Instruct-0905: functions.N:i ids counted across the conversation"
    matches_template = "Kimi-K2-Instruct.jinja"
    template_name = "kimi_k2_0905"

    def _role_header(self, m) -> str:
        role = m.get("role")
        name = m.get("name") or role
        if role == "user":
            return "<|im_user|>" + str(name) + "<|im_middle|>"
        if role == "assistant":
            return "<|im_assistant|>" + str(name) + "<|im_middle|>"
        return "<|im_system|>" + str(name) + "<|im_middle|>"

    def _body(self, m, state, *, thinking_prefix: str | None) -> str:
        role = m.get("role")
        parts = []
        if role == "assistant":
            if thinking_prefix is not None:
                parts.append(thinking_prefix)
            parts.append(m["content"])
            if m.get("tool_calls"):
                parts.append(self._section(m, state["counter"]))
                for c in m["tool_calls"]:
                    state["queue"].append("functions." + c["function"]["name"] + ":" + str(state["counter"]))
                    state["counter"] += 1
        elif role == "tool":
            if state["queue"]:
                tid = state["queue"].pop(0)
            else:
                tid = "functions." + str(m.get("name", "unknown")) + ":" + str(state["counter"])
            parts.append("## Return of " + tid + "\n" + m["content"])
        else:
            parts.append(m["content"])
        return "".join(parts)

    def _render_conversation(self, messages, tools, *, add_generation_prompt, marks=("", ""), **kw):
        out = []
        if tools:
            out.append(self._tools_text(tools))
        state = {"counter": 0, "queue": []}
        o, c = marks
        for i, m in enumerate(messages):
            if i == 0 and m.get("role") != "system":
                out.append(_KIMI_SYSTEM + "\n")
            out.append(self._role_header(m))
            if m.get("role") == "assistant":
                out.append(o + self._body(m, state, thinking_prefix=None) + "<|im_end|>" + c)
            else:
                out.append(self._body(m, state, thinking_prefix=None) + "<|im_end|>")
        if add_generation_prompt:
            out.append("<|im_assistant|>assistant<|im_middle|>")
        return "".join(out)

    def _render_results(self, messages):
        return "\n".join("## Return of " + str(m.get("tool_call_id", "")) + "\n" + message_content(m) for m in messages)


class KimiK2Thinking(KimiK2Instruct0905):
    """Kimi-K2-Thinking (``Kimi-K2-Thinking.jinja``): ``<think>`` reasoning, kept only after the
    split point the template computes."""

    variant = "thinking"
    description = "Kimi-K2-Thinking: <think>…</think> then K2 calls"
    matches_template = "Kimi-K2-Thinking.jinja"
    template_name = "kimi_k2_thinking"
    thinking = True

    def _render_conversation(self, messages, tools, *, add_generation_prompt, marks=("", ""), **kw):
        # The template means "the last assistant turn without calls" but its loop keeps the first.
        split = -1
        for idx in range(len(messages) - 1, -1, -1):
            m = messages[idx]
            if m.get("role") == "assistant" and not m.get("tool_calls"):
                split = idx
        out = []
        if tools:
            out.append(self._tools_text(tools))
        if not messages or messages[0].get("role") != "system":
            out.append(_KIMI_SYSTEM)
        state = {"counter": 0, "queue": []}
        o, c = marks
        for i, m in enumerate(messages):
            out.append(self._role_header(m))
            if i <= split:
                prefix = "<think></think>"
            else:
                prefix = "<think>" + str(m.get("reasoning_content", "")) + "</think>"
            if m.get("role") == "assistant":
                out.append(o + self._body(m, state, thinking_prefix=prefix) + "<|im_end|>" + c)
            else:
                out.append(self._body(m, state, thinking_prefix=prefix) + "<|im_end|>")
        if add_generation_prompt:
            out.append("<|im_assistant|>assistant<|im_middle|>")
        return "".join(out)

    def _render_assistant(self, message):
        reasoning = message.get("reasoning_content")
        head = "<think>" + str(reasoning or "") + "</think>"
        return head + super()._render_assistant(message)
