"""Rules on tool calls and their results: ``unknown-tool``, ``invalid-arguments``, ``unanswered-error``,
``placeholder-output``, ``long-tool-output``.

A call is checked against the tools offered in the request of the record whose reply made it; arguments
against that tool's JSON Schema (validators are built once per distinct schema).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

from nexc.gap.filter.model import Finding, Run, Step, calls_of, short
from nexc.gap.filter.registry import Config, rule


def _tool_schemas(rec: dict) -> dict[str, dict] | None:
    """name → parameters schema of the record's tools (None: the record lists no tools at all)."""
    tools = rec.get("tools")
    if not isinstance(tools, list):
        return None
    out = {}
    for t in tools:
        fn = t.get("function") if isinstance(t, dict) and isinstance(t.get("function"), dict) else t
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            out[fn["name"]] = fn.get("parameters") if isinstance(fn.get("parameters"), dict) else {}
    return out


def _calls(st: Step):
    for c in calls_of(st.message_dict):
        fn = c.get("function")
        if isinstance(fn, dict):
            yield c, str(fn.get("name") or ""), fn.get("arguments")


def _schemas(run: Run):
    cache: dict[int, dict | None] = run.memo.setdefault("tool_schemas", {})

    def get(i: int):
        if i not in cache:
            cache[i] = _tool_schemas(run.records[i])
        return cache[i]
    return get


@rule("unknown-tool", "NEX822", "A call names a tool the agent was not offered.")
def unknown_tool(run: Run, cfg: Config):
    schemas = _schemas(run)
    for st in run.steps():
        if not st.is_reply:
            continue
        offered = schemas(st.record)
        for _, name, _ in _calls(st):
            if offered is not None and name not in offered:
                names = ", ".join(sorted(offered)[:8]) or "none"
                yield Finding("unknown-tool", st.record, st.message, short(f"called '{name}'; offered: {names}"))


@lru_cache(maxsize=1024)
def _validator(schema_text: str):
    import jsonschema

    schema = json.loads(schema_text)
    try:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        cls.check_schema(schema)
    except Exception:  # noqa: BLE001 - a tool whose schema is itself broken: its arguments are not judged
        return None
    return cls(schema)


_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
          "object": (dict,), "null": (type(None),)}
_PLAIN = {"type", "description", "title", "default", "examples", "enum"}
_OBJECT = {"type", "properties", "required", "description", "title", "additionalProperties", "$schema"}


def _fits(value, schema: dict) -> bool | None:
    """Whether ``value`` fits a plain property schema (None: the schema needs the full validator)."""
    if not schema.keys() <= _PLAIN:
        return None
    t = schema.get("type")
    if t is not None:
        names = [t] if isinstance(t, str) else t if isinstance(t, list) else None
        if names is None or any(n not in _TYPES for n in names):
            return None
        ok = any(isinstance(value, _TYPES[n]) and not (n in ("integer", "number") and isinstance(value, bool))
                 or (n == "integer" and isinstance(value, float) and value.is_integer()) for n in names)
        if not ok:
            return False
    enum = schema.get("enum")
    return not (isinstance(enum, list) and value not in enum)


def _fast_problem(arguments: dict, schema: dict) -> tuple[bool, str | None]:
    """(decided, problem) for the common shape of tool schemas: an object of plain typed properties."""
    if not schema.keys() <= _OBJECT or schema.get("type", "object") != "object":
        return False, None
    props = schema.get("properties") or {}
    extra = schema.get("additionalProperties", True)
    if not isinstance(props, dict) or not isinstance(extra, bool):
        return False, None
    for name in schema.get("required") or ():
        if name not in arguments:
            return True, f"'{name}' is a required property"
    for k, v in arguments.items():
        sub = props.get(k)
        if sub is None:
            if not extra:
                return True, f"additional property '{k}' is not allowed"
            continue
        if not isinstance(sub, dict):
            return False, None
        fits = _fits(v, sub)
        if fits is None:
            return False, None
        if not fits:
            return True, f"{k}: {json.dumps(v, ensure_ascii=False)[:40]} is not of type {sub.get('type')!r}" \
                if "type" in sub else f"{k}: {json.dumps(v, ensure_ascii=False)[:40]} is not one of the values"
    return True, None


