"""Mistral calls: v3 (Mistral-Nemo, a JSON list) and v11 (Mistral-Small-3.2, ``[CALL_ID]``/``[ARGS]``).

    v3:  [TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "a1B2c3D4e"}]
    v11: [TOOL_CALLS]get_weather[CALL_ID]a1B2c3D4e[ARGS]{"city": "Paris"}

Call ids are exactly 9 alphanumerics; results name the id they answer. Neither template writes a
generation prompt (the model continues after ``[/INST]`` or ``[/TOOL_RESULTS]``).
"""
from __future__ import annotations

import re

from nexc.formats.base import Format, ParseResult, RenderError
from nexc.formats.jsoncalls import decode_at
from nexc.formats.messages import dumps, message_content
from nexc.formats.parsing import call_from_object, call_id, json_value_problems, make_call

ID_RE = re.compile(r"[A-Za-z0-9]{9}")
_ALTERNATE = ("the conversation must alternate user and assistant turns after an optional system message "
              "(tool calls and results go between them)")
_BAD_ID = "a Mistral tool-call id must be exactly 9 letters or digits"
_V11_SYSTEM_HEAD = (
    'You are Mistral Small 3, a Large Language Model (LLM) created by Mistral AI, a French star'
    'tup headquartered in Paris.\nYour knowledge base was last updated on 2023-10-01. The curren'
    't date is '
)
_V11_SYSTEM_TAIL = (
    ".\n\nWhen you're not sure about some information or when the user's request requires up-to-d"
    'ate or specific data, you must use the available tools to fetch the information. Do not he'
    'sitate to use tools whenever they can provide a more accurate or complete response. If no '
    "relevant tools are available, then clearly state that you don't have the information and a"
    "void making up anything.\n\nIf the user's question is not clear, ambiguous, or does not prov"
    'ide enough context for you to accurately answer the question, you do not try to answer it '
    'right away and you rather ask the user to clarify their request (e.g. "What are some good '
    'restaurants around me?" => "Where are you?" or "When is the next flight to Tokyo" => "Wher'
    'e do you travel from?").\nYou are always very attentive to dates, and when asked about info'
    'rmation at specific dates, you discard information that is at another date.\nYou follow the'
    'se instructions in all languages, and always respond to the user in the language they use '
    'or request.\nNext sections describe the capabilities that you have.\n\n# WEB BROWSING INSTRUC'
    'TIONS\n\nYou cannot perform any web search or access internet to open URLs, links etc. If it'
    ' seems like the user is expecting you to do so, you clarify the situation and ask the user'
    ' to copy paste the text directly in the chat.\n\n# MULTI-MODAL INSTRUCTIONS\n\nYou have the ab'
    'ility to read images, but you cannot generate images. You also cannot transcribe audio fil'
    'es or videos.\nYou cannot read nor transcribe audio files or videos.\n\n# TOOL CALLING INSTRU'
    'CTIONS\n\nYou may have access to tools that you can use to fetch information or perform acti'
    'ons. You must use these tools in the following situations:\n\n1. When the request requires u'
    'p-to-date information.\n2. When the request requires specific data that you do not have in '
    'your knowledge base.\n3. When the request involves actions that you cannot perform without '
    'tools.\n\nAlways prioritize using tools to provide the most accurate and helpful response. I'
    'f tools are not available, inform the user that you cannot perform the requested action at'
    ' the moment.'
)


def _result_content(m):
    content = m.get("content")
    if isinstance(content, dict) and "content" in content:
        return content["content"]
    return content


def _check_alternation(loop, *, is_call) -> None:
    index = 0
    for m in loop:
        if not (m.get("role") in ("tool", "tool_results") or is_call(m)):
            if (m.get("role") == "user") != (index % 2 == 0):
                raise RenderError(_ALTERNATE)
            index += 1


class _MistralBase(Format):
    name = "mistral"
    variants = ("v3", "v11")
    stop_sequences = ("</s>",)
    call_stops = ("[TOOL_RESULTS]",)
    id_pattern = r"[A-Za-z0-9]{9}"
    marks_generation = True

    def _check(self, message, tools):
        problems = []
        content = message_content(message)
        if "[TOOL_CALLS]" in content:
            problems.append("content contains '[TOOL_CALLS]'")
        for i, call in enumerate(message.get("tool_calls") or ()):
            cid = call.get("id")
            if not isinstance(cid, str) or not ID_RE.fullmatch(cid):
                problems.append(f"call {i + 1}: id {cid!r} is not 9 alphanumerics")
            problems += self._name_problems(call["function"]["name"], i)
            problems += json_value_problems(call["function"]["arguments"], f"call {i + 1} arguments")
        return problems

    def _name_problems(self, name, i):
        return [] if isinstance(name, str) and name else [f"call {i + 1}: empty tool name"]


