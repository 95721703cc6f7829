"""The paths the frontends record spans under are the paths the checks look them up by (hypothesis): a
secret's ``where`` (``params.headers.Authorization``, ``args[1]``) and a schema error's JSON path."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nexc.checks.secrets import _strings
from nexc.checks.tool_schema import _where
from nexc.frontend.located import Loc, literal_spans, pointer_spans
from nexc.ir.base import Span
from nexc.ir.model import Tool

keys = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="./[]"), min_size=1, max_size=6)
values = st.recursive(st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.none()),
                      lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
                      max_leaves=20)


def located(value, counter=None) -> Loc:
    """``value`` as a Loc tree, each node on a line of its own (so every span is distinct)."""
    counter = counter if counter is not None else [0]
    counter[0] += 1
    span = Span(file="f", line=counter[0], column=1, end_line=counter[0], end_column=2)
    if isinstance(value, dict):
        return Loc({k: located(v, counter) for k, v in value.items()}, span)
    if isinstance(value, list):
        return Loc([located(v, counter) for v in value], span)
    return Loc(value, span)


def _paths(value, prefix: str):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, f"{prefix}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, f"{prefix}/{i}")


@settings(max_examples=200, deadline=None)
@given(values)
def test_every_string_the_secrets_check_visits_has_its_span(value):
    loc = located(value)
    spans = literal_spans(loc, "params")
    wheres = [w for w, _, _ in _strings(value, "params")]
    assert set(wheres) == set(spans)
    assert len(set(spans.values())) == len(spans)  # each at its own place


@settings(max_examples=200, deadline=None)
@given(values)
def test_every_schema_path_finds_the_value_written_there(value):
    loc = located(value)
    tool = Tool(name="t", span=Span.point("decl"), schema_spans=pointer_spans(loc, "parameters"))
    for path in _paths(value, ""):
        assert _where(tool, "parameters", path or "/") is tool.schema_spans["parameters" + path]
    assert _where(tool, "returns", "/x") == Span.point("decl")  # nothing recorded: the declaration
