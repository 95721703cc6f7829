"""Helpers shared by the parsers: block scanning, call construction, schema-typed values."""
from __future__ import annotations

import json
from operator import is_
from typing import Any, Iterator
from zlib import crc32

from nexc.formats.messages import canonical_tools, tool_functions

_DECODE = json.JSONDecoder().decode
#: the C scanner behind ``json.loads``: ``(value, end)`` of the JSON value at an index
_SCAN = json.JSONDecoder().scan_once
_JSON_WS = " \t\n\r"

_last_digest: tuple[str | None, int] = (None, 0)


def call_id(text: str, index: int) -> str:
    """A deterministic id for the ``index``-th call parsed from ``text``: 9 hex digits, so it is
    also a valid Mistral id. The digest is a CRC-32 of the UTF-8 text (lone surrogates, which
    broken model output can hold, pass through) with its length in the low bits; it is kept for
    the next call of the same parse. Ids tell calls apart, they do not authenticate anything."""
    global _last_digest
    last = _last_digest
    if last[0] is text:
        digest = last[1]
    else:
        data = text.encode("utf-8", "surrogatepass")
        digest = (crc32(data) << 4) | (len(data) & 15)
        _last_digest = (text, digest)
    return "%09x" % ((digest + index * 0x9E3779B1) & 0xFFFFFFFFF)


def make_call(name: str, arguments: dict, id_: str) -> dict:
    """An OpenAI-shaped tool call with dict arguments."""
    return {"id": id_, "type": "function", "function": {"name": name, "arguments": arguments}}


def iter_blocks(text: str, open_tag: str, close_tag: str) -> Iterator[tuple[int, int, str, bool]]:
    """``(start, end, inner, closed)`` for each ``open_tag … close_tag`` block; the last block may
    be unclosed (it then runs to the end of ``text``)."""
    pos = 0
    while True:
        start = text.find(open_tag, pos)
        if start < 0:
            return
        inner_start = start + len(open_tag)
        end = text.find(close_tag, inner_start)
        if end < 0:
            yield start, len(text), text[inner_start:], False
            return
        yield start, end + len(close_tag), text[inner_start:end], True
        pos = end + len(close_tag)


