"""Pythonic calls (Llama 3.2/4 "pythonic" tool calling): a Python list of calls.

    [get_weather(city='Paris', days=3), search(q='café')]

Values are Python literals (``True``, ``None``, dicts, lists), so types survive without the
schema. Parsing uses :mod:`ast` (never ``eval``).
"""
from __future__ import annotations

import ast
import keyword
import re

from nexc.formats.base import ParseResult
from nexc.formats.chatml import ChatMLTextFormat
from nexc.formats.messages import dumps, message_content
from nexc.formats.parsing import call_id, json_value_problems, make_call
from nexc.formats.pyliteral import read_calls

_ADDRESS = re.compile(r" object at 0x[0-9a-fA-F]+")
_LIST_START = re.compile(r"\[\s*[A-Za-z_][A-Za-z0-9_.]*\s*\(")


def literal(value) -> str:
    """A Python literal for a JSON value (``repr``: ``'text'``, ``True``, ``None``, ``{'k': 1}``)."""
    return repr(value)


def render_calls(calls) -> str:
    """``[name(k=v, …), …]``."""
    return "[" + ", ".join(
        c["function"]["name"] + "(" + ", ".join(k + "=" + literal(v) for k, v in c["function"]["arguments"].items()) + ")"
        for c in calls
    ) + "]"


def _parse_list(src: str):
    tree = ast.parse(src.strip(), mode="eval")
    if not isinstance(tree.body, ast.List):
        raise ValueError("not a list of calls")
    out = []
    for node in tree.body.elts:
        if not isinstance(node, ast.Call) or node.args:
            raise ValueError("each element must be a call with keyword arguments")
        name = ast.unparse(node.func)
        args = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise ValueError("**kwargs are not allowed")
            args[kw.arg] = ast.literal_eval(kw.value)
        out.append((name, args))
    return out


class Pythonic(ChatMLTextFormat):
    """Pythonic tool calls."""

    name = "pythonic"
    call_end_markers = ("]",)
    template_name = "pythonic"
    description = "Pythonic: [name(k=v, …), …]"

    def _render_tools(self, tools):
        return ("# Tools\n\nYou can call these functions:\n" + dumps(list(tools))
                + "\n\nTo call functions, end your reply with a Python list of calls with keyword arguments, "
                  "e.g. [func_name1(param1=value1, param2=value2), func_name2(param=value)].")

    def _render_assistant(self, message):
        content = message_content(message)
        calls = message.get("tool_calls")
        if not calls:
            return content
        return (content + "\n" if content else "") + render_calls(calls)

    def _render_results(self, messages):
        return "\n".join(message_content(m) for m in messages)

    def _parse_fast(self, text, tools):
        if "(" not in text:
            return ParseResult(text.strip())
        m = _LIST_START.search(text)
        if not m:
            return ParseResult(text.strip())
        parsed = read_calls(text[m.start():].strip())
        if parsed is None:
            return None
        calls = [make_call(name, args, call_id(text, i)) for i, (name, args) in enumerate(parsed)]
        return ParseResult(text[:m.start()].strip(), calls, [])

    def _parse(self, text, tools):
        m = _LIST_START.search(text)
        if not m:
            return ParseResult(text.strip(), [], [])
        src = text[m.start():].strip()
        last_err = None
        for suffix in ("", "]", ")]"):
            try:
                parsed = _parse_list(src + suffix)
                break
            except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError) as exc:
                last_err = exc
        else:
            reason = _ADDRESS.sub("", str(last_err))  # ast names nodes by address: keep errors deterministic
            return ParseResult(text.strip(), [], [f"invalid pythonic call list ({reason}): {src[:200]!r}"])
        calls = [make_call(name, args, call_id(text, i)) for i, (name, args) in enumerate(parsed)]
        return ParseResult(text[:m.start()].strip(), calls, [])

    def _check(self, message, tools):
        problems = []
        if _LIST_START.search(message_content(message)):
            problems.append("content contains '[name(', which reads as a call list")
        for i, call in enumerate(message.get("tool_calls") or ()):
            name = call["function"]["name"]
            if not isinstance(name, str) or not all(p.isidentifier() for p in name.split(".")):
                problems.append(f"call {i + 1}: tool name {name!r} is not a Python name")
            for key in call["function"]["arguments"]:
                if not isinstance(key, str) or not key.isidentifier() or keyword.iskeyword(key):
                    problems.append(f"call {i + 1}: parameter {key!r} is not a keyword-argument name")
            problems += json_value_problems(call["function"]["arguments"], f"call {i + 1} arguments")
        return problems

