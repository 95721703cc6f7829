"""Hermes-style JSON calls in ``<tool_call>`` tags: Qwen2.5, Qwen3 and NousResearch Hermes-3.

    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call>

Tool results of consecutive ``tool`` messages are merged into one turn (``user`` for Qwen,
``tool`` for Hermes-3) and linked to the calls by order only.
"""
from __future__ import annotations

from nexc.formats.base import Format, ParseResult, RenderError
from nexc.formats.fastpath import SCAN, content_of, split_closed
from nexc.formats.messages import dumps, message_content, tool_functions
from nexc.formats.parsing import (
    call_from_object,
    iter_blocks,
    json_value_problems,
    outside_text,
    parse_json_call,
    safe_json_name,
)

_QWEN_TOOLS_HEAD = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
_QWEN_TOOLS_TAIL = (
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments "
    "within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, "
    "\"arguments\": <args-json-object>}\n</tool_call>"
)
_QWEN25_DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."


def _call_json(call: dict) -> str:
    fn = call["function"]
    args = fn["arguments"]
    return '{"name": "' + str(fn["name"]) + '", "arguments": ' + (args if isinstance(args, str) else dumps(args)) + "}"


class _HermesBase(Format):
    name = "hermes"
    variants = ("qwen3", "qwen2.5", "hermes3")
    stop_sequences = ("<|im_end|>",)
    call_stops = ("<tool_response>",)
    marks_generation = True

    def _render_tools(self, tools):
        return _QWEN_TOOLS_HEAD + "".join("\n" + dumps(t) for t in tools) + _QWEN_TOOLS_TAIL

    def _render_assistant(self, message):
        content = message_content(message)
        calls = message.get("tool_calls") or ()
        blocks = "\n".join("<tool_call>\n" + _call_json(c) + "\n</tool_call>" for c in calls)
        if content and blocks:
            return content + "\n" + blocks
        return content or blocks

    def _render_results(self, messages):
        return "\n".join("<tool_response>\n" + message_content(m) + "\n</tool_response>" for m in messages)

    def _parse_fast(self, text, tools):
        if "<tool_call>" not in text:
            return ParseResult(text.strip())
        split = split_closed(text, "<tool_call>", "</tool_call>")
        if split is None:
            return None
        calls = []
        for inner, _ in split[1]:
            # the general parser decodes inner.strip(); here a block is "\n{…}\n" or "{…}"
            start = 1 if inner[:1] == "\n" else 0
            try:
                obj, end = SCAN(inner, start)
            except (StopIteration, ValueError):
                return None
            if inner[end:].strip():
                return None
            call, err = call_from_object(obj, len(calls), text)
            if err:
                return None
            calls.append(call)
        return ParseResult(content_of(*split), calls, [])

    def _parse(self, text, tools):
        calls, errors, spans = [], [], []
        for index, (start, end, inner, closed) in enumerate(iter_blocks(text, "<tool_call>", "</tool_call>")):
            spans.append((start, end))
            call, err = parse_json_call(inner.strip(), index, text)
            if err:
                errors.append(err + ("" if closed else " (unclosed block)"))
                spans.pop()
            else:
                calls.append(call)
        return ParseResult(outside_text(text, spans), calls, errors)

    def _check(self, message, tools):
        problems = []
        content = message_content(message)
        for tag in ("<tool_call>", "</tool_call>"):
            if tag in content:
                problems.append(f"content contains {tag!r}")
        for i, call in enumerate(message.get("tool_calls") or ()):
            fn = call["function"]
            if not safe_json_name(fn["name"]):
                problems.append(f"call {i + 1}: name {fn['name']!r} needs JSON escaping")
            problems += json_value_problems(fn["arguments"], f"call {i + 1} arguments")
        return problems


def _tool_block(tools_text: str, *, default_system: str | None, system: str | None) -> str:
    if system is None and default_system is None:
        head = ""
    else:
        head = (system if system is not None else default_system) + "\n\n"
    return "<|im_start|>system\n" + head + tools_text + "<|im_end|>\n"


def _tool_turn(messages, i, out, role="user"):
    """Qwen tool results: one turn for a run of tool messages."""
    if i == 0 or messages[i - 1].get("role") != "tool":
        out.append("<|im_start|>" + role)
    out.append("\n<tool_response>\n" + message_content(messages[i]) + "\n</tool_response>")
    if i == len(messages) - 1 or messages[i + 1].get("role") != "tool":
        out.append("<|im_end|>\n")