def outside_text(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without the given spans: the visible content around the calls, each piece
    stripped, joined by newlines."""
    parts, pos = [], 0
    for start, end in spans:
        parts.append(text[pos:start])
        pos = end
    parts.append(text[pos:])
    return "\n".join(p.strip() for p in parts if p.strip())


class Memo(dict):
    """A memo that forgets everything once it holds ``size`` entries (memory stays bounded)."""

    def __init__(self, size: int = 64) -> None:
        super().__init__()
        self.size = size

    def put(self, key, value):
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value


_SCHEMA_CACHE = Memo()
_STRINGS_CACHE = Memo()
_TOOLS_CACHE = Memo()
#: every module-level memo (formats and datasets register theirs), for tests that bound memory
MEMOS: list[Memo] = [_SCHEMA_CACHE, _STRINGS_CACHE, _TOOLS_CACHE]
_NO_TOOLS: list[dict] = []


def parse_tools(tools: Any) -> list[dict]:
    """Canonical tools for a parser, memoised by the identity of ``tools`` and of its items (the
    runtime and the benches pass the same list every turn), so the per-tool maps below are built
    once per tool list. A list changed in place (items added, removed or replaced) is seen; a
    tool dict edited in place is not: treat tool declarations as immutable once parsed with."""
    if tools is None:
        return _NO_TOOLS
    hit = _TOOLS_CACHE.get(id(tools))
    if hit is not None and hit[0] is tools and len(tools) == len(hit[1]) and all(map(is_, tools, hit[1])):
        return hit[2]
    canon = canonical_tools(tools) or []
    if isinstance(tools, (list, tuple)):
        _TOOLS_CACHE.put(id(tools), (tools, tuple(tools), canon))
    return canon


def collect_calls(blocks, parse_one) -> tuple[list[dict], list[str], list[tuple[int, int]]]:
    """Parse ``(start, end, inner, closed)`` blocks with ``parse_one(inner, index) -> (call, error)``.

    Returns the calls, the errors (an unclosed block says so) and the spans of the blocks that parsed,
    which are the ones to cut from the content: invalid blocks keep their raw text.
    """
    calls, errors, spans = [], [], []
    for index, (start, end, inner, closed) in enumerate(blocks):
        call, err = parse_one(inner, index)
        if err:
            errors.append(err + ("" if closed else " (unclosed block)"))
        else:
            calls.append(call)
            spans.append((start, end))
    return calls, errors, spans


def collect_section_calls(text: str, section: tuple[str, str], call: tuple[str, str], parse_one
                          ) -> tuple[list[dict], list[str], list[tuple[int, int]]]:
    """Like :func:`collect_calls` for dialects that wrap several call blocks in one section
    (DeepSeek, Kimi): call indices run across sections, and a section is cut from the content only
    when every call in it parsed."""
    calls, errors, spans = [], [], []
    index = 0
    for start, end, inner, _ in iter_blocks(text, *section):
        n_errors = len(errors)
        for _, _, body, closed in iter_blocks(inner, *call):
            got, err = parse_one(body, index)
            index += 1
            if err:
                errors.append(err + ("" if closed else " (unclosed block)"))
            else:
                calls.append(got)
        if len(errors) == n_errors:
            spans.append((start, end))
    return calls, errors, spans


def parameter_schemas(tools: list[dict]) -> dict[str, dict[str, Any]]:
    """``{tool name: {parameter: schema}}`` (memoised for the last tool lists seen, by identity:
    the runtime passes the same list on every turn)."""
    key = id(tools)
    hit = _SCHEMA_CACHE.get(key)
    if hit is not None and hit[0] is tools:
        return hit[1]
    out: dict[str, dict[str, Any]] = {}
    for fn in tool_functions(tools):
        if not isinstance(fn, dict):
            continue
        params = fn.get("parameters")
        props = params.get("properties") if isinstance(params, dict) else None
        out[str(fn.get("name"))] = props if isinstance(props, dict) else {}
    _SCHEMA_CACHE.put(key, (tools, out))
    return out


def string_params(tools: list[dict]) -> dict[str, frozenset[str]]:
    """``{tool name: parameters whose values are raw text}`` (see :func:`is_text_schema`),
    memoised by identity like :func:`parameter_schemas`."""
    hit = _STRINGS_CACHE.get(id(tools))
    if hit is not None and hit[0] is tools:
        return hit[1]
    out = {name: frozenset(k for k, schema in props.items() if is_text_schema(schema))
           for name, props in parameter_schemas(tools).items()}
    _STRINGS_CACHE.put(id(tools), (tools, out))
    return out


def is_text_schema(schema: Any) -> bool:
    """Whether an untyped value under ``schema`` stays raw text (its type is, or may be, string)."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    return kind == "string" or (kind is None or not isinstance(kind, str)) and "string" in schema_types(schema)


def schema_types(schema: Any) -> set[str]:
    """The JSON types a schema allows (empty: unknown)."""
    if not isinstance(schema, dict):
        return set()
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    types: set[str] = set()
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key) or ():
            types |= schema_types(sub)
    if not types and "enum" in schema:
        for value in schema.get("enum") or ():
            types.add(json_type(value))
    if not types and "const" in schema:
        types.add(json_type(schema["const"]))
    return types


