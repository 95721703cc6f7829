"""gpt-oss's "harmony" messages (``openai-gpt-oss-120b.jinja``).

A turn is a sequence of messages, each ``<|start|>ROLE…<|channel|>CHANNEL…<|message|>BODY`` ended
by ``<|end|>``, ``<|call|>`` (a tool call: the model stops there) or ``<|return|>`` (the last
answer). Reasoning goes to the ``analysis`` channel, the answer to ``final``, tool calls to
``commentary`` with a recipient and JSON arguments::

    <|start|>assistant<|channel|>analysis<|message|>Need the weather.<|end|>
    <|start|>assistant to=functions.get_weather<|channel|>commentary json<|message|>{"city": "Paris"}<|call|>

Tool results come back as ``<|start|>functions.get_weather to=assistant<|channel|>commentary
<|message|>"JSON string"<|end|>``, named after the last call (the template links them by that
name only). Tools are declared as a TypeScript-like ``namespace functions { … }`` in the developer
message. The template writes one call per assistant message (``single_call``): a second call of
the same message is dropped, as the template drops it.
"""
from __future__ import annotations

import re

from nexc.formats.base import Format, ParseResult, RenderError
from nexc.formats.fastpath import json_object
from nexc.formats.messages import dumps, message_content, tool_functions
from nexc.formats.parsing import call_id, json_arguments_call, json_value_problems, make_call

START, END, MESSAGE, CHANNEL = "<|start|>", "<|end|>", "<|message|>", "<|channel|>"
CALL, RETURN, CONSTRAIN = "<|call|>", "<|return|>", "<|constrain|>"
#: the special tokens no text of a turn may hold (they would end or split a message)
TOKENS = (START, END, MESSAGE, CHANNEL, CALL, RETURN, CONSTRAIN)
_TAGGED = ("<|channel|>analysis<|message|>", "<|channel|>final<|message|>")
#: the template refuses such text (it would read as a message of its own); so does nexc, saying where
_TAGGED_ERROR = ("the {} of an assistant message holds harmony channel markup (<|channel|>analysis or final "
                 "followed by <|message|>): put the reasoning text in 'thinking' (or 'reasoning_content') and the "
                 "answer text in 'content', without the markup")
_IDENTITY = "You are ChatGPT, a large language model trained by OpenAI."
_CHANNELS = "# Valid channels: analysis, commentary, final. Channel must be included for every message."
_TOOLS_CHANNEL = "\nCalls to these tools must go to the commentary channel: 'functions'."
#: gpt-oss's release day: the default ``date_string`` (the template reads the clock)
DEFAULT_DATE = "2025-08-05"
#: what the template writes before a nested property's type and a ``oneOf`` variant's default
_PROP_PAD = "\n" + " " * 16
_DEFAULT_PAD = " " * 20

#: a message header: role, recipient (``to=…`` after the role or after the channel), channel and
#: content type (``json`` or ``<|constrain|>json``); the role is empty where the prompt wrote it
_HEADER = re.compile(
    r"\s*(?P<role>(?!to=)[^\s<]*+)(?:\s*+to=(?P<to>[^\s<]++))?\s*+"
    r"(?:<\|channel\|>(?P<channel>[^\s<]*+)(?:\s++to=(?P<to2>[^\s<]++))?"
    r"(?:\s*+(?:<\|constrain\|>)?(?P<ctype>[^\s<]++))?)?\s*+"
)
#: what ``_parse_fast`` splits at, and the call header it reads
_OPEN = START + "assistant"
_FAST_HEADS = {"<|channel|>analysis": 0, "<|channel|>final": 1, "<|channel|>commentary": 1}
_TERMINATORS = frozenset((END, CALL, RETURN))
_FAST_CALL = re.compile(r"to=functions\.([^\s<]++)<\|channel\|>commentary json")
#: tool names a recipient can carry (no whitespace, no special-token bracket)
_NAME = re.compile(r"[^\s<]+")
#: the end of a message body
_TERMINATOR = re.compile(r"<\|(?:end|call|return)\|>")


def _text(value, what: str) -> str:
    """A string the template concatenates (it fails on anything else)."""
    if not isinstance(value, str):
        raise RenderError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _get(spec, key):
    """``spec.key`` as Jinja reads it from a schema (missing for anything but a dict)."""
    return spec.get(key) if isinstance(spec, dict) else None


