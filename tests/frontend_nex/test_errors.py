"""Diagnostics of the .nex frontend: codes, spans, messages, recovery, and hostile input."""
from __future__ import annotations

import pytest

from nexc.frontend.nex.scan import MAX_DEPTH

from .helpers import RESEARCH, assert_valid_spans, codes, parse


@pytest.mark.parametrize("text, code, line, column, words", [
    ("agent a {\n  llm: main\n}\n", "NEX100", 2, 6, "key = value"),
    ("agent a {\n  context = {a = 1}\n}\n", "NEX100", 2, 16, "key: value"),
    ("agnet a {}\n", "NEX100", 1, 1, "did you mean 'agent'"),
    ("agent a {\n  tools = [a b]\n}\n", "NEX100", 2, 14, "',' or ']'"),
    ("agent a {\n  llm = = main\n}\n", "NEX100", 2, 9, "expected a value"),
    ("agent a {\n  llm = main;\n}\n", "NEX101", 2, 13, "';'"),
    ('agent a {\n  prompt = "hello\n}\n', "NEX100", 2, 12, "not closed on its line"),
    ('agent a {\n  prompt = """hello\n}\n', "NEX102", 2, 12, "never closed"),
    ("agent a {\n  llm = main\n", "NEX102", 2, 12, "opened with '{'"),
    ('agent a {\n  prompt = "C:\\new\\q"\n}\n', "NEX103", 2, 19, "'\\q'"),
    ('agent a {\n  prompt = "\\u12"\n}\n', "NEX103", 2, 13, "4 hexadecimal digits"),
    ('agent a {\n  prompt = "\\UFFFFFFFF"\n}\n', "NEX103", 2, 13, "not a Unicode character"),
    ("agent a {\n  max_iterations = 1__0\n}\n", "NEX108", 2, 20, "underscores"),
    ("agent a {\n  max_iterations = 10k\n}\n", "NEX108", 2, 20, "invalid number '10k'"),
    ("agent a {\n  max_iterations = 1.2.3\n}\n", "NEX108", 2, 20, "1.2.3"),
    ("nex 2\n", "NEX106", 1, 5, "newer"),
    ("nex 0\n", "NEX106", 1, 5, "not a language version"),
    ('tool t(x: string) = python "m:f"\n', "NEX206", 1, 11, "did you mean 'str'"),
    ('tool t(x: list[str, int]) = python "m:f"\n', "NEX206", 1, 15, "1 type argument"),
    ('tool t(x: dict[int, str]) = python "m:f"\n', "NEX206", 1, 16, "dict[str, T]"),
    ('tool t(x: list[str?]) = python "m:f"\n', "NEX206", 1, 16, "optional"),
    ('tool t(x: int = "a") = python "m:f"\n', "NEX201", 1, 17, "integer"),
    ('tool t(x: "a" | "b" = "c") = python "m:f"\n', "NEX201", 1, 23, "one of"),
    ('tool t(x: int, x: str) = python "m:f"\n', "NEX207", 1, 16, "declared twice"),
    ("agent a {\n  llm = x\n  llm = y\n}\n", "NEX207", 3, 3, "set twice"),
    ("agent a {\n  context = {k: 1, k: 2}\n}\n", "NEX207", 2, 20, "set twice"),
    ('agent a { prompt = """\n    ok\n  bad\n    """ }\n', "NEX109", 3, 1, "indented less"),
    ("entry a\nentry b\n", "NEX207", 2, 1, "two 'entry'"),
    ("agent a {}\nnex 1\n", "NEX100", 2, 1, "must come before"),
    ("agent my-agent {}\n", "NEX101", 1, 9, "my_name"),
])
def test_error(text, code, line, column, words):
    _, diags = parse(text)
    assert_valid_spans(text, diags)
    assert diags, "expected a diagnostic"
    d = diags[0]
    assert (d.code, d.span.line, d.span.column) == (code, line, column), d
    assert words in d.message + " ".join(d.notes), d.message


def test_unclosed_block_at_eof_has_note_at_the_opening():
    _, diags = parse("agent a {\n  tools = [a,\n")
    assert codes(diags) == ["NEX102"]
    assert any("t.nex:2:11" in n for n in diags[0].notes)


def test_unclosed_block_before_next_declaration_is_blamed_on_that_line():
    _, diags = parse("agent a {\n  llm = main\n\nagent b {\n  llm = main\n}\n")
    assert codes(diags) == ["NEX100"]
    assert (diags[0].span.line, diags[0].span.column) == (4, 1)
    assert "t.nex:1:9" in diags[0].notes[0]


def test_recovery_reports_one_error_per_broken_declaration_and_keeps_the_rest():
    text = "agent a {\n  llm main\n}\n\nagent b {\n  x = [1,\n}\n\nllm ok { model = \"m\" }\n\ntool t(x: ) = python \"m:f\"\n"
    sf, diags = parse(text)
    assert codes(diags) == ["NEX100", "NEX100", "NEX100"]
    assert [d.span.line for d in diags] == [2, 7, 11]
    assert [l.name for l in sf.llms] == ["ok"]


def test_invalid_literal_does_not_cascade_into_type_errors():
    _, diags = parse("agent a {\n  max_iterations = 1__0\n}\n")
    assert codes(diags) == ["NEX108"]


def test_builder_errors_come_through():
    _, diags = parse('agent a {\n  max_iteration = 10\n  tools = "x"\n  prompt = envv("X")\n}\n')
    assert sorted(codes(diags)) == ["NEX200", "NEX201", "NEX204"]
    assert any("did you mean 'max_iterations'" in d.message for d in diags)


def test_deep_nesting_is_refused_before_parsing():
    text = "agent a {\n  context = {v: " + "[" * 10_000 + "]" * 10_000 + "}\n}\n"
    sf, diags = parse(text)
    assert sf is None and codes(diags) == ["NEX107"]
    assert diags[0].span.line == 2
    ok = "agent a {\n  context = {v: " + "[" * (MAX_DEPTH - 3) + "]" * (MAX_DEPTH - 3) + "}\n}\n"
    assert parse(ok)[1] == []


def test_unbalanced_deep_brackets():
    sf, diags = parse("[" * 10_000)
    assert sf is None and codes(diags) == ["NEX107"]


def test_ten_megabytes_is_refused_quickly():
    text = "# " + "x" * (10 * 1024 * 1024) + "\n"
    sf, diags = parse(text)
    assert sf is None and codes(diags) == ["NEX003"]


def test_binary_junk_gives_diagnostics():
    junk = bytes(range(256)).decode("latin-1") * 4
    sf, diags = parse(junk)
    assert diags and all(d.code.startswith("NEX1") for d in diags)
    assert_valid_spans(junk, diags)


def test_every_truncation_of_the_example_is_reported_not_raised():
    text = RESEARCH.read_text()
    for cut in range(0, len(text), 7):
        prefix = text[:cut]
        _, diags = parse(prefix)
        assert_valid_spans(prefix, diags)


def test_many_errors_are_capped():
    text = "".join(f"agent a{i} {{ llm: x }}\n" for i in range(80))
    _, diags = parse(text)
    assert len(diags) == 51
    assert "30 more declarations" in diags[0].message or any("30 more" in d.message for d in diags)