class MistralV3(_MistralBase):
    """Mistral-Nemo-Instruct-2407 (``mistralai-Mistral-Nemo-Instruct-2407.jinja``)."""

    variant = "v3"
    description = "Mistral v3 (Nemo): [TOOL_CALLS][{json call with id}, …]"
    matches_template = "mistralai-Mistral-Nemo-Instruct-2407.jinja"
    template_name = "mistral_v3"

    def _render_tools(self, tools):
        parts = []
        for tool in tools:
            fn = tool["function"]
            items = ['"' + k + '": "' + v + '"' if isinstance(v, str) else '"' + k + '": ' + dumps(v)
                     for k, v in fn.items() if k != "return"]
            parts.append('{"type": "function", "function": {' + ", ".join(items) + "}}")
        return "[AVAILABLE_TOOLS][" + ", ".join(parts) + ("]" if parts else "") + "[/AVAILABLE_TOOLS]"

    def _calls(self, message, eos_token) -> str:
        parts = []
        for c in message["tool_calls"]:
            cid = c.get("id")
            if not isinstance(cid, str) or len(cid) != 9:
                raise RenderError(_BAD_ID)
            parts.append(dumps(c["function"])[:-1] + ', "id": "' + cid + '"}')
        return "[TOOL_CALLS][" + ", ".join(parts) + "]" + eos_token

    def _render_conversation(self, messages, tools, *, add_generation_prompt, bos_token="<s>", eos_token="</s>",
                             marks=("", ""), **kw):
        o, c = marks
        system, loop = None, messages
        if messages and messages[0].get("role") == "system":
            system, loop = messages[0]["content"], messages[1:]
        users = [m for m in loop if m.get("role") == "user"]
        _check_alternation(loop, is_call=lambda m: m.get("tool_calls") is not None)
        out = [bos_token]
        n = len(loop)
        for i, m in enumerate(loop):
            role = m.get("role")
            if role == "user":
                if tools is not None and m == users[-1]:
                    out.append(self._tools_text(tools))
                if i == n - 1 and system is not None:
                    out.append("[INST]" + system + "\n\n" + m["content"] + "[/INST]")
                else:
                    out.append("[INST]" + m["content"] + "[/INST]")
            elif m.get("tool_calls") is not None:
                out.append(o + self._calls(m, eos_token) + c)
            elif role == "assistant":
                out.append(o + m["content"] + eos_token + c)
            elif role in ("tool", "tool_results"):
                tid = m.get("tool_call_id")
                if not isinstance(tid, str) or len(tid) != 9:
                    raise RenderError(_BAD_ID)
                out.append('[TOOL_RESULTS]{"content": ' + str(_result_content(m)) + ", "
                           + '"call_id": "' + tid + '"}[/TOOL_RESULTS]')
            else:
                raise RenderError("this template renders only user, assistant and tool messages after an "
                                  "optional first system message")
        return "".join(out)

    def _render_assistant(self, message):
        content = message_content(message)
        return content + (self._calls(message, "") if message.get("tool_calls") else "")

    def _render_results(self, messages):
        return "".join('[TOOL_RESULTS]{"content": ' + message_content(m) + ', "call_id": "'
                       + str(m.get("tool_call_id")) + '"}[/TOOL_RESULTS]' for m in messages)

    def _parse(self, text, tools):
        head, sep, rest = text.partition("[TOOL_CALLS]")
        if not sep:
            return ParseResult(text.strip(), [], [])
        start = len(rest) - len(rest.lstrip())
        value, end = decode_at(rest, start)
        if end < 0:
            return ParseResult(text.strip(), [], [f"invalid JSON after [TOOL_CALLS]: {rest[:200]!r}"])
        items = value if isinstance(value, list) else [value]
        calls, errors = [], []
        for index, obj in enumerate(items):
            cid = obj.get("id") if isinstance(obj, dict) else None
            call, err = call_from_object(obj, index, text, id_=cid if isinstance(cid, str) and ID_RE.fullmatch(cid) else None)
            if err:
                errors.append(err)
            else:
                calls.append(call)
        if errors:
            return ParseResult(text.strip(), [], errors)
        tail = rest[end:].strip().removesuffix("</s>").strip()
        content = "\n".join(p for p in (head.strip(), tail) if p)
        return ParseResult(content, calls, [])

    def _name_problems(self, name, i):
        from nexc.formats.parsing import safe_json_name

        return [] if safe_json_name(name) and name else [f"call {i + 1}: name {name!r} needs JSON escaping"]


