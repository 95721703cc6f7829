"""Issue 18 item 12: ``nexc lint --fix`` applies the exact edits diagnostics carry (did-you-mean names,
a missing ``max_depth``), atomically, and says what it changed; SARIF carries them as ``fixes[]``."""
from __future__ import annotations

import json
import os
import stat

from click.testing import CliRunner
from jsonschema import Draft202012Validator

from nexc.cli import cli
from nexc.diagnostics.render import render_json, render_sarif
from nexc.lint.fix import apply_edits
from nexc.lint.run import lint_paths

NEX = ('nex 1\nentry a\n\nagent a {\n  prompt = "x"\n  tools = [b, serch]\n}\n\n'
       'agent b "Desc {not a brace}" {  # comment\n    prompt = "y"\n    tools = [a]\n}\n\n'
       'tool search(q: str) "Search."\n')
YAML = ('agents:\n  a:\n    prompt: x\n    tools: [b, serch]\n  b:\n    prompt: "y"\n    tools:\n      - a\n'
        '      - "serch"\ntools:\n  search:\n    description: S.\n'
        '    parameters: {type: object, properties: {q: {type: string}}}\nentry: a\n')

# what SARIF 2.1.0 requires of a fix (sarif-schema-2.1.0: fix, artifactChange, replacement, region)
SARIF_FIX = {
    "type": "object", "required": ["artifactChanges"],
    "properties": {
        "description": {"type": "object", "required": ["text"]},
        "artifactChanges": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["artifactLocation", "replacements"],
            "properties": {
                "artifactLocation": {"type": "object", "required": ["uri"]},
                "replacements": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["deletedRegion"],
                    "properties": {
                        "deletedRegion": {"type": "object", "required": ["startLine", "startColumn"],
                                          "properties": {k: {"type": "integer", "minimum": 1} for k in
                                                         ("startLine", "startColumn", "endLine", "endColumn")}},
                        "insertedContent": {"type": "object", "required": ["text"]}}}}}}}},
}


def write(tmp_path, monkeypatch, **files):
    monkeypatch.chdir(tmp_path)
    for name, text in files.items():
        (tmp_path / name.replace("_", ".")).write_text(text, encoding="utf-8")


def test_did_you_mean_diagnostics_carry_the_exact_edit(tmp_path, monkeypatch):
    write(tmp_path, monkeypatch, team_nex=NEX, team_nex_yaml=YAML)
    diags = [d for d in lint_paths(["."]) if d.code == "NEX301"]
    assert len(diags) == 3
    for d in diags:
        assert d.fix == "replace 'serch' with 'search'"  # the words stay as they were
        (e,) = d.edits
        assert (e.original, e.replacement) == ("serch", "search")
        line = (tmp_path / e.span.file).read_text().split("\n")[e.span.line - 1]
        assert line[e.span.column - 1:e.span.end_column - 1] == "serch"
    quoted = next(d for d in diags if d.span.line == 9)
    assert quoted.span.end_column - quoted.span.column == 7 and quoted.edits[0].span.column == quoted.span.column + 1


def test_lint_fix_applies_the_edits_and_says_what_it_changed(tmp_path, monkeypatch):
    write(tmp_path, monkeypatch, team_nex=NEX, team_nex_yaml=YAML)
    before = CliRunner().invoke(cli, ["lint", "."])
    assert before.exit_code == 1 and "can be fixed with `nexc lint --fix`" in before.output
    res = CliRunner().invoke(cli, ["lint", "--fix", "."])
    assert res.exit_code == 0, res.output
    assert "fixed team.nex:6:15: NEX301: replace 'serch' with 'search'" in res.output
    assert "fixed team.nex:6:12: NEX405: set `max_depth`" in res.output
    assert "5 fixes applied in 2 files" in res.output and "no problems found" in res.output
    nex = (tmp_path / "team.nex").read_text()
    assert "agent a {\n  max_depth = 3\n  prompt = \"x\"\n  tools = [b, search]\n}" in nex
    yml = (tmp_path / "team.nex.yaml").read_text()
    assert "  a:\n    max_depth: 3\n    prompt: x\n    tools: [b, search]\n" in yml and '- "search"' in yml
    assert lint_paths(["."]) == []
    assert sorted(os.listdir(tmp_path)) == ["team.nex", "team.nex.yaml"]  # no temporary files left
    again = CliRunner().invoke(cli, ["lint", "--fix", "."])
    assert again.exit_code == 0 and "0 fixes applied" in again.output


