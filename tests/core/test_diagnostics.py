"""The diagnostic registry and renderers."""
from __future__ import annotations

import json
import re

from nexc.diagnostics import Reporter, all_rules, get
from nexc.diagnostics.render import render_json, render_text
from nexc.diagnostics.suggest import did_you_mean
from nexc.ir.base import Span


def test_every_code_is_documented_with_a_kebab_name_and_all_sections():
    rules = all_rules()
    assert len(rules) >= 30
    names = set()
    for r in rules:
        assert re.fullmatch(r"NEX\d{3}", r.code)
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", r.name)
        assert r.name not in names
        names.add(r.name)
        assert r.severity in ("error", "warning", "info")
        for part in (r.summary, r.what, r.why, r.example, r.fix):
            assert part.strip(), (r.code, "undocumented section")
        doc = r.doc()
        for heading in ("## What it means", "## Why it matters", "## Example", "## How to fix it"):
            assert heading in doc


def test_lookup_by_code_or_name():
    assert get("NEX301").name == "unknown-tool"
    assert get("nex301").code == "NEX301"
    assert get("unknown-tool").code == "NEX301"
    assert get("NEX999") is None


def test_did_you_mean():
    assert did_you_mean("serch", ["search", "fetch"]) == "search"
    assert did_you_mean("SEARCH", ["search"]) == "search"
    assert did_you_mean("zzzz", ["search"]) is None


def test_json_rendering_has_exactly_the_documented_fields(tmp_path):
    r = Reporter()
    span = Span(file="a.nex", line=2, column=3, end_line=2, end_column=8)
    r.report("NEX301", span, "unknown tool 'serch'", fix="use search")
    r.report("NEX200", span, "unknown key", notes=["n1"])
    data = json.loads(render_json(r.sorted()))
    assert list(data) == ["diagnostics"]
    base = ["code", "name", "severity", "file", "line", "column", "end_line", "end_column", "message"]
    keys = [list(d) for d in data["diagnostics"]]
    assert base + ["notes"] in keys and base + ["fix"] in keys


def test_text_rendering_has_a_code_frame_and_no_colour_unless_asked(tmp_path):
    f = tmp_path / "a.nex"
    f.write_text("agent a {\n  tools = [serch]\n}\n")
    r = Reporter()
    r.report("NEX301", Span(file=str(f), line=2, column=12, end_line=2, end_column=17), "unknown tool 'serch'")
    plain = render_text(r.sorted())
    assert "2 |   tools = [serch]" in plain
    assert "^^^^^" in plain and "\x1b[" not in plain
    assert "\x1b[" in render_text(r.sorted(), colour=True)


def test_reporter_deduplicates_and_sorts():
    r = Reporter()
    s1 = Span(file="b", line=1, column=1, end_line=1, end_column=2)
    s2 = Span(file="a", line=5, column=1, end_line=5, end_column=2)
    r.report("NEX301", s1, "x")
    r.report("NEX301", s1, "x")
    r.report("NEX302", s2, "y")
    assert [d.span.file for d in r.sorted()] == ["a", "b"]
