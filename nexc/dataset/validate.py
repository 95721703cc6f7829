"""Checks a sample must pass before it is written. Every failure is a :class:`RecordProblem` with
a stable reason key; the build counts and reports them (``stats.json``, ``dropped.jsonl``) and never
keeps the sample.

Format-independent (checked once per record): the sample has a reply, no assistant turn is empty,
the reply was not cut off (``finish_reason`` ``length``, an unclosed ``<think>`` or tool-call
block), every call names a tool of the record and its arguments satisfy the tool's JSON Schema.
Per format: every message survives the format (``Format.check_representable``).

With ``mask`` (``--bad-turns mask``) a turn before the reply that fails a per-turn check is not a
reason to drop the sample: the checks return it (message index → problem) and the build keeps it in
the text outside the loss spans. The reply's own problems, and the record's, still drop the sample.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError

from nexc.dataset.records import Record, RecordProblem
from nexc.formats.base import Format
from nexc.formats.messages import dumps
from nexc.formats.parsing import MEMOS, Memo


class Lru(OrderedDict):
    """A small LRU map (bounded, so memory stays flat on long inputs)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key, value):
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


_TOOLSETS = Lru(256)


def _toolset(tools: list[dict] | None, key: str) -> dict[str, Any]:
    """Tool name → a validator of its parameters (``None``: no usable schema), cached per toolset."""
    found = _TOOLSETS.get(key)
    if found is not None:
        return found
    out: dict[str, Any] = {}
    for t in tools or ():
        fn = t["function"]
        schema = fn.get("parameters")
        if schema is None or schema == {}:
            out[fn["name"]] = None
            continue
        if not isinstance(schema, dict):
            out[fn["name"]] = RecordProblem("invalid-tool-schema", f"tool {fn['name']!r}: parameters is not an object")
            continue
        out[fn["name"]] = _validator(fn["name"], schema)
    return _TOOLSETS.put(key, out)


_SCHEMAS = Lru(1024)


def _validator(name: str, schema: dict):
    """A validator for ``schema`` (checked against its metaschema once per distinct schema)."""
    key = dumps(schema)
    found = _SCHEMAS.get(key)
    if found is None:
        cls = validators.validator_for(schema, default=Draft202012Validator)
        try:
            cls.check_schema(schema)
            found = cls(schema)
        except SchemaError as exc:
            found = RecordProblem("invalid-tool-schema", f"tool {name!r}: {exc.message}")
        _SCHEMAS.put(key, found)
    return found


def _unclosed(text: str, open_tag: str, close_tag: str) -> bool:
    i = text.rfind(open_tag)
    return i >= 0 and text.find(close_tag, i) < 0


_MESSAGE_AT = re.compile(r"^message (\d+):")


def check_record(record: Record, tools_key: str, mask: bool = False) -> dict[int, RecordProblem]:
    """Format-independent checks (see the module docstring). Without ``mask`` the first problem is
    raised; with it, a problem of an assistant turn before the reply is returned instead (message
    index → problem: the turn stays in the text as context, without loss) and only the reply's, or the
    record's own, are raised."""
    msgs = record.messages
    if not msgs or msgs[-1]["role"] != "assistant":
        raise RecordProblem("no-reply", "the conversation does not end with an assistant turn")
    if record.truncated:
        raise RecordProblem("truncated", f"finish_reason {record.finish_reason!r}")
    masked: dict[int, RecordProblem] = {}
    reply = len(msgs) - 1

    def found(i: int | None, problem: RecordProblem) -> None:
        if not mask or i is None or i >= reply or msgs[i]["role"] != "assistant":
            raise problem
        masked.setdefault(i, problem)

    for e in record.format_errors:  # unclosed blocks first: they are truncations, whatever else is wrong
        if "unclosed" in e:
            found(_index(e), RecordProblem("truncated", e))
    for e in record.format_errors:
        if "unclosed" not in e:
            found(_index(e), RecordProblem("malformed-tool-call-text", e))
    last = msgs[-1]
    if _unclosed(last["content"], "<think>", "</think>"):
        raise RecordProblem("truncated", "the reply ends inside a <think> block")
    toolset = None
    for i, m in enumerate(msgs):
        if m["role"] != "assistant":
            continue
        passed = _PASSED.get(id(m))
        if passed is not None and passed[0] is m and passed[1] == tools_key:
            continue  # this very message passed under these tools in an earlier record of the run
        failed = _FAILED.get(id(m))
        if failed is not None and failed[0] is m and failed[1] == tools_key:
            found(i, failed[2])
            continue
        if toolset is None and m.get("tool_calls"):
            toolset = _toolset(record.tools, tools_key)
        problem = _turn_problem(i, m, toolset, tools_key)
        if problem is None:
            _PASSED.put(id(m), (m, tools_key))
        else:
            _FAILED.put(id(m), (m, tools_key, problem))
            found(i, problem)
    return masked


def _index(error: str) -> int | None:
    m = _MESSAGE_AT.match(error)
    return int(m.group(1)) if m else None