def json_type(value: Any) -> str:
    """The JSON type name of a Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


_PY_LITERALS = {"True": True, "False": False, "None": None}


def typed_value(text: str, schema: Any, *, python_literals: bool = False) -> Any:
    """An untyped XML value typed by its parameter schema: strings stay raw text, other types
    are read as JSON (and, with ``python_literals``, ``True``/``False``/``None``); a parameter
    with no schema is read as JSON when it is JSON, else kept as text."""
    if is_text_schema(schema):
        return text
    return literal_or_json(text) if python_literals else json_or_text(text)


def literal_or_json(text: str) -> Any:
    """``True``/``False``/``None`` as Python writes them, else :func:`json_or_text` (how templates
    that print values with Python's ``str`` are read back)."""
    return _PY_LITERALS[text] if text in _PY_LITERALS else json_or_text(text)


def loads(text: str) -> Any:
    """``json.loads(text)`` (raising ValueError the same way), straight from the C scanner when
    ``text`` has no edge whitespace."""
    if text and text[0] not in _JSON_WS and text[-1] not in _JSON_WS:
        try:
            value, end = _SCAN(text, 0)
        except StopIteration:  # not JSON: json.loads says why
            return _DECODE(text)
        if end == len(text):
            return value
    return _DECODE(text)


def json_or_text(text: str) -> Any:
    """``json.loads(text)``, or ``text`` itself when it is not JSON. Same result as catching
    ``json.loads``'s ValueError, but the common case (no edge whitespace) goes straight to the C
    scanner, skipping ``loads``' type checks and whitespace regexes."""
    if text and text[0] not in _JSON_WS and text[-1] not in _JSON_WS:
        try:
            value, end = _SCAN(text, 0)
        except (StopIteration, ValueError):
            return text
        return value if end == len(text) else text
    try:
        return _DECODE(text)
    except ValueError:
        return text


def value_round_trips(value: Any, schema: Any, text: str, *, python_literals: bool = False) -> bool:
    """Whether ``typed_value`` gives ``value`` back from its rendering ``text``."""
    back = typed_value(text, schema, python_literals=python_literals)
    return type(back) is type(value) and back == value


def json_value_problems(value: Any, where: str) -> list[str]:
    """Values JSON cannot carry faithfully (non-finite floats, non-string keys, other types)."""
    problems: list[str] = []
    stack = [(value, where)]
    while stack:
        v, path = stack.pop()
        if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
            problems.append(f"{path}: non-finite number {v!r} is not JSON")
        elif isinstance(v, dict):
            for k, item in v.items():
                if not isinstance(k, str):
                    problems.append(f"{path}: key {k!r} is not a string")
                stack.append((item, f"{path}.{k}"))
        elif isinstance(v, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(v))
        elif not (v is None or isinstance(v, (str, int, float, bool))):
            problems.append(f"{path}: {type(v).__name__} is not a JSON value")
    return problems


def parse_json_call(inner: str, index: int, seed: str, *, args_keys=("arguments", "parameters")):
    """``(call, error)`` from a JSON object ``{"name": …, "arguments": {…}}``."""
    try:
        obj = _DECODE(inner)
    except ValueError as exc:
        return None, f"call {index + 1}: invalid JSON ({exc.args[0] if exc.args else exc}): {inner[:200]!r}"
    return call_from_object(obj, index, seed, args_keys=args_keys)


def json_arguments_call(name: str, args_text: str, index: int, seed: str, *, id_: str | None = None,
                        unclosed: bool = False):
    """``(call, error)`` for a call to ``name`` whose arguments are the JSON object text ``args_text``
    (blank: no arguments); the error names the call, and says when its block was left open."""
    try:
        args = loads(args_text) if args_text.strip() else {}
    except ValueError as exc:
        return None, (f"call {index + 1} ({name}): invalid JSON arguments ({exc.args[0]}): {args_text[:200]!r}"
                      + (" (unclosed message)" if unclosed else ""))
    if not isinstance(args, dict):
        return None, f"call {index + 1} ({name}): arguments must be an object, got {type(args).__name__}"
    return make_call(name, args, id_ or call_id(seed, index)), None


def call_from_object(obj: Any, index: int, seed: str, *, args_keys=("arguments", "parameters"), id_=None):
    """``(call, error)`` from a decoded ``{"name": …, "arguments": {…}}`` object."""
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        return None, f"call {index + 1}: expected an object with a string \"name\", got {str(obj)[:200]!r}"
    args: Any = None
    for key in args_keys:
        if key in obj:
            args = obj[key]
            break
    if args is None:
        args = {}
    if isinstance(args, str):
        try:
            args = loads(args) if args.strip() else {}
        except ValueError:
            return None, f"call {index + 1} ({obj['name']}): arguments string is not JSON: {args[:200]!r}"
    if not isinstance(args, dict):
        return None, f"call {index + 1} ({obj['name']}): arguments must be an object, got {type(args).__name__}"
    return make_call(obj["name"], args, id_ or call_id(seed, index)), None


def safe_json_name(name: Any) -> bool:
    """True when ``name`` is a string JSON writes without escapes (templates splice names raw)."""
    return isinstance(name, str) and json.dumps(name, ensure_ascii=False) == f'"{name}"'
