"""Property tests: the frontend never raises and always points inside the file; the formatter is
idempotent and keeps the meaning of every valid spec."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexc.frontend.nex.fmt import _meaning, format_source
from nexc.frontend.nex.scan import scan

from .helpers import SEEDS, assert_valid_spans, parse
from .strategies import mutated, specs

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GRAMMAR_CHARS = st.sampled_from(list('agentoolmcpskilnx{}[]()=:,."\'#\\ \n\t_-|?*>0123456789rRe') +
                                ['"""', "'''", "agent ", "tool ", "\\u", "env("])


@FAST
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text):
    _, diags = parse(text)
    assert_valid_spans(text, diags)


@FAST
@given(st.lists(GRAMMAR_CHARS, max_size=120).map("".join))
def test_grammar_soup_never_raises(text):
    _, diags = parse(text)
    assert_valid_spans(text, diags)


@FAST
@given(mutated(SEEDS))
def test_mutated_specs_never_raise(text):
    _, diags = parse(text)
    assert_valid_spans(text, diags)
    out, fdiags = format_source(text, "t.nex")
    assert all(d.code != "NEX900" for d in fdiags), fdiags
    if out is not None:
        assert format_source(out, "t.nex")[0] == out


@FAST
@given(specs())
def test_generated_specs_parse_and_format_idempotently(text):
    sf, diags = parse(text)
    assert sf is not None
    assert not any(d.code in ("NEX100", "NEX101", "NEX102") for d in diags), (text, diags)
    out, fdiags = format_source(text, "t.nex")
    assert out is not None, (text, fdiags)
    assert format_source(out, "t.nex")[0] == out
    assert _meaning(parse(out)[0]) == _meaning(sf)
    assert sorted(c.rstrip() for _, c in scan(text).comments) == sorted(c for _, c in scan(out).comments)
