"""tool_schema: tool parameter schemas that are not valid JSON Schema (NEX406).

Each schema is checked against the metaschema of its dialect (``$schema``, default draft 2020-12)
with ``jsonschema``. The common shapes that frontends generate (types, properties, required,
descriptions, enums, items, simple bounds) are recognised as valid without importing jsonschema,
which keeps ``nexc lint`` fast; anything else goes to the real metaschema check.
"""
from __future__ import annotations

import json
from functools import lru_cache

_TYPES = frozenset(("string", "integer", "number", "boolean", "array", "object", "null"))
_TEXT_KEYS = frozenset(("description", "title", "format", "$comment"))
_COUNT_KEYS = frozenset(("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"))
_NUM_KEYS = frozenset(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"))
_ANY_KEYS = frozenset(("default", "const"))


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _simple(s, depth: int = 0) -> bool:
    """True when ``s`` is a schema built only from plainly valid common keywords."""
    if isinstance(s, bool):
        return True
    if not isinstance(s, dict) or depth > 32:
        return False
    for k, v in s.items():
        if k == "type":
            if isinstance(v, str):
                if v not in _TYPES:
                    return False
            elif not (isinstance(v, list) and v and all(isinstance(x, str) and x in _TYPES for x in v)
                      and len(set(v)) == len(v)):
                return False
        elif k == "properties":
            if not isinstance(v, dict) or not all(_simple(x, depth + 1) for x in v.values()):
                return False
        elif k == "required":
            if not (isinstance(v, list) and all(isinstance(x, str) for x in v) and len(set(v)) == len(v)):
                return False
        elif k in ("items", "additionalProperties"):
            if not _simple(v, depth + 1):
                return False
        elif k == "enum" or k == "examples":
            if not isinstance(v, list):
                return False
        elif k in _TEXT_KEYS:
            if not isinstance(v, str):
                return False
        elif k in _COUNT_KEYS:
            if not (isinstance(v, int) and not isinstance(v, bool) and v >= 0):
                return False
        elif k in _NUM_KEYS:
            if not _is_num(v):
                return False
        elif k not in _ANY_KEYS:
            return False
    return True


def _bad_type(value) -> str:
    from nexc.diagnostics.suggest import did_you_mean

    names = value if isinstance(value, list) else [value]
    bad = next((n for n in names if not (isinstance(n, str) and n in _TYPES)), value)
    guess = did_you_mean(bad, _TYPES) if isinstance(bad, str) else None
    hint = f"; did you mean '{guess}'?" if guess else f"; use one of {', '.join(sorted(_TYPES))}"
    return f"{json.dumps(bad)} is not a JSON Schema type{hint}"


@lru_cache(maxsize=4096)
def _errors(text: str) -> tuple[tuple[str, str, str], ...]:
    """``(path, keyword, message)`` of each metaschema violation of the schema in ``text`` (JSON)."""
    from jsonschema.validators import Draft202012Validator, validator_for

    schema = json.loads(text)
    cls = validator_for(schema, default=Draft202012Validator)
    out = []
    for err in sorted(cls(cls.META_SCHEMA).iter_errors(schema), key=lambda e: (list(map(str, e.path)), e.message)):
        path = "/" + "/".join(str(p) for p in err.path)
        keyword, message = str(err.validator), err.message
        if keyword in ("anyOf", "oneOf") and err.path and err.path[-1] == "type":
            keyword, message = "type", _bad_type(err.instance)
        out.append((path, keyword, message))
    return tuple(out)


def schema_problems(schema) -> list[tuple[str, str, str]]:
    """Problems of one parameter schema: ``(path, keyword, message)``; empty when it is valid."""
    out = []
    if isinstance(schema, dict) and schema.get("type", "object") != "object":
        out.append(("/type", "type", f"parameters must be an object schema, not type {json.dumps(schema['type'])}"))
    if _simple(schema):
        return out
    try:
        text = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        return out + [("/", "type", "the schema is not JSON data")]
    return out + list(_errors(text))


def check(fw, r, ctx) -> None:
    """Report every tool whose ``parameters`` (or ``returns``) fail the metaschema, naming keyword and path."""
    for t in fw.tools:
        for field, schema in (("parameters", t.parameters), ("returns", t.returns)):
            if schema is None:
                continue
            problems = schema_problems(schema)
            if field == "returns":  # a return schema may be of any type
                problems = [p for p in problems if p[0] != "/type" or p[1] != "type" or "object schema" not in p[2]]
            for i, (path, keyword, message) in enumerate(problems[:5]):
                more = len(problems) - 5 if i == 4 and len(problems) > 5 else 0
                r.report("NEX406", _where(t, field, path),
                         f"tool '{t.name}' {field} is not a valid JSON Schema: at '{path}', keyword '{keyword}': "
                         f"{message}",
                         notes=(f"{more} more problems in this schema",) if more else (),
                         fix="correct the schema at that path")


def _where(tool, field: str, path: str):
    """Where the value at ``path`` of the tool's ``field`` schema was written: the deepest part of the path
    whose place the frontend recorded, else the tool's declaration."""
    key = field + path.rstrip("/")
    while key not in tool.schema_spans and "/" in key:
        key = key.rsplit("/", 1)[0]
    return tool.schema_spans.get(key, tool.span)
