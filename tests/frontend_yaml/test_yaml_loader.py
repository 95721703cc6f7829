"""The positioned YAML loader: spans, YAML 1.2 scalars, and every kind of bad input as a diagnostic."""
from __future__ import annotations

import math

import pytest

from nexc.frontend.yaml_loader import MAX_DEPTH, comments, resolve_plain

from .conftest import codes, loc_of


def test_values_and_key_spans_are_positioned():
    loc, r = loc_of("agents:\n  a:\n    llm: main\n    tools: [x, y]\n")
    assert not r.diagnostics
    agents = loc.value["agents"]
    a = agents.value["a"]
    assert (loc.key_span("agents").line, loc.key_span("agents").column) == (1, 1)
    assert (agents.key_span("a").line, agents.key_span("a").column, agents.key_span("a").end_column) == (2, 3, 4)
    llm = a.value["llm"]
    assert (llm.span.line, llm.span.column, llm.span.end_line, llm.span.end_column) == (3, 10, 3, 14)
    y = a.value["tools"].value[1]
    assert (y.span.line, y.span.column, y.span.end_column) == (4, 16, 17)
    # a block map ends where its last value ends, not at the start of the next line
    assert (a.span.end_line, a.span.end_column) == (4, 18)


def test_columns_count_characters_not_bytes():
    loc, _ = loc_of("é: ü\nb: x\n")
    assert loc.value["é"].span.column == 4


def test_empty_document_is_null():
    loc, r = loc_of("# only a comment\n")
    assert loc.value is None and not r.diagnostics


@pytest.mark.parametrize("text, value", [
    ("true", True), ("False", False), ("yes", "yes"), ("on", "on"), ("off", "off"), ("n", "n"),
    ("~", None), ("null", None), ("", None), ("1_000", 1000), ("120_000", 120000), ("017", 17), ("0o17", 15),
    ("0x1F", 31), ("-3", -3), ("+4", 4), ("1.5", 1.5), ("1e3", 1000.0), ("-.5", -0.5), ("1_000.5", 1000.5),
    ("2024-01-02", "2024-01-02"), ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("1:30", "1:30"), ("0b101", "0b101"), ("=", "="), ("<<x", "<<x"), ("1__0", "1__0"), ("1.", 1.0), (".", "."),
])
def test_plain_scalars_follow_yaml_1_2(text, value):
    got = resolve_plain(text)
    assert got == value and type(got) is type(value)


def test_special_floats():
    assert resolve_plain(".inf") == math.inf and resolve_plain("-.Inf") == -math.inf
    assert math.isnan(resolve_plain(".nan"))


def test_quoted_and_block_scalars_are_strings():
    loc, _ = loc_of("a: '1'\nb: \"true\"\nc: |\n  3\nd: !!str 4\n")
    assert loc.plain() == {"a": "1", "b": "true", "c": "3\n", "d": "4"}


def test_standard_tags():
    loc, r = loc_of("a: !!int '3'\nb: !!float 2\nc: !!bool 'true'\nd: !!null ''\n")
    assert loc.plain() == {"a": 3, "b": 2.0, "c": True, "d": None} and not r.diagnostics
    _, r = loc_of("a: !!int abc\n")
    assert codes(r) == ["NEX152"]


@pytest.mark.parametrize("text", ["a: !!python/object:os.system x\n", "a: !env HOME\n", "a: !!binary aGk=\n",
                                  "a: !!set {x: null}\n", "a: !!timestamp 2001-01-01\n"])
def test_unsupported_tags_are_reported(text):
    loc, r = loc_of(text)
    assert codes(r) == ["NEX152"]
    assert r.diagnostics[0].span.line == 1 and r.diagnostics[0].span.column == 4


def test_duplicate_key_points_at_second_with_note_at_first():
    loc, r = loc_of("agents:\n  a: {}\n  b: {}\n  a: {llm: x}\n")
    [d] = r.sorted()
    assert d.code == "NEX207" and (d.span.line, d.span.column) == (4, 3)
    assert d.notes == ("first set at doc.yaml:2:3",)
    assert loc.value["agents"].value["a"].value == {}  # the first one is kept


def test_duplicate_key_in_flow_map():
    _, r = loc_of("a: {x: 1, x: 2}\n")
    assert [(d.code, d.span.column) for d in r.sorted()] == [("NEX207", 11)]


def test_non_string_keys():
    loc, r = loc_of("1: a\ntrue: b\nnull: c\n? [x]\n: d\n")
    assert codes(r) == ["NEX201"] * 4
    assert [d.span.line for d in r.sorted()] == [1, 2, 3, 4]
    assert loc.plain() == {"1": "a", "true": "b", "null": "c"}


