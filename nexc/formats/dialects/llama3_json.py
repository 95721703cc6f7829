"""Llama 3.1 / 3.2 JSON calls: the whole assistant turn is one JSON object.

    {"name": "get_weather", "parameters": {"city": "Paris"}}

One call per turn. Tools are declared in the first user message (``tools_in_user_message``,
the default) or in the system prompt; results come back in an ``ipython`` turn.
"""
from __future__ import annotations

from nexc.formats.base import Format, ParseResult, RenderError
from nexc.formats.jsoncalls import find_call_objects
from nexc.formats.messages import dumps, dumps_indent4, message_content
from nexc.formats.parsing import call_from_object, json_value_problems, outside_text, safe_json_name

_RESPOND = ('Respond in the format {"name": function name, "parameters": dictionary of argument name and its '
            'value}.Do not use variables.\n\n')
_IN_USER = ("Given the following functions, please respond with a JSON for a function call with its proper "
            "arguments that best answers the given prompt.\n\n")
_IN_SYSTEM = "You have access to the following functions. To call a function, please respond with JSON for a function call."
_HEADER = "<|start_header_id|>{}<|end_header_id|>\n\n"


def _call_json(call) -> str:
    fn = call["function"]
    return '{"name": "' + fn["name"] + '", "parameters": ' + dumps(fn["arguments"]) + "}"


class Llama31(Format):
    """Llama 3.1 (``meta-llama-Llama-3.1-8B-Instruct.jinja``)."""

    marks_generation = True
    name = "llama3_json"
    variant = "3.1"
    variants = ("3.1", "3.2")
    description = 'Llama 3.1: {"name": N, "parameters": {…}} as the whole turn'
    matches_template = "meta-llama-Llama-3.1-8B-Instruct.jinja"
    template_name = "llama3_json_3.1"
    stop_sequences = ("<|eot_id|>", "<|eom_id|>")
    single_call = True
    _builtin = True

    def _render_tools(self, tools):
        return _IN_SYSTEM + _RESPOND + "".join(dumps_indent4(t) + "\n\n" for t in tools)

    def system_prompt_with_tools(self, system_prompt, tools):
        if not tools:
            return system_prompt or ""
        block = self._render_tools(tools).rstrip("\n")
        return f"{system_prompt}\n\n{block}" if system_prompt else block

    def _render_conversation(self, messages, tools, *, add_generation_prompt, bos_token="<|begin_of_text|>",
                             custom_tools=None, tools_in_user_message=True, date_string="26 Jul 2024",
                             builtin_tools=None, marks=("", ""), **kw):
        o, c = marks
        if custom_tools is not None:
            tools = custom_tools
        if not self._builtin:
            builtin_tools = None
        out = [bos_token]
        system = ""
        if messages and messages[0].get("role") == "system":
            system, messages = messages[0]["content"].strip(), messages[1:]
        out.append(_HEADER.format("system"))
        if builtin_tools is not None or tools is not None:
            out.append("Environment: ipython\n")
        if builtin_tools is not None:
            out.append("Tools: " + ", ".join(t for t in builtin_tools if t != "code_interpreter") + "\n\n")
        out.append("Cutting Knowledge Date: December 2023\nToday Date: " + date_string + "\n\n")
        if tools is not None and not tools_in_user_message:
            out.append(self._tools_text(tools))
        out.append(system + "<|eot_id|>")
        if tools_in_user_message and tools is not None:
            if not messages:
                raise RenderError("tools go in the first user message, and this conversation has none")
            first, messages = messages[0]["content"].strip(), messages[1:]
            out.append(_HEADER.format("user") + _IN_USER + _RESPOND
                       + "".join(dumps_indent4(t) + "\n\n" for t in tools) + first + "<|eot_id|>")
        for m in messages:
            role = m.get("role")
            if role == "assistant" and "tool_calls" not in m:
                out.append(_HEADER.format(role) + o + m["content"].strip() + "<|eot_id|>" + c)
            elif not (role in ("ipython", "tool") or "tool_calls" in m):
                out.append(_HEADER.format(role) + m["content"].strip() + "<|eot_id|>")
            elif "tool_calls" in m:
                if len(m["tool_calls"]) != 1:
                    raise RenderError("Llama 3 writes one tool call per assistant turn; this turn has several")
                fn = m["tool_calls"][0]["function"]
                out.append(_HEADER.format("assistant") + o)
                if builtin_tools is not None and fn["name"] in builtin_tools:
                    out.append("<|python_tag|>" + fn["name"] + ".call("
                               + ", ".join(k + '="' + v + '"' for k, v in fn["arguments"].items()) + ")")
                else:
                    out.append(_call_json(m["tool_calls"][0]))
                out.append(("<|eom_id|>" if builtin_tools is not None else "<|eot_id|>") + c)
            else:
                out.append(_HEADER.format("ipython") + dumps(m["content"]) + "<|eot_id|>")
        if add_generation_prompt:
            out.append(_HEADER.format("assistant"))
        return "".join(out)

    def _render_assistant(self, message):
        content = message_content(message).strip()
        calls = "\n".join(_call_json(c) for c in message.get("tool_calls") or ())
        if content and calls:
            return content + "\n\n" + calls
        return content or calls

    def _render_results(self, messages):
        return "\n".join(dumps(message_content(m)) for m in messages)

    def _parse(self, text, tools):
        body = text.replace("<|python_tag|>", "")
        calls, errors, spans = [], [], []
        for index, (start, end, obj, raw) in enumerate(find_call_objects(body)):
            if obj is None:
                errors.append(f"call {index + 1}: invalid JSON: {raw[:200]!r}")
                continue
            call, err = call_from_object(obj, index, body, args_keys=("parameters", "arguments"))
            if err:
                errors.append(err)
            else:
                calls.append(call)
                spans.append((start, end))
        content = outside_text(body, spans)
        if spans:
            content = content.strip(";").strip()
        return ParseResult(content, calls, errors)

    def _check(self, message, tools):
        problems = []
        calls = message.get("tool_calls") or ()
        if len(calls) > 1:
            problems.append(f"{len(calls)} calls in one turn; Llama 3 writes one call per turn")
        if '{"name"' in message_content(message):
            problems.append('content contains {"name", which reads as a call')
        for i, call in enumerate(calls):
            if not safe_json_name(call["function"]["name"]):
                problems.append(f"call {i + 1}: name {call['function']['name']!r} needs JSON escaping")
            problems += json_value_problems(call["function"]["arguments"], f"call {i + 1} arguments")
        return problems


class Llama32(Llama31):
    """Llama 3.2 (``meta-llama-Llama-3.2-3B-Instruct.jinja``): no built-in tools; the official
    template dates the system prompt with today's date, nexc with ``date_string``."""

    variant = "3.2"
    description = 'Llama 3.2: {"name": N, "parameters": {…}} as the whole turn'
    matches_template = "meta-llama-Llama-3.2-3B-Instruct.jinja"
    date_format = "%d %b %Y"
    template_name = "llama3_json_3.2"
    stop_sequences = ("<|eot_id|>",)
    _builtin = False
