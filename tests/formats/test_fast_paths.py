"""Every parser's fast path (``Format._parse_fast``) answers exactly what the general parser
(``Format._parse``) answers, or steps aside (None): on renderings, their prefixes, mutations,
random text and odd tool lists. And it does not step aside for the ordinary renderings it exists
for (a fast path that never applies would hide behind the general parser)."""
from __future__ import annotations

import ast
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexc.formats import Format, get_format, list_formats
from nexc.formats.parsing import parse_tools
from nexc.formats.pyliteral import read_calls
from nexc.testing.conversations import assistant_turn, json_value
from nexc.testing.conversations import tools as sample_tools

from .strategies import TRICKY, assistant_and_tools

FORMATS = list_formats(include_plugins=False)
ODD_TOOLS = [
    None,
    [],
    [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
        "city": {"type": ["string", "null"]}, "n": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        "e": {"enum": ["a", 1]}, "x": {}, "y": "not a schema"}}}},
     {"name": "search", "parameters": {"properties": {"q": {"type": "string"}}}},
     {"type": "function", "function": {"name": "lookup"}}],
]


def _same(fmt, text, tools):
    """The fast path's answer, checked against the general parser's (types included)."""
    tools = parse_tools(tools)
    fast = fmt._parse_fast(text, tools)
    if fast is not None:
        assert repr(fast) == repr(fmt._parse(text, tools)), text
    return fast


def _mutations(rng, text, n=4):
    out = []
    for _ in range(n):
        chars = list(text)
        for _ in range(rng.randint(1, 3)):
            i = rng.randint(0, len(chars))
            if rng.random() < 0.4 and chars:
                del chars[min(i, len(chars) - 1):i + rng.randint(1, 8)]
            else:
                chars[i:i] = rng.choice(TRICKY + (" ", "\n", "\t", "\n\n"))
        out.append("".join(chars))
    return out


@pytest.mark.parametrize("fid", FORMATS)
def test_fast_path_agrees_on_renderings_prefixes_and_mutations(fid):
    fmt = get_format(fid)
    rng = random.Random(f"fast:{fid}")
    for seed in range(120):
        tools = sample_tools(rng)
        message = assistant_turn(rng, tools, max_calls=1 if fmt.single_call else 3, reasoning=True)
        if seed % 7 == 0:
            message.pop("tool_calls")
        text = fmt.render_assistant(message)
        variants = [text, "  \n" + text + "\n ", text + "\n\n" + text] + _mutations(rng, text)
        if seed < 12:
            variants += [text[:i] for i in range(0, len(text), max(1, len(text) // 30))]
        for variant in variants:
            _same(fmt, variant, tools)
            _same(fmt, variant, rng.choice(ODD_TOOLS))


@pytest.mark.parametrize("fid", FORMATS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_path_agrees_on_generated_turns(fid, data):
    fmt = get_format(fid)
    message, tools = data.draw(assistant_and_tools(max_calls=1 if fmt.single_call else 3))
    try:
        text = fmt.render_assistant(message)
    except Exception:  # noqa: BLE001 - a turn this format cannot write
        return
    _same(fmt, text, tools)
    cut = data.draw(st.integers(0, len(text)))
    _same(fmt, text[:cut] + data.draw(st.sampled_from(TRICKY)) + text[cut:], tools)


@pytest.mark.parametrize("fid", FORMATS)
@settings(max_examples=40, deadline=None)
@given(text=st.lists(st.sampled_from(TRICKY) | st.text(max_size=6), max_size=14).map("".join))
def test_fast_path_agrees_on_random_text(fid, text):
    _same(get_format(fid), text, ODD_TOOLS[2])


@pytest.mark.parametrize("fid", FORMATS)
def test_fast_path_takes_the_ordinary_renderings(fid):
    fmt = get_format(fid)
    if type(fmt)._parse_fast is Format._parse_fast:
        pytest.skip(f"{fid} reads its JSON in one pass already: no separate fast path")
    rng = random.Random(f"take:{fid}")
    tools = sample_tools(rng, 3)
    texts = [fmt.render_assistant(assistant_turn(rng, tools, max_calls=1 if fmt.single_call else 3))
             for _ in range(300)]
    taken = sum(_same(fmt, text, tools) is not None for text in texts)
    assert taken >= 0.95 * len(texts), f"{fid}: the fast path took {taken} of {len(texts)} renderings"


def _literal_eval_calls(src):
    tree = ast.parse(src, mode="eval")
    return [(ast.unparse(c.func), {k.arg: ast.literal_eval(k.value) for k in c.keywords}) for c in tree.body.elts]


@pytest.mark.parametrize("src", [
    "[f(a=1, b='x', c=None, d=True, e=[1, 2.5, -3e-05], g={'k': {'n': False}})]",
    "[a.b.c(x='it\\'s', y=\"say \\\"hi\\\"\", z='\\x00\\u4e2d\\U0001f600\\n\\t\\\\')]",
    "[f(), g(match=1, _=2)]",
    "[ f ( x = -0.0 ) ]",
])
def test_literal_reader_matches_ast(src):
    assert read_calls(src) == _literal_eval_calls(src)


@pytest.mark.parametrize("src", [
    "[f(x=1,)]", "[f(1)]", "[f(x=(1, 2))]", "[f(x={1: 2})]", "[f(x=r'a')]", "[f(x='a' 'b')]",
    "[f(if=1)]", "[True(x=1)]", "[f(x=1)] # note", "[f(x='\\d')]", "[f(x=g(y=1))]", "[f(x=1e)]",
    "[f(x=01)]", "[f(x='\\N{DASH}')]", "[f(x=1_000)]", "[f(x='\ud800')]", "[f(x=- 1)]", " [f(x=1)]",
])
def test_literal_reader_steps_aside_outside_its_subset(src):
    assert read_calls(src) is None


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.tuples(st.sampled_from(("a", "b", "city", "n_1")), st.integers(0, 10**6)), max_size=4),
       cut=st.integers(0, 400), junk=st.sampled_from(TRICKY + ("", " ", "\\", "'", '"', "#", "(", ",)")))
def test_literal_reader_agrees_with_ast(values, cut, junk):
    rng = random.Random(repr(values))
    args = ", ".join(f"{k}={json_value(rng)!r}" for k, _ in values)
    src = f"[f({args}), g.h(x={json_value(rng)!r})]"
    for text in (src, src[:cut] + junk + src[cut:]):
        got = read_calls(text)
        if got is not None:
            assert repr(got) == repr(_literal_eval_calls(text)), text