def test_anchors_aliases_and_merge_keys():
    text = "base: &b {llm: main, max_iterations: 5}\nx: {<<: *b, max_iterations: 9}\ny: *b\n" \
           "z: {<<: [{a: 1}, {a: 2, b: 2}]}\n"
    loc, r = loc_of(text)
    assert not r.diagnostics
    assert loc.plain()["x"] == {"llm": "main", "max_iterations": 9}
    assert loc.plain()["y"] == {"llm": "main", "max_iterations": 5}
    assert loc.plain()["z"] == {"a": 1, "b": 2}
    assert loc.value["y"].span.line == 3  # the alias use is located where it is written
    assert loc.value["x"].key_span("llm").line == 1  # a merged key points at its definition


def test_merge_of_a_non_map_is_reported():
    _, r = loc_of("x: {<<: 3}\n")
    assert codes(r) == ["NEX201"]


def test_unknown_alias_is_reported():
    _, r = loc_of("a: *nope\n")
    [d] = r.diagnostics
    assert d.code == "NEX104" and "nope" in d.message and d.span.column == 4


def test_billion_laughs_is_stopped():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    loc, r = loc_of("\n".join(lines) + "\n")
    assert loc is None and codes(r) == ["NEX150"]


def test_tab_indentation_is_reported_with_position():
    loc, r = loc_of("agents:\n  a:\n\tllm: x\n")
    [d] = r.diagnostics
    assert d.code == "NEX105" and (d.span.line, d.span.column) == (3, 1)
    _, r = loc_of("a:\n  b: 1\n  \tc: 2\n")
    assert codes(r) == ["NEX105"] and r.diagnostics[0].span.column == 3


def test_tabs_inside_block_strings_and_after_values_are_fine():
    loc, r = loc_of("p: |\n  code:\n  \tindented\nq:\tvalue\n")
    assert not r.diagnostics and loc.plain() == {"p": "code:\n\tindented\n", "q": "value"}


@pytest.mark.parametrize("text, line, column, reason", [
    ("agents:\n  a:\n    llm: [main\n", 4, 1, "did not find expected ',' or ']'"),
    ("a: 1\n  b: 2\n", 2, 4, "mapping values are not allowed"),
    ("a: 'unterminated\n", 2, 1, "found unexpected end of stream"),
    ("- a\nb: 1\n", 2, 1, "did not find expected '-' indicator"),
    ("a: b: c\n", 1, 5, "mapping values are not allowed"),
])
def test_syntax_errors_have_position_and_reason(text, line, column, reason):
    loc, r = loc_of(text)
    [d] = r.diagnostics
    assert loc is None and d.code == "NEX104"
    assert (d.span.line, d.span.column) == (line, column)
    assert reason in d.message


def test_multiple_documents_are_an_error():
    loc, r = loc_of("a: 1\n---\nb: 2\n")
    assert loc is None and codes(r) == ["NEX151"] and r.diagnostics[0].span.line == 2


def test_explicit_single_document_is_fine():
    loc, r = loc_of("---\na: 1\n...\n")
    assert loc.plain() == {"a": 1} and not r.diagnostics


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 999, 5000, 50_000])
def test_deep_flow_nesting(depth):
    loc, r = loc_of("a: " + "[" * depth + "]" * depth + "\n")
    assert loc is None and codes(r) == ["NEX107"]


def test_deep_block_nesting():
    text = "".join("  " * i + f"k{i}:\n" for i in range(150)) + "  " * 150 + "v: 1\n"
    loc, r = loc_of(text)
    assert loc is None and codes(r) == ["NEX107"] and r.diagnostics[0].span.line == 101


def test_nesting_at_the_limit_is_fine():
    loc, r = loc_of("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert loc is not None and not r.diagnostics


def test_control_characters_are_reported():
    loc, r = loc_of("a: b\nc: \x00\x01\n")
    [d] = r.diagnostics
    assert loc is None and d.code == "NEX104" and (d.span.line, d.span.column) == (2, 4)
    assert "U+0000" in d.message


def test_huge_file_loads():
    text = "metadata:\n" + "".join(f"  key_{i}: [value {i}, {i}, {i}.5]\n" for i in range(15_000))
    loc, r = loc_of(text)
    assert not r.diagnostics and len(loc.value["metadata"].value) == 15_000


def test_comments_helper():
    text = ("# top\nname: x  # trailing\nurl: 'http://x#y'  # after quote\nq: \"a # b\"\np: |\n  # inside a block\n"
            "  text # not either\nlast: 1 # nex: ignore[NEX201]\nhash: a#b\n")
    assert comments(text) == [(1, "# top"), (2, "# trailing"), (3, "# after quote"),
                              (8, "# nex: ignore[NEX201]")]


def test_control_character_position_after_non_ascii_text():
    _, r = loc_of("ééé: a\nb: é\x01\n")
    [d] = r.diagnostics
    assert (d.span.line, d.span.column) == (2, 5)
