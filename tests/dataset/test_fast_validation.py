"""The build's quick schema check (``surely_valid``) never passes what jsonschema rejects, and it
does pass the ordinary arguments of ordinary tool schemas (else it would save nothing)."""
from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from nexc.dataset.validate import surely_valid
from nexc.testing.conversations import tool_call
from nexc.testing.conversations import tools as sample_tools

_TYPES = st.sampled_from(["string", "integer", "number", "boolean", "null", "object", "array", "bogus"])
_LEAF = st.fixed_dictionaries({}, optional={
    "type": _TYPES | st.lists(_TYPES, min_size=1, max_size=3, unique=True),
    "enum": st.lists(st.text(max_size=2) | st.integers(0, 2) | st.booleans(), min_size=1, max_size=3),
    "description": st.text(max_size=3), "minimum": st.integers(0, 3), "format": st.just("date")})
_SCHEMAS = st.recursive(_LEAF | st.booleans(), lambda inner: st.fixed_dictionaries({}, optional={
    "type": _TYPES, "properties": st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
    "required": st.lists(st.sampled_from("abcd"), max_size=3, unique=True), "items": inner,
    "additionalProperties": inner, "title": st.text(max_size=2)}), max_leaves=6)
_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2) | st.text(max_size=2),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abcd"), inner,
                                                                                      max_size=3), max_leaves=6)


@settings(max_examples=600, deadline=None)
@given(schema=_SCHEMAS, value=_VALUES)
def test_surely_valid_is_sound(schema, value):
    try:
        Draft202012Validator.check_schema(schema)
    except Exception:  # noqa: BLE001 - the build refuses invalid schemas before validating
        return
    if surely_valid(schema, value):
        assert Draft202012Validator(schema).is_valid(value), (schema, value)


def test_surely_valid_passes_ordinary_arguments():
    rng = random.Random(3)
    passed = total = 0
    for _ in range(200):
        tools = sample_tools(rng)
        call = tool_call(rng, tools)["function"]
        schema = next(t["function"]["parameters"] for t in tools if t["function"]["name"] == call["name"])
        if Draft202012Validator(schema).is_valid(call["arguments"]):  # (a required argument may be left out)
            passed += surely_valid(schema, call["arguments"])
            total += 1
    assert total > 100 and passed == total


def test_surely_valid_leaves_the_doubtful_to_jsonschema():
    assert not surely_valid({"type": "integer"}, 1.0)          # jsonschema: valid; not worth a rule here
    assert not surely_valid({"type": "integer"}, True)         # jsonschema: invalid
    assert not surely_valid({"enum": [1]}, True)               # equality with bools is jsonschema's call
    assert not surely_valid({"pattern": "^a"}, "a")            # keywords it does not know
    assert not surely_valid({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"b": 1})
    assert surely_valid({"type": "object", "properties": {"a": {"type": ["string", "null"]}}, "required": ["a"]},
                        {"a": None})
