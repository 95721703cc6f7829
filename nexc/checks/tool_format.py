"""tool_format: an agent's tool-call format that cannot express what the agent does.

- NEX413: the agent allows parallel tool calls but its format writes one call per turn
  (``Format.single_call``).
- NEX414: a tool's calls cannot be carried faithfully: in a format with untyped values
  (``Format.untyped_values``: XML dialects) a parameter whose schema does not fix one JSON type; or
  a trial call (no arguments for a zero-argument tool; a sample value of each parameter's type)
  that does not survive the format's own render → parse (``Format.check_representable``).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

from nexc.ir.model import ToolRef

_SAMPLES = {"string": "sample text", "integer": 3, "number": 2.5, "boolean": True, "array": [], "object": {},
            "null": None}


def _types(schema) -> set[str] | None:
    """The JSON types ``schema`` allows; ``None`` when it does not say (any type)."""
    if not isinstance(schema, dict):
        return None
    if "const" in schema or "enum" in schema:
        values = [schema["const"]] if "const" in schema else list(schema["enum"] or ())
        from nexc.formats.parsing import json_type

        return {json_type(v) for v in values} or None
    t = schema.get("type")
    if isinstance(t, str):
        return {t}
    if isinstance(t, list) and t:
        return {x for x in t if isinstance(x, str)}
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            out: set[str] = set()
            for sub in schema[key]:
                st = _types(sub)
                if st is None:
                    return None
                out |= st
            return out
    return None


def ambiguous_params(parameters: dict) -> list[str]:
    """Parameters whose text form in an untyped format does not decide their type."""
    out = []
    for name, schema in (parameters.get("properties") or {}).items():
        types = _types(schema)
        if types is None or ("string" in types and len(types - {"null"}) > 1):
            out.append(name)
    return out


def _sample(schema):
    types = _types(schema)
    if isinstance(schema, dict) and "const" in schema:
        return schema["const"]
    if isinstance(schema, dict) and schema.get("enum"):
        return schema["enum"][0]
    for t in ("string", "integer", "number", "boolean", "array", "object", "null"):
        if types and t in types:
            return _SAMPLES[t]
    return "sample text"


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def trial_problems(fmt_id: str, name: str, params: dict) -> tuple[str, ...]:
    """Problems of trial calls of the tool in the format (an empty tuple: they round-trip): one call
    without arguments for a zero-argument tool, else one call per parameter with a sample value.
    Plain identifiers are all alike and documentation keywords do not matter, so trials are cached
    per (format, name, parameter schema) and a whole lint needs only a handful."""
    tool = None if _IDENT.match(name) else name
    props = (params.get("properties") or {}) if isinstance(params, dict) else {}
    if not props:
        return _trial(fmt_id, tool, None, "null")
    out: list[str] = []
    for k, v in props.items():
        key = None if isinstance(k, str) and _IDENT.match(k) else str(k)
        for problem in _trial(fmt_id, tool, key, json.dumps(_bare(v), sort_keys=True, default=str)):
            if problem not in out:
                out.append(problem)
    return tuple(out)


_DOC_KEYS = frozenset(("description", "title", "examples", "default", "$comment"))


def _bare(schema):
    """``schema`` without documentation keywords (they do not change how a value is written)."""
    if isinstance(schema, dict):
        return {k: _bare(v) for k, v in schema.items() if k not in _DOC_KEYS}
    if isinstance(schema, list):
        return [_bare(v) for v in schema]
    return schema


@lru_cache(maxsize=4096)
def _trial(fmt_id: str, name: str | None, param: str | None, schema_json: str) -> tuple[str, ...]:
    from nexc.formats import get_format

    name = name or "tool_name"
    props = {} if param is None and schema_json == "null" else {param or "param": json.loads(schema_json)}
    tool = {"name": name, "description": "d", "parameters": {"type": "object", "properties": props}}
    args = {k: _sample(v) for k, v in props.items()}
    msg = {"role": "assistant", "content": "",
           "tool_calls": [{"id": "call00001", "type": "function", "function": {"name": tool["name"], "arguments": args}}]}
    try:
        return tuple(get_format(fmt_id).check_representable(msg, [tool]))
    except Exception as exc:  # noqa: BLE001 - a format bug must not stop the lint
        return (f"the format failed on a trial call: {type(exc).__name__}: {exc}",)


def check(fw, r, ctx) -> None:
    """Report agents whose format cannot carry their parallel calls or some tools' arguments."""
    from nexc.formats import get_format

    tools = {t.name: t for t in fw.tools}
    for a in fw.agents:
        try:
            fmt = get_format(a.tool_format)
        except Exception:  # noqa: BLE001 - unknown formats are NEX306
            continue
        refs = [e for e in a.tools if isinstance(e, ToolRef) and e.name in tools]
        if fmt.single_call and a.parallel_tool_calls and len(a.tools) > 1:
            r.report("NEX413", a.span, f"agent '{a.name}' allows parallel tool calls, but format '{a.tool_format}' "
                     f"writes one call per turn", fix="set `parallel_tool_calls = false`, or use a format with "
                     "parallel calls")
        for e in refs:
            t = tools[e.name]
            params = t.parameters if isinstance(t.parameters, dict) else {}
            if fmt.untyped_values:
                amb = ambiguous_params(params)
                if amb:
                    r.report("NEX414", e.span,
                             f"format '{a.tool_format}' writes argument values as text, and the type of "
                             f"{', '.join(repr(n) for n in amb)} of tool '{t.name}' is not fixed by its schema",
                             notes=("a value like \"3\" would reach the tool as the number 3",),
                             fix="give each parameter one JSON type, or use a JSON-argument format")
                    continue
            problems = trial_problems(fmt.id, t.name, params)
            if problems:
                r.report("NEX414", e.span, f"a call of tool '{t.name}' does not survive format '{a.tool_format}': "
                         f"{problems[0]}", fix="change the tool's name or schema, or use another format")