def test_lint_fix_keeps_the_file_mode_and_reports_what_is_left(tmp_path, monkeypatch):
    write(tmp_path, monkeypatch, x_nex='nex 1\nagent a {\n  prompt = "x"\n  tools = [serch, zzzzzz]\n}\n'
                                      'tool search(q: str) "S."\n')
    os.chmod(tmp_path / "x.nex", 0o640)
    res = CliRunner().invoke(cli, ["lint", "--fix", "x.nex"])
    assert res.exit_code == 1
    assert "1 fix applied in 1 file" in res.output
    assert "unknown tool or agent 'zzzzzz'" in res.output  # no guess, no edit: still reported
    assert stat.S_IMODE(os.stat(tmp_path / "x.nex").st_mode) == 0o640
    assert "tools = [search, zzzzzz]" in (tmp_path / "x.nex").read_text()


def test_an_edit_is_not_applied_when_the_text_changed_or_edits_overlap(tmp_path, monkeypatch):
    write(tmp_path, monkeypatch, team_nex=NEX)
    diags = [d for d in lint_paths(["team.nex"]) if d.edits]
    text = (tmp_path / "team.nex").read_text()
    new, done = apply_edits(text.replace("serch", "sarch"), diags)
    assert [d.code for d in done] == ["NEX405"] and "sarch" in new
    twice = [diags[0], diags[0]]
    assert len(apply_edits(text, twice)[1]) == 1


def test_max_depth_edit_is_safe_in_unusual_blocks(tmp_path, monkeypatch):
    from nexc.ir.base import Span
    from nexc.lint.edits import setting_edit

    sources = {"b.nex": 'agent b "Desc {x}" {  # c\n  prompt = "y"\n}\n',
               "c.nex": 'agent c { prompt = "y"\n  tools = [a] }\n',
               "d.nex.yaml": "agents:\n  d: {prompt: y, tools: [a]}\n"}
    (e,) = setting_edit(Span(file="b.nex", line=1, column=1, end_line=3, end_column=2), "max_depth", "3", sources)
    assert (e.span.line, e.span.column, e.replacement) == (1, 26, "\n  max_depth = 3")
    (e,) = setting_edit(Span(file="c.nex", line=1, column=1, end_line=2, end_column=16), "max_depth", "3", sources)
    assert apply_edits('agent c { prompt = "y"\n  tools = [a] }\n', [_with(e)])[0] == \
        'agent c {\n  max_depth = 3\n  prompt = "y"\n  tools = [a] }\n'
    assert setting_edit(Span(file="d.nex.yaml", line=2, column=3, end_line=2, end_column=28), "max_depth", "3",
                        sources) == ()


def _with(edit):
    from nexc.diagnostics.diagnostic import Diagnostic

    return Diagnostic("NEX405", "error", edit.span, "m", (), "f", (edit,))


def test_sarif_carries_the_fixes(tmp_path, monkeypatch):
    write(tmp_path, monkeypatch, team_nex=NEX)
    diags = lint_paths(["team.nex"])
    log = json.loads(render_sarif(diags))
    results = log["runs"][0]["results"]
    fixed = [r for r in results if "fixes" in r]
    assert {r["ruleId"] for r in fixed} == {"NEX301", "NEX405"}
    for r in fixed:
        for fix in r["fixes"]:
            Draft202012Validator(SARIF_FIX).validate(fix)
    rep = next(r for r in fixed if r["ruleId"] == "NEX301")["fixes"][0]
    assert rep["description"]["text"] == "replace 'serch' with 'search'"
    change = rep["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "team.nex"
    assert change["replacements"] == [{"deletedRegion": {"startLine": 6, "startColumn": 15, "endLine": 6,
                                                         "endColumn": 20}, "insertedContent": {"text": "search"}}]
    # the JSON form is unchanged: the fix in words, no new keys
    assert all(set(d) <= {"code", "name", "severity", "file", "line", "column", "end_line", "end_column",
                          "message", "notes", "fix"} for d in json.loads(render_json(diags))["diagnostics"])