def _turn_problem(i: int, m: dict, toolset: dict[str, Any] | None, tools_key: str) -> RecordProblem | None:
    """What is wrong with assistant message ``i`` (None: nothing)."""
    calls = m.get("tool_calls")
    if not calls and not m["content"].strip():
        return RecordProblem("empty-assistant-turn", f"message {i} has neither content nor tool calls")
    for c in calls or ():
        name, args = c["function"]["name"], c["function"]["arguments"]
        if name not in toolset:
            known = ", ".join(sorted(toolset)) or "none"
            return RecordProblem("unknown-tool", f"message {i} calls {name!r}; the record's tools: {known}")
        v = toolset[name]
        if isinstance(v, RecordProblem):
            return v
        if v is not None and not surely_valid(v.schema, args):
            key = (tools_key, name, dumps(args))
            found = _ARGS.get(key)
            if found is None:
                err = next(iter(v.iter_errors(args)), None)
                found = _ARGS.put(key, "" if err is None else
                                  f"at {'/'.join(map(str, err.absolute_path)) or '(arguments)'}: {err.message}")
            if found:
                return RecordProblem("invalid-arguments", f"message {i}, call {name!r}, {found}")
    return None


#: message identity → (message, tools key) it passed the per-message checks under (records share
#: normalised messages: ``records._normalised``)
_PASSED = Memo(4096)
MEMOS.append(_PASSED)
#: message identity → (message, tools key, its problem): a masked turn recurs in every later sample
_FAILED = Memo(1024)
MEMOS.append(_FAILED)


#: JSON types by the test jsonschema applies, narrowed where unsure (a float is never "surely" an integer)
_IS_TYPE = {"string": lambda v: type(v) is str, "integer": lambda v: type(v) is int,
            "number": lambda v: type(v) is int or type(v) is float, "boolean": lambda v: type(v) is bool,
            "null": lambda v: v is None, "object": lambda v: type(v) is dict, "array": lambda v: type(v) is list}
_ANNOTATIONS = frozenset({"description", "title", "default", "examples", "$comment", "deprecated", "readOnly",
                          "writeOnly"})


def surely_valid(schema: Any, value: Any, depth: int = 0) -> bool:
    """True only when ``value`` satisfies ``schema`` for certain, judged on the keywords tool
    schemas mostly use (``type``, ``properties``, ``required``, ``items``,
    ``additionalProperties``, string ``enum``s, annotations); False means "not known" — the
    caller asks jsonschema, which also words the error. Never True where jsonschema would object."""
    if schema is True:
        return True
    if type(schema) is not dict or depth > 32:
        return False
    for key, sub in schema.items():
        if key == "type":
            if type(sub) is str:
                check = _IS_TYPE.get(sub)
                if check is None or not check(value):
                    return False
            elif type(sub) is not list or not any(type(k) is str and k in _IS_TYPE and _IS_TYPE[k](value) for k in sub):
                return False
        elif key == "properties":
            if type(sub) is not dict:
                return False
            if type(value) is dict:
                for name, item in value.items():
                    if name in sub and not surely_valid(sub[name], item, depth + 1):
                        return False
        elif key == "required":
            if type(sub) is not list:
                return False
            if type(value) is dict:
                for name in sub:
                    if name not in value:
                        return False
        elif key == "items":
            if type(value) is list:
                for item in value:
                    if not surely_valid(sub, item, depth + 1):
                        return False
        elif key == "additionalProperties":
            if type(value) is dict:
                props = schema.get("properties", {})
                for name, item in value.items():
                    if name not in props and not surely_valid(sub, item, depth + 1):
                        return False
        elif key == "enum":
            if type(sub) is not list or type(value) is not str or value not in sub or any(type(e) is not str for e in sub):
                return False
        elif key not in _ANNOTATIONS:
            return False
    return True


#: (toolset, tool, arguments) → "" or the first schema error (a run's history repeats in every sample)
_ARGS = Lru(2048)


_VERDICTS = Lru(1024)


def check_format(fmt: Format, messages: list[dict], tools: list[dict] | None, tools_key: str,
                 message_keys: list[str] | None = None, mask: bool = False) -> dict[int, RecordProblem]:
    """Every message survives ``fmt`` (render → parse); results are cached per message, since
    one-sample-per-call datasets repeat a run's history in every sample. ``message_keys``: a JSON
    text per message, if the caller has them (else the messages are encoded here). ``mask``: as for
    :func:`check_record`, turns before the reply that fail are returned, not raised."""
    masked: dict[int, RecordProblem] = {}
    reply = len(messages) - 1
    for i, m in enumerate(messages):
        if m["role"] != "assistant":  # the checks are about what the model writes
            continue
        key = (fmt.id, tools_key, dumps(m) if message_keys is None else message_keys[i])
        problems = _VERDICTS.get(key)
        if problems is None:
            problems = _VERDICTS.put(key, tuple(fmt.check_representable(m, tools)))
        if problems:
            problem = RecordProblem("not-representable", f"message {i} ({m['role']}): {problems[0]}")
            if not mask or i >= reply:
                raise problem
            masked[i] = problem
    return masked
