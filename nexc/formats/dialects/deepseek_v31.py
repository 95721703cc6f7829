"""DeepSeek-V3.1's special-token calls.

    <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"city": "Paris"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>

Arguments are JSON; results follow as ``<｜tool▁output▁begin｜>…<｜tool▁output▁end｜>`` and are
linked to the calls by order only.
"""
from __future__ import annotations

from nexc.formats.base import Format, ParseResult
from nexc.formats.fastpath import json_object, section_calls
from nexc.formats.messages import dumps, message_content, tool_functions
from nexc.formats.parsing import (
    call_id,
    collect_section_calls,
    json_arguments_call,
    json_value_problems,
    make_call,
    outside_text,
)

CALLS_BEGIN, CALLS_END = "<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>"
CALL_BEGIN, CALL_END, SEP = "<｜tool▁call▁begin｜>", "<｜tool▁call▁end｜>", "<｜tool▁sep｜>"
EOS = "<｜end▁of▁sentence｜>"
OUT_BEGIN, OUT_END = "<｜tool▁output▁begin｜>", "<｜tool▁output▁end｜>"


def _calls(message) -> str:
    return CALLS_BEGIN + "".join(
        CALL_BEGIN + c["function"]["name"] + SEP + dumps(c["function"]["arguments"]) + CALL_END
        for c in message["tool_calls"]
    ) + CALLS_END


def _fast_call(body: str, index: int, seed: str) -> dict | None:
    """:meth:`DeepSeekV31._parse_call` for a call whose JSON arguments have no edge whitespace;
    None for anything else."""
    name, sep, args_text = body.partition(SEP)
    name = name.strip()
    args = json_object(args_text) if sep and name else None
    return None if args is None else make_call(name, args, call_id(seed, index))


class DeepSeekV31(Format):
    """DeepSeek-V3.1 (``deepseek-ai-DeepSeek-V3.1.jinja``)."""

    marks_generation = True
    name = "deepseek_v31"
    description = "DeepSeek-V3.1: <｜tool▁call▁begin｜>N<｜tool▁sep｜>{json}<｜tool▁call▁end｜>"
    matches_template = "deepseek-ai-DeepSeek-V3.1.jinja"
    template_name = "deepseek_v31"
    stop_sequences = (EOS,)
    call_stops = (CALLS_END, OUT_BEGIN)
    closing_stops = {CALLS_END: CALLS_BEGIN}
    thinking = True

    def _render_tools(self, tools):
        # The official template declares no tools; DeepSeek's model card puts them in the system prompt.
        lines = ["## Tools", "You have access to the following tools:"]
        for fn in tool_functions(tools):
            lines.append(f"\n### {fn.get('name')}\nDescription: {fn.get('description', '')}\n\n"
                         f"Parameters: {dumps(fn.get('parameters', {}))}")
        lines.append(
            "\nIMPORTANT: ALWAYS adhere to this exact format for tool use:\n"
            f"{CALLS_BEGIN}{CALL_BEGIN}tool_call_name{SEP}tool_call_arguments{CALL_END}"
            f"{{additional_tool_calls}}{CALLS_END}\n\n"
            "Where:\n- `tool_call_name` must be an exact match to one of the available tools\n"
            "- `tool_call_arguments` must be valid JSON that strictly follows the tool's Parameters Schema\n"
            "- For multiple tool calls, chain them directly without separators or spaces"
        )
        return "\n".join(lines)

    def _render_conversation(self, messages, tools, *, add_generation_prompt,
                             bos_token="<｜begin▁of▁sentence｜>", thinking=None, enable_thinking=None,
                             marks=("", ""), **kw):
        o, c = marks
        if thinking is None:
            thinking = enable_thinking if enable_thinking is not None else False
        systems = [m["content"] for m in messages if m.get("role") == "system"]
        out = [bos_token, "\n\n".join(systems)]
        is_tool = is_last_user = False
        for m in messages:
            role = m.get("role")
            if role == "user":
                is_tool, is_last_user = False, True
                out.append("<｜User｜>" + m["content"])
            elif role == "assistant" and m.get("tool_calls"):
                if is_last_user:
                    out.append("<｜Assistant｜><think></think>")
                is_last_user = is_tool = False
                out.append(o + m["content"] + _calls(m) + EOS + c)
            elif role == "assistant":
                if is_last_user:
                    out.append("<｜Assistant｜>" + ("<think>" if m.get("prefix") and thinking else "<think></think>"))
                is_last_user = False
                content = m["content"]
                if is_tool:
                    is_tool = False
                elif "</think>" in content:
                    content = content.split("</think>", 1)[1]
                out.append(o + content + EOS + c)
            elif role == "tool":
                is_last_user, is_tool = False, True
                out.append(OUT_BEGIN + m["content"] + OUT_END)
        if add_generation_prompt and is_last_user and not is_tool:
            out.append("<｜Assistant｜>" + ("<think>" if thinking else "<think></think>"))
        return "".join(out)

    def _render_assistant(self, message):
        content = message_content(message)
        return content + (_calls(message) if message.get("tool_calls") else "")

    def _render_results(self, messages):
        return "".join(OUT_BEGIN + message_content(m) + OUT_END for m in messages)

    def _parse_fast(self, text, tools):
        if CALLS_BEGIN not in text:
            content = text.strip()
            return None if content.endswith(EOS) else ParseResult(content)
        got = section_calls(text, (CALLS_BEGIN, CALLS_END), (CALL_BEGIN, CALL_END),
                            lambda body, i: _fast_call(body, i, text))
        if got is None or got[0].endswith(EOS):
            return None
        return ParseResult(got[0], got[1], [])

    def _parse(self, text, tools):
        calls, errors, spans = collect_section_calls(text, (CALLS_BEGIN, CALLS_END), (CALL_BEGIN, CALL_END),
                                                     lambda body, i: self._parse_call(body, i, text))
        content = outside_text(text, spans)
        if content.endswith(EOS):
            content = content[: -len(EOS)].rstrip()
        return ParseResult(content, calls, errors)

    @staticmethod
    def _parse_call(body, index, seed):
        name, sep, args_text = body.partition(SEP)
        name = name.strip()
        if not sep or not name:
            return None, f"call {index + 1}: expected NAME{SEP}JSON, got {body[:200]!r}"
        return json_arguments_call(name, args_text, index, seed)

    def _check(self, message, tools):
        problems = []
        content = message_content(message)
        for tag in (CALLS_BEGIN, EOS):
            if tag in content:
                problems.append(f"content contains {tag!r}")
        for i, call in enumerate(message.get("tool_calls") or ()):
            name = call["function"]["name"]
            if not isinstance(name, str) or not name or SEP in name or name != name.strip():
                problems.append(f"call {i + 1}: tool name {name!r} cannot be written")
            problems += json_value_problems(call["function"]["arguments"], f"call {i + 1} arguments")
        return problems