class HermesQwen25(_HermesBase):
    """Qwen2.5-Instruct's template."""

    variant = "qwen2.5"
    description = "Qwen2.5: Hermes JSON calls, default Qwen system prompt"
    matches_template = "Qwen-Qwen2.5-7B-Instruct.jinja"
    template_name = "hermes_qwen2.5"

    def _render_conversation(self, messages, tools, *, add_generation_prompt, marks=("", ""), **kw):
        o, c = marks
        out = []
        first_system = messages[0]["content"] if messages and messages[0].get("role") == "system" else None
        if tools:
            out.append(_tool_block(self._tools_text(tools), default_system=_QWEN25_DEFAULT_SYSTEM, system=first_system))
        elif first_system is not None:
            out.append("<|im_start|>system\n" + first_system + "<|im_end|>\n")
        else:
            out.append("<|im_start|>system\n" + _QWEN25_DEFAULT_SYSTEM + "<|im_end|>\n")
        for i, m in enumerate(messages):
            role = m.get("role")
            calls = m.get("tool_calls")
            if role == "user" or (role == "system" and i != 0):
                out.append("<|im_start|>" + role + "\n" + m["content"] + "<|im_end|>\n")
            elif role == "assistant":
                content = m["content"]
                out.append("<|im_start|>assistant\n" + o + content)
                for j, call in enumerate(calls or ()):
                    out.append(("\n<tool_call>\n" if content or j else "<tool_call>\n") + _call_json(call)
                               + "\n</tool_call>")
                out.append("<|im_end|>" + c + "\n")
            elif role == "tool":
                _tool_turn(messages, i, out)
        if add_generation_prompt:
            out.append("<|im_start|>assistant\n")
        return "".join(out)


def _split_think(content: str) -> tuple[str, str]:
    """Qwen3's reading of ``<think>…</think>`` at the start of an assistant message."""
    reasoning = content.split("</think>")[0].rstrip("\n").split("<think>")[-1].lstrip("\n")
    return content.split("</think>")[-1].lstrip("\n"), reasoning


class HermesQwen3(_HermesBase):
    """Qwen3's template (thinking kept only after the last user query)."""

    variant = "qwen3"
    description = "Qwen3: Hermes JSON calls, <think> reasoning after the last query"
    matches_template = "Qwen-Qwen3-0.6B.jinja"
    template_name = "hermes_qwen3"
    thinking = True

    def _render_conversation(self, messages, tools, *, add_generation_prompt, enable_thinking=None,
                             marks=("", ""), **kw):
        o, mark_close = marks
        out = []
        first_system = messages[0]["content"] if messages and messages[0].get("role") == "system" else None
        if tools:
            out.append("<|im_start|>system\n" + (first_system + "\n\n" if first_system is not None else "")
                       + self._tools_text(tools)
                       + "<|im_end|>\n")
        elif first_system is not None:
            out.append("<|im_start|>system\n" + first_system + "<|im_end|>\n")
        last_query = len(messages) - 1
        for idx in range(len(messages) - 1, -1, -1):
            m = messages[idx]
            c = m["content"]
            if m.get("role") == "user" and not (c.startswith("<tool_response>") and c.endswith("</tool_response>")):
                last_query = idx
                break
        n = len(messages)
        for i, m in enumerate(messages):
            role = m.get("role")
            if role == "user" or (role == "system" and i != 0):
                out.append("<|im_start|>" + role + "\n" + m["content"] + "<|im_end|>\n")
            elif role == "assistant":
                content = m["content"]
                reasoning = ""
                if m.get("reasoning_content") is not None:
                    reasoning = m["reasoning_content"]
                elif "</think>" in content:
                    content, reasoning = _split_think(content)
                if i > last_query and (i == n - 1 or reasoning):
                    out.append("<|im_start|>assistant\n" + o + "<think>\n" + reasoning.strip("\n")
                               + "\n</think>\n\n" + content.lstrip("\n"))
                else:
                    out.append("<|im_start|>assistant\n" + o + content)
                for j, c in enumerate(m.get("tool_calls") or ()):
                    if j or content:
                        out.append("\n")
                    out.append("<tool_call>\n" + _call_json(c) + "\n</tool_call>")
                out.append("<|im_end|>" + mark_close + "\n")
            elif role == "tool":
                _tool_turn(messages, i, out)
        if add_generation_prompt:
            out.append("<|im_start|>assistant\n")
            if enable_thinking is False:
                out.append("<think>\n\n</think>\n\n")
        return "".join(out)


_HERMES3_HEAD = (
    "<|im_start|>system\nYou are a function calling AI model. You are provided with function signatures "
    "within <tools></tools> XML tags. You may call one or more functions to assist with the user query. "
    "Don't make assumptions about what values to plug into functions. Here are the available tools: <tools> "
)
_HERMES3_TAIL = (
    " </tools>Use the following pydantic model json schema for each tool call you will make: "
    '{"properties": {"name": {"title": "Name", "type": "string"}, "arguments": {"title": "Arguments", '
    '"type": "object"}}, "required": ["name", "arguments"], "title": "FunctionCall", "type": "object"}}\n'
    "For each function call return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags as follows:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-dict>}\n</tool_call><|im_end|>\n'
)
_PY_TYPES = {"string": "str", "number": "float", "integer": "int", "boolean": "bool"}