def argument_problem(arguments, schema: dict) -> str | None:
    """Why ``arguments`` (a JSON string or a dict) do not fit ``schema`` (None: they do). Plain schemas are
    checked here; anything else by ``jsonschema`` (a validator per distinct schema)."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError as exc:
            return f"not JSON ({exc.msg}): {arguments[:60]}"
    if not isinstance(arguments, dict):
        return f"arguments are {type(arguments).__name__}, not an object"
    if not schema:
        return None
    decided, why = _fast_problem(arguments, schema)
    if decided:
        return why
    v = _validator(json.dumps(schema, sort_keys=True))
    if v is None:
        return None
    err = next(iter(v.iter_errors(arguments)), None)
    if err is None:
        return None
    where = "/".join(str(p) for p in err.absolute_path)
    return f"{where + ': ' if where else ''}{err.message}"


@rule("invalid-arguments", "NEX823", "A call's arguments are not JSON or do not match the tool's schema.")
def invalid_arguments(run: Run, cfg: Config):
    schemas = _schemas(run)
    for st in run.steps():
        if not st.is_reply:
            continue
        offered = schemas(st.record) or {}
        for _, name, args in _calls(st):
            if name in offered:
                why = argument_problem(args, offered[name])
                if why is not None:
                    yield Finding("invalid-arguments", st.record, st.message, short(f"{name}: {why}"))


_ERROR_TEXT = re.compile(r"^\s*(error\b|exception\b|traceback \(most recent call last\))", re.IGNORECASE)
_ACK = re.compile(r"error|fail|could ?n[o']t|cannot|can't|unable|unavailable|not available|did ?n[o']t work|"
                  r"retry|problem|issue|sorry|unfortunately|does ?n[o']t exist|not found|错误|失败|无法", re.IGNORECASE)


def is_error(st: Step) -> bool:
    """A tool result of a call that failed (``is_error``, or a text that starts as an error)."""
    m = st.message_dict
    return bool(m.get("is_error")) or bool(_ERROR_TEXT.match(st.text[:200]))


@rule("unanswered-error", "NEX824", "A tool error the agent answered past without a word or a retry.")
def unanswered_error(run: Run, cfg: Config):
    steps = run.steps()
    for k, st in enumerate(steps):
        if st.role != "tool" or not is_error(st):
            continue
        name = st.message_dict.get("name")
        nxt = next((s for s in steps[k + 1:] if s.is_reply and s.agent_path == st.agent_path), None)
        if nxt is None:
            yield Finding("unanswered-error", st.record, st.message,
                          short(f"the agent stopped after this error: {st.text}"))
            continue
        if calls_of(nxt.message_dict):
            continue  # a retry, or another way to the result
        if not _ACK.search(nxt.text):
            yield Finding("unanswered-error", st.record, st.message,
                          short(f"{name or 'tool'} failed ({st.text}); the answer does not say so"))


_PLACEHOLDER = re.compile(
    r"^\s*(todo|tbd|fixme|placeholder|<placeholder>|\.\.\.|…|n/a|none|null|undefined|"
    r"\{\{?\s*[a-z_][a-z0-9_]*\s*\}?\}|<[a-z_]+>|\[[a-z _]+\]|\$\{?[a-z_]+\}?)\s*\.?\s*$", re.IGNORECASE)
_LOREM = re.compile(r"lorem ipsum|dolor sit amet|\{\{\s*[a-z_]+\s*\}\}|\{(result|output|value|answer|data)\}",
                    re.IGNORECASE)


def placeholder(text: str) -> str | None:
    """What makes a tool output a placeholder (None: it is not one)."""
    if not text.strip():
        return "empty output"
    if len(text) <= 80 and _PLACEHOLDER.match(text):
        return f"placeholder output: {text.strip()}"
    m = _LOREM.search(text)
    if m:
        return f"placeholder text: {m.group(0)}"
    return None


@rule("placeholder-output", "NEX827", "A tool returned a placeholder (TODO, lorem ipsum, {result}, nothing).")
def placeholder_output(run: Run, cfg: Config):
    for st in run.steps():
        if st.role == "tool" and not is_error(st):
            why = placeholder(st.text)
            if why is not None:
                yield Finding("placeholder-output", st.record, st.message,
                              short(f"{st.message_dict.get('name') or 'tool'}: {why}"))


@rule("long-tool-output", "NEX828", "A tool returned more text than a model should learn to read whole.")
def long_tool_output(run: Run, cfg: Config):
    for st in run.steps():
        if st.role == "tool":
            n = len(st.text)
            if n > cfg.long_output_chars:
                yield Finding("long-tool-output", st.record, st.message,
                              f"{st.message_dict.get('name') or 'tool'}: {n:,} characters "
                              f"(limit {cfg.long_output_chars:,})")
