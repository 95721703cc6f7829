"""The YAML frontend never raises: arbitrary text and mutated valid specs give well-formed diagnostics."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexc.diagnostics import Reporter
from nexc.frontend import yaml_spec
from nexc.frontend.yaml_loader import comments
from nexc.ir.surface import SourceFile

from .conftest import FULL_SPEC

_YAMLISH = st.sampled_from(list(":-[]{},#&*!|>'\"%@`?\t\n \\<=~0123456789.eE_xoyesnotrulfa"))
_PIECES = st.sampled_from(["agents:", "  a:", "    llm: m", "- ", "&x ", "*x", "<<: ", "!!int ", "---", "...",
                           "\t", "    ", "{", "}", "[", "]", "|", ">-", "'", '"', "# c", ": ", "\n", "nex: 1",
                           "tools: [", "env: X", "\x00", "\ufeff", "\u2028", "é", "\r\n"])


def _check(text: str) -> None:
    r = Reporter()
    sf = yaml_spec.load("fuzz.nex.yaml", text, r)
    assert sf is None or isinstance(sf, SourceFile)
    for d in r.diagnostics:
        s = d.span
        assert s.line >= 1 and s.column >= 1 and (s.end_line, s.end_column) >= (s.line, s.column), d
        assert d.code.startswith("NEX") and d.message
    if sf is None:
        assert r.has_errors
    comments(text)
    yaml_spec.detect("fuzz.yaml", text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    _check(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_YAMLISH, _PIECES), max_size=80).map("".join))
def test_yaml_like_text(text):
    _check(text)


@st.composite
def _mutated(draw):
    text = FULL_SPEC
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["delete", "insert", "replace", "duplicate_line", "swap_indent"]))
        if op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 20)):]
        elif op == "insert":
            text = text[:i] + draw(st.one_of(_PIECES, st.text(max_size=5))) + text[i:]
        elif op == "replace":
            text = text[:i] + draw(_YAMLISH) + text[i + 1:]
        elif op == "duplicate_line":
            lines = text.split("\n")
            j = draw(st.integers(0, len(lines) - 1))
            text = "\n".join(lines[:j + 1] + [lines[j]] + lines[j + 1:])
        else:
            lines = text.split("\n")
            j = draw(st.integers(0, len(lines) - 1))
            lines[j] = draw(st.sampled_from(["", " ", "   ", "\t"])) + lines[j].lstrip()
            text = "\n".join(lines)
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_mutated_valid_specs(text):
    _check(text)


def test_binary_junk():
    _check(bytes(range(256)).decode("latin-1") * 20)
    _check("\ufffd" * 1000 + ":\n" + "\x7f" * 10)