def _python_type(spec, depth=0) -> str:
    """Hermes-3's ``json_to_python_type`` macro, quirks included (arrays read as
    ``list[Union[]]``: the macro passes ``spec|items`` on)."""
    if depth > 50:
        raise RenderError("Hermes-3 template recursion on a JSON schema type")
    kind = spec.get("type") if isinstance(spec, dict) else None
    has_type = isinstance(spec, dict) and "type" in spec
    if has_type and isinstance(kind, str) and kind in _PY_TYPES:
        return _PY_TYPES[kind]
    if has_type and kind == "array":
        return "list[Union[]]"
    if has_type and kind == "object":
        if "additionalProperties" in spec:
            return "dict[str, " + _python_type(spec["additionalProperties"], depth + 1) + "]"
        return "dict"
    if not has_type:
        return "Union[]"
    if isinstance(kind, str):
        raise RenderError(f"Hermes-3 template cannot render JSON schema type {kind!r} (infinite recursion)")
    if isinstance(kind, (list, dict)):
        return "Union[" + ",".join(_python_type({"type": t}, depth + 1) for t in kind) + "]"
    return "Any"


def _hermes3_tool(fn: dict) -> str:
    params = fn.get("parameters") or {}
    props = params.get("properties") or {}
    name = str(fn["name"])
    if "description" not in fn:
        raise RenderError(f"Hermes-3 template needs a description for tool {name!r}")
    parts = ['{"type": "function", "function": {"name": "', name, '", "description": "', name, "("]
    parts.append(", ".join(k + ": " + _python_type(v) for k, v in props.items()))
    parts.append(")")
    if "return" in fn:
        parts.append(" -> " + _python_type(fn["return"]))
    parts.append(" - " + str(fn["description"]) + "\n\n")
    if props:
        parts.append("    Args:\n")
        for k, v in props.items():
            desc = v.get("description", "") if isinstance(v, dict) else ""
            parts.append("        " + k + "(" + _python_type(v) + "): " + str(desc).strip())
    ret = fn.get("return")
    if isinstance(ret, dict) and "description" in ret:
        parts.append("\n    Returns:\n        " + str(ret["description"]))
    parts.append('", "parameters": ')
    parts.append("{}" if len(props) == 0 else dumps(params))
    parts.append("}")
    return "".join(parts)


class HermesHermes3(_HermesBase):
    """NousResearch Hermes-3 (Llama 3.1) tool-use template."""

    variant = "hermes3"
    description = "Hermes-3: Hermes JSON calls, tool results in a 'tool' turn"
    matches_template = "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja"
    template_name = "hermes_hermes3"

    def _render_tools(self, tools):
        return _HERMES3_HEAD + "\n".join(_hermes3_tool(fn) for fn in tool_functions(tools)) + _HERMES3_TAIL

    def _render_conversation(self, messages, tools, *, add_generation_prompt, bos_token="<|begin_of_text|>",
                             marks=("", ""), **kw):
        o, c = marks
        out = [bos_token, self._tools_text(tools or [])]
        n = len(messages)
        for i, m in enumerate(messages):
            role = m.get("role")
            if role in ("user", "system"):
                out.append("<|im_start|>" + role + "\n" + m["content"] + "<|im_end|>\n")
            elif role == "assistant" and "tool_calls" not in m:
                out.append("<|im_start|>assistant\n" + o + m["content"] + "<|im_end|>" + c + "\n")
            elif role == "assistant":
                out.append("<|im_start|>assistant\n" + o
                           + "\n".join("<tool_call>\n" + _call_json(call) + "\n</tool_call>" for call in m["tool_calls"])
                           + "<|im_end|>" + c + "\n")
            elif role == "tool":
                if i > 0 and messages[i - 1].get("role") != "tool":
                    out.append("<|im_start|>tool\n")
                last = i == n - 1
                out.append("<tool_response>\n" + m["content"] + ("\n</tool_response>" if last else "\n</tool_response>\n"))
                if last or messages[i + 1].get("role") != "tool":
                    out.append("<|im_end|>")
        if add_generation_prompt:
            out.append("<|im_start|>assistant\n")
        return "".join(out)

    def system_prompt_with_tools(self, system_prompt, tools):
        if not tools:
            return system_prompt or ""
        block = self._render_tools(tools)
        block = block.removeprefix("<|im_start|>system\n").removesuffix("<|im_end|>\n")
        return f"{system_prompt}\n\n{block}" if system_prompt else block