class MistralV11(_MistralBase):
    """Mistral-Small-3.2-24B-Instruct-2506 (``Mistral-Small-3.2-24B-Instruct-2506.jinja``); the
    default system prompt carries a date: ``date_string`` (YYYY-MM-DD) instead of today."""

    variant = "v11"
    description = "Mistral v11 (Small 3.2): [TOOL_CALLS]N[CALL_ID]id[ARGS]{json}"
    matches_template = "Mistral-Small-3.2-24B-Instruct-2506.jinja"
    date_format = "%Y-%m-%d"
    template_name = "mistral_v11"

    def _render_tools(self, tools):
        return "[AVAILABLE_TOOLS]" + dumps(tools) + "[/AVAILABLE_TOOLS]"

    def _calls(self, message) -> str:
        parts = []
        for c in message["tool_calls"]:
            cid = c.get("id")
            parts.append("[TOOL_CALLS]" + c["function"]["name"])
            if not isinstance(cid, str) or len(cid) != 9:
                raise RenderError(_BAD_ID)
            parts.append("[CALL_ID]" + cid + "[ARGS]" + dumps(c["function"]["arguments"]))
        return "".join(parts)

    def _render_conversation(self, messages, tools, *, add_generation_prompt, bos_token="<s>", eos_token="</s>",
                             date_string="2025-06-20", marks=("", ""), **kw):
        o, c = marks
        system, loop = _V11_SYSTEM_HEAD + date_string + _V11_SYSTEM_TAIL, messages
        if messages and messages[0].get("role") == "system":
            system, loop = messages[0]["content"], messages[1:]
        users = [m for m in loop if m.get("role") == "user"]
        _check_alternation(loop, is_call=lambda m: bool(m.get("tool_calls")))
        out = [bos_token, "[SYSTEM_PROMPT]" + system + "[/SYSTEM_PROMPT]"]
        for m in loop:
            role = m.get("role")
            if role == "system":
                out.append("[SYSTEM_PROMPT]" + m["content"] + "[/SYSTEM_PROMPT]")
            elif role == "user":
                if tools is not None and m == users[-1]:
                    out.append(self._tools_text(tools))
                out.append("[INST]" + m["content"] + "[/INST]")
            elif role == "assistant":
                out.append(o + (self._calls(m) if m.get("tool_calls") else m["content"]) + eos_token + c)
            elif role in ("tool", "tool_results"):
                tid = m.get("tool_call_id")
                if not isinstance(tid, str) or len(tid) != 9:
                    raise RenderError(_BAD_ID)
                out.append("[TOOL_RESULTS]" + tid + "[TOOL_CONTENT]" + str(_result_content(m)) + "[/TOOL_RESULTS]")
            else:
                raise RenderError("this template renders only system, user, assistant and tool messages")
        return "".join(out)

    def _render_assistant(self, message):
        return message_content(message) + (self._calls(message) if message.get("tool_calls") else "")

    def _render_results(self, messages):
        return "".join("[TOOL_RESULTS]" + str(m.get("tool_call_id")) + "[TOOL_CONTENT]" + message_content(m)
                       + "[/TOOL_RESULTS]" for m in messages)

    def _parse(self, text, tools):
        pieces = text.split("[TOOL_CALLS]")
        content_parts = [pieces[0].strip()]
        calls, errors = [], []
        for index, piece in enumerate(pieces[1:]):
            head, sep, args_text = piece.partition("[ARGS]")
            if not sep:
                errors.append(f"call {index + 1}: no [ARGS] in {piece[:200]!r}")
                continue
            name, _, cid = head.partition("[CALL_ID]")
            name, cid = name.strip(), cid.strip()
            start = len(args_text) - len(args_text.lstrip())
            args, end = decode_at(args_text, start)
            if end < 0 or not isinstance(args, dict) or not name:
                errors.append(f"call {index + 1} ({name}): invalid JSON arguments: {args_text[:200]!r}")
                continue
            calls.append(make_call(name, args, cid if ID_RE.fullmatch(cid) else call_id(text, index)))
            tail = args_text[end:].strip().removesuffix("</s>").strip()
            if tail:
                content_parts.append(tail)
        if errors:
            return ParseResult(text.strip(), [], errors)
        return ParseResult("\n".join(p for p in content_parts if p), calls, [])

    def _name_problems(self, name, i):
        bad = not isinstance(name, str) or not name or name != name.strip() or any(
            t in name for t in ("[CALL_ID]", "[ARGS]", "[TOOL_CALLS]"))
        return [f"call {i + 1}: tool name {name!r} cannot be written"] if bad else []