def ts_type(spec) -> str:
    """A JSON schema as the template's TypeScript-like type (its quirks included: a nested object's
    properties each start on a new padded line, ``oneOf`` variants are listed even when they are
    objects, a variant's default follows its type after padding)."""
    kind = _get(spec, "type")
    if kind == "array":
        items = spec.get("items")
        if items:
            item_kind = _get(items, "type")
            if item_kind == "string":
                out = "string[]"
            elif item_kind in ("number", "integer"):
                out = "number[]"
            elif item_kind == "boolean":
                out = "boolean[]"
            else:
                inner = ts_type(items)
                out = "any[]" if inner == "object | object" or len(inner) > 50 else inner + "[]"
        else:
            out = "any[]"
        return out + " | null" if spec.get("nullable") else out
    if isinstance(kind, list) and kind:
        return " | ".join(map(str, kind))
    one_of = _get(spec, "oneOf")
    if one_of:
        parts = []
        for i, variant in enumerate(one_of):
            part = ts_type(variant)
            if _get(variant, "description"):
                part += "// " + _text(variant["description"], "a oneOf variant's description")
            if isinstance(variant, dict) and "default" in variant:
                part += _DEFAULT_PAD + "// default: " + dumps(variant["default"])
            parts.append(part if i == len(one_of) - 1 else part + " | \n")
        return "".join(parts)
    if kind == "string":
        enum = spec.get("enum")
        if enum:
            return '"' + '" | "'.join(map(str, enum)) + '"'
        return "string | null" if spec.get("nullable") else "string"
    if kind in ("number", "integer"):
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "object":
        props = spec.get("properties")
        if not props:
            return "object"
        required = spec.get("required") or []
        return "{\n" + ", ".join(
            name + ("" if name in required else "?") + ": " + _PROP_PAD + ts_type(sub) for name, sub in props.items()
        ) + "}"
    return "any"


def _tool_block(fn: dict) -> str:
    """One ``type NAME = (_: {…}) => any;`` declaration with its comments."""
    description = fn.get("description")
    out = "" if description is None else "// " + _text(description, "a tool's description") + "\n"
    out += "type " + _text(fn.get("name"), "a tool's name") + " = "
    params = fn.get("parameters")
    props = _get(params, "properties")
    if not props:
        return out + "() => any;\n\n"
    required = params.get("required") or []
    lines = []
    for name, spec in props.items():
        line = ""
        if _get(spec, "description"):
            line = "// " + _text(spec["description"], f"the description of {name!r}") + "\n"
        line += name + ("" if name in required else "?") + ": " + ts_type(spec)
        if isinstance(spec, dict) and "default" in spec:
            if spec.get("enum"):
                line += ", // default: " + _text(spec["default"], f"the default of enum {name!r}")
            elif spec.get("oneOf"):
                line += "// default: " + _text(spec["default"], f"the default of oneOf {name!r}")
            else:
                line += ", // default: " + dumps(spec["default"])
        lines.append(line + ",\n")
    return out + "(_: {\n" + "".join(lines) + "}) => any;\n\n"


def _thinking(message: dict):
    """The reasoning of an assistant message: the template's ``thinking`` field, else nexc's
    ``reasoning_content``; None when it has none."""
    value = message.get("thinking")
    if value is None:
        value = message.get("reasoning_content")
    return None if value is None else value if isinstance(value, str) else str(value)


def _call_message(call: dict) -> str:
    fn = call["function"]
    return ("<|start|>assistant to=functions." + fn["name"] + "<|channel|>commentary json<|message|>"
            + dumps(fn["arguments"]) + CALL)


