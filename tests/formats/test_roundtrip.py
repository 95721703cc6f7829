"""Round trips ``parse_assistant(render_assistant(m)) == m`` for every format, and parsers that
never raise. A message either round-trips or ``check_representable`` says why it cannot."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexc.formats import ParseResult, get_format, list_formats
from nexc.testing.conversations import assistant_turn, tools as sample_tools

from .strategies import TRICKY, assistant_and_tools

FORMATS = list_formats(include_plugins=False)
#: formats whose text carries the call ids (others get fresh deterministic ids)
CARRIES_IDS = {"openai", "mistral:v3", "mistral:v11"}
SETTINGS = settings(max_examples=45, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_round_trip(fid, message, tools):
    fmt = get_format(fid)
    problems = fmt.check_representable(message, tools)
    if problems:
        return False
    rendered = fmt.render_assistant(message)
    result = fmt.parse_assistant(rendered, tools)
    assert result.errors == [], rendered
    expected = [(c["function"]["name"], c["function"]["arguments"]) for c in message.get("tool_calls", [])]
    got = [(c["function"]["name"], c["function"]["arguments"]) for c in result.tool_calls]
    assert got == expected, rendered
    for want, have in zip(message.get("tool_calls", []), result.tool_calls):
        _assert_same_types(want["function"]["arguments"], have["function"]["arguments"])
        if fid in CARRIES_IDS:
            assert have["id"] == want["id"]
        assert have["type"] == "function" and isinstance(have["id"], str) and have["id"]
    assert result.content == message["content"].strip(), rendered
    return True


def _assert_same_types(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        for k in a:
            _assert_same_types(a[k], b[k])
    elif isinstance(a, list):
        for x, y in zip(a, b):
            _assert_same_types(x, y)


@pytest.mark.parametrize("fid", FORMATS)
@SETTINGS
@given(data=st.data())
def test_round_trip_or_reported(fid, data):
    fmt = get_format(fid)
    message, tools = data.draw(assistant_and_tools(max_calls=1 if fmt.single_call else 3))
    assert_round_trip(fid, message, tools)


@pytest.mark.parametrize("fid", FORMATS)
def test_ordinary_messages_are_representable(fid):
    """Agent-like turns (schema-typed values, text with <&>, quotes, unicode) all round-trip."""
    fmt = get_format(fid)
    for seed in range(150):
        rng = random.Random(seed)
        tools = sample_tools(rng)
        message = assistant_turn(rng, tools, max_calls=1 if fmt.single_call else 3)
        if seed % 5 == 0:
            message.pop("tool_calls")
        if fmt.trims_values:  # edge whitespace in a value is not ordinary there: the dialect trims it
            message = _trimmed(message)
        assert fmt.check_representable(message, tools) == []
        assert assert_round_trip(fid, message, tools)


def _trimmed(message: dict) -> dict:
    calls = [dict(c, function=dict(c["function"], arguments={k: v.strip() if isinstance(v, str) else v
                                                             for k, v in c["function"]["arguments"].items()}))
             for c in message.get("tool_calls") or ()]
    return dict(message, tool_calls=calls) if calls else message


def _valid(result, text):
    assert isinstance(result, ParseResult)
    assert isinstance(result.content, str)
    assert not any(e.startswith("internal parser error") for e in result.errors), result.errors
    for call in result.tool_calls:
        assert call["type"] == "function" and isinstance(call["id"], str)
        assert isinstance(call["function"]["name"], str) and isinstance(call["function"]["arguments"], dict)


@pytest.mark.parametrize("fid", FORMATS)
@settings(max_examples=60, deadline=None)
@given(text=st.lists(st.sampled_from(TRICKY) | st.text(max_size=8), max_size=12).map("".join))
def test_parser_never_raises(fid, text):
    fmt = get_format(fid)
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}, "n": {"type": "integer"}}}}}]
    _valid(fmt.parse_assistant(text, tools), text)


@pytest.mark.parametrize("fid", FORMATS)
def test_every_prefix_of_a_rendering_parses(fid):
    """Truncated output (an unclosed last block, cut anywhere) never raises."""
    fmt = get_format(fid)
    rng = random.Random(7)
    tools = sample_tools(rng, 3)
    message = assistant_turn(rng, tools, max_calls=1 if fmt.single_call else 2)
    rendered = fmt.render_assistant(message)
    for i in range(len(rendered) + 1):
        _valid(fmt.parse_assistant(rendered[:i], tools), rendered[:i])
    for bad in (None, 42, b"bytes", "\x00" * 3):
        assert isinstance(fmt.parse_assistant(bad, tools), ParseResult)