class GptOss(Format):
    """gpt-oss (``openai-gpt-oss-120b.jinja``): harmony channels, one call per message."""

    marks_generation = True
    name = "gpt_oss"
    description = "gpt-oss harmony: <|start|>assistant to=functions.N<|channel|>commentary json<|message|>{json}<|call|>"
    matches_template = "openai-gpt-oss-120b.jinja"
    date_format = "%Y-%m-%d"
    template_name = "gpt_oss"
    stop_sequences = (CALL, RETURN)
    call_stops = (CALL,)
    closing_stops = {CALL: " to=functions."}
    single_call = True

    # ---- rendering -------------------------------------------------------------------------
    def _render_tools(self, tools):
        functions = tool_functions(tools)
        return ("# Tools\n\n## functions\n\nnamespace functions {\n\n" + "".join(map(_tool_block, functions))
                + "} // namespace functions")

    def _render_conversation(self, messages, tools, *, add_generation_prompt, date_string=DEFAULT_DATE,
                             model_identity=None, reasoning_effort=None, builtin_tools=None, marks=("", ""), **kw):
        if builtin_tools:
            raise RenderError("gpt_oss: builtin_tools (browser, python) are not supported; declare them as tools")
        o, c = marks
        out = ["<|start|>system<|message|>", _IDENTITY if model_identity is None else str(model_identity),
               "\nKnowledge cutoff: 2024-06\nCurrent date: ", str(date_string), "\n\nReasoning: ",
               "medium" if reasoning_effort is None else str(reasoning_effort), "\n\n", _CHANNELS,
               _TOOLS_CHANNEL + END if tools else END]
        loop = messages
        developer = ""
        if messages and messages[0].get("role") in ("system", "developer"):
            developer, loop = messages[0]["content"], messages[1:]
        if developer or tools:
            out.append("<|start|>developer<|message|>")
            if developer:
                out.append("# Instructions\n\n" + developer + "\n\n")
            if tools:
                out.append(self._tools_text(tools))
            out.append(END)
        # the index after which no assistant message without calls follows (analysis is kept there)
        last_final = -1
        for i, m in enumerate(loop):
            if m.get("role") == "assistant" and "tool_calls" not in m:
                last_final = i
        last = len(loop) - 1
        called = None
        for i, m in enumerate(loop):
            role = m.get("role")
            if role == "assistant":
                content = m["content"]
                thinking = _thinking(m)
                if any(t in content for t in _TAGGED):
                    raise RenderError(_TAGGED_ERROR.format("content"))
                if thinking is not None and any(t in thinking for t in _TAGGED):
                    raise RenderError(_TAGGED_ERROR.format("thinking"))
                calls = m.get("tool_calls")
                if calls:
                    if content and thinking:
                        raise RenderError("an assistant message with a tool call has both content and thinking; "
                                          "harmony has one analysis message before a call: keep one of the two")
                    fn = calls[0]["function"]
                    name = _text(fn.get("name"), "a tool call's name")
                    analysis = (content or thinking) if last_final <= i else None
                    out.append("<|start|>assistant" + o)
                    if analysis:
                        out.append("<|channel|>analysis<|message|>" + analysis + "<|end|><|start|>assistant")
                    out.append(" to=functions." + name + "<|channel|>commentary json<|message|>"
                               + dumps(fn["arguments"]) + CALL + c)
                    called = name
                elif i == last and not add_generation_prompt:
                    out.append("<|start|>assistant" + o)
                    if thinking is not None:
                        out.append("<|channel|>analysis<|message|>" + thinking + "<|end|><|start|>assistant")
                    out.append("<|channel|>final<|message|>" + content + RETURN + c)
                else:
                    out.append("<|start|>assistant" + o + "<|channel|>final<|message|>" + content + END + c)
                    called = None
            elif role == "tool":
                if called is None:
                    raise RenderError("a tool result comes before any assistant tool call (harmony names a result "
                                      "after the call it answers)")
                out.append("<|start|>functions." + called + " to=assistant<|channel|>commentary<|message|>"
                           + dumps(m["content"]) + END)
            elif role == "user":
                out.append("<|start|>user<|message|>" + m["content"] + END)
        if add_generation_prompt:
            out.append("<|start|>assistant")
        return "".join(out)

    def _render_assistant(self, message):
        """The turn as gpt-oss writes it: reasoning on ``analysis``, then either the answer on
        ``final`` (ended by ``<|return|>``) or a preamble on ``commentary`` (the content, if any)
        and the calls, one message each, ended by ``<|call|>``. Every message carries its
        ``<|start|>assistant`` header (the first one is the generation prompt in a conversation)."""
        out = []
        thinking = _thinking(message)
        if thinking is not None:
            out.append("<|start|>assistant<|channel|>analysis<|message|>" + thinking + END)
        content = message_content(message)
        calls = message.get("tool_calls")
        if not calls:
            out.append("<|start|>assistant<|channel|>final<|message|>" + content + RETURN)
            return "".join(out)
        if content:
            out.append("<|start|>assistant<|channel|>commentary<|message|>" + content + END)
        out.extend(map(_call_message, calls))
        return "".join(out)

    def _render_results(self, messages):
        return "".join("<|start|>functions." + str(m.get("name") or "tool")
                       + " to=assistant<|channel|>commentary<|message|>" + dumps(message_content(m)) + END
                       for m in messages)

    # ---- parsing ---------------------------------------------------------------------------
    def _parse_fast(self, text, tools):
        """The messages ``render_assistant`` writes (the first one's header may be the prompt's),
        each body free of ``<|`` and its JSON arguments exact; None for anything else."""
        chunks = text.split(_OPEN)
        chunks[0] = chunks[0].lstrip()
        content: list[str] = []
        reasoning: list[str] = []
        calls: list[dict] = []
        for i in range(0 if chunks[0] else 1, len(chunks)):
            chunk = chunks[i]
            if i and not chunk.startswith(CHANNEL):
                if not chunk[:1].isspace():
                    return None
                chunk = chunk.lstrip()
            head, sep, rest = chunk.partition(MESSAGE)
            if not sep:
                return None
            at = rest.find("<|")
            if at >= 0:
                if rest[at:].rstrip() not in _TERMINATORS:
                    return None
                rest = rest[:at]
            kind = _FAST_HEADS.get(head)
            if kind is None:
                name = _FAST_CALL.fullmatch(head)
                args = json_object(rest) if name else None
                if args is None:
                    return None
                calls.append(make_call(name[1], args, call_id(text, len(calls))))
            elif kind:
                rest = rest.strip()
                if rest:
                    content.append(rest)
            else:
                reasoning.append(rest)
        return ParseResult("\n".join(content), calls, [], "\n".join(reasoning) if reasoning else None)

    def _parse(self, text, tools):
        """Split the text into messages at ``<|start|>``; the first may lack its header (the prompt
        wrote ``<|start|>assistant``) or be plain text. Each message's body runs to its terminator,
        or to the end of the message when it has none (``<|call|>`` is a stop sequence, so a call
        usually arrives unterminated)."""
        content: list[str] = []
        reasoning: list[str] = []
        calls: list[dict] = []
        errors: list[str] = []
        index = 0
        for n, segment in enumerate(text.split(START)):
            head, sep, rest = segment.partition(MESSAGE)
            if not sep:  # plain text, or a header cut before its body
                if n == 0:
                    content.append(_strip_terminators(segment))
                    continue
                header = _HEADER.fullmatch(segment)
                if header is not None and header["role"] == "assistant":
                    recipient = header["to"] or header["to2"]
                    if not recipient:
                        continue  # a message being opened: nothing in it yet
                    errors.append(f"call {index + 1} ({_tool_name(recipient)}): cut before its arguments")
                    index += 1
                content.append(START + segment)
                continue
            header = _HEADER.fullmatch(head)
            if n == 0 and (header is None or header["role"] not in ("", "assistant")):  # text, then a header
                at = head.find(CHANNEL)
                if at > 0:
                    header = _HEADER.fullmatch(head, at)
                    if header is not None:
                        content.append(head[:at])
                        segment = segment[at:]
            role = header["role"] if header is not None else None
            if role != "assistant" and (n or role != ""):  # not a header, or another role's message
                content.append(START + segment if n else segment)
                continue
            found = _TERMINATOR.search(rest)
            body, after = (rest[:found.start()], rest[found.end():]) if found else (rest, "")
            recipient = header["to"] or header["to2"]
            if recipient:
                call, error = json_arguments_call(_tool_name(recipient), body, index, text, unclosed=found is None)
                index += 1
                if error:
                    errors.append(error)
                    content.append(START + segment if n else segment)
                    continue
                calls.append(call)
            elif header["channel"] == "analysis":
                reasoning.append(body)
            else:
                content.append(body)
            if after:
                content.append(_TERMINATOR.sub("", after))
        text_out = "\n".join(p for p in map(str.strip, content) if p)
        return ParseResult(text_out, calls, errors, "\n".join(reasoning) if reasoning else None)

    def _check(self, message, tools):
        problems = []
        content = message_content(message)
        thinking = _thinking(message)
        calls = message.get("tool_calls") or ()
        for where, value in (("content", content), ("reasoning", thinking or "")):
            for token in TOKENS:
                if token in value:
                    problems.append(f"{where} contains {token!r}")
        if len(calls) > 1:
            problems.append(f"{len(calls)} calls in one turn; gpt-oss writes one call per message "
                            "(its template keeps only the first)")
        if calls and content and thinking:
            problems.append("content and reasoning beside a call: gpt-oss's template takes one or the other")
        for i, call in enumerate(calls):
            name = call["function"]["name"]
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                problems.append(f"call {i + 1}: tool name {name!r} cannot be written as a recipient")
            problems += json_value_problems(call["function"]["arguments"], f"call {i + 1} arguments")
        return problems


def _strip_terminators(text: str) -> str:
    """Plain text with a stray ``<|end|>``/``<|return|>``/``<|call|>`` at its end removed."""
    text = text.rstrip()
    while True:
        found = _TERMINATOR.search(text, max(0, len(text) - 10))
        if found is None or found.end() != len(text):
            return text
        text = text[:found.start()].rstrip()


def _tool_name(recipient: str) -> str:
    """The tool a recipient names (``functions.NAME``; a bare name is taken as it is)."""
    return recipient[10:] if recipient.startswith("functions.") and len(recipient) > 10 else recipient
