"""nexc lint: suppressions, [tool.nexc] configuration, renderers, CLI exit codes, lazy imports, and
the generated diagnostics reference."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nexc.commands.lint import lint
from nexc.diagnostics import Diagnostic
from nexc.diagnostics.render import render_github, render_sarif
from nexc.ir.base import Span
from nexc.lint.config import load_config
from nexc.lint.run import lint_paths
from nexc.lint.suppress import parse

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

UNREACHABLE = 'nex 1\nagent helper { prompt = "h" }\nagent main { prompt = "m" }\nentry main\n'


def _lint(tmp_path, monkeypatch, files: dict, target: str = "spec.nex", **kw):
    monkeypatch.chdir(tmp_path)
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return lint_paths([target], **kw)


# ---------------------------------------------------------------- suppressions

def test_parse_suppressions_positions_and_scope():
    sups = parse("f.nex", "a  # nex: ignore[NEX401, unused-tool]\n# nex: ignore[NEX4]\nb\n")
    assert [(s.selector, s.span.line, s.span.column, s.lines) for s in sups] == [
        ("NEX401", 1, 18, (1,)), ("unused-tool", 1, 26, (1,)), ("NEX4", 2, 15, (2, 3))]


@pytest.mark.parametrize("comment", ["# nex: ignore[NEX401]", "# nex: ignore[unreachable-agent]",
                                     "# nex:ignore[NEX40]", "# nex: ignore[ NEX402 , NEX401 ]"])
def test_same_line_suppression(tmp_path, monkeypatch, comment):
    spec = UNREACHABLE.replace('agent helper { prompt = "h" }', f'agent helper {{ prompt = "h" }}  {comment}')
    codes = [d.code for d in _lint(tmp_path, monkeypatch, {"spec.nex": spec})]
    assert codes == (["NEX490"] if "NEX402" in comment else [])


def test_line_above_suppression_and_trailing_comment_does_not_leak(tmp_path, monkeypatch):
    above = UNREACHABLE.replace("agent helper", "# nex: ignore[NEX401]\nagent helper")
    assert _lint(tmp_path, monkeypatch, {"spec.nex": above}) == []
    trailing = UNREACHABLE.replace("nex 1\n", 'nex 1  # nex: ignore[NEX401]\n')
    assert [d.code for d in _lint(tmp_path, monkeypatch, {"spec.nex": trailing})] == ["NEX490", "NEX401"]


def test_yaml_suppression(tmp_path, monkeypatch):
    spec = "nex: 1\nagents:\n  helper: {prompt: h}  # nex: ignore[unreachable-agent]\n  main: {prompt: m}\nentry: main\n"
    assert _lint(tmp_path, monkeypatch, {"spec.nex.yaml": spec}, "spec.nex.yaml") == []


def test_suppression_in_an_imported_file(tmp_path, monkeypatch):
    lib = 'nex 1\nagent helper { prompt = "h" }  # nex: ignore[NEX401]\n'
    main = 'nex 1\nimport "lib.nex"\nagent main { prompt = "m" }\nentry main\n'
    assert _lint(tmp_path, monkeypatch, {"lib.nex": lib, "spec.nex": main}) == []


# ---------------------------------------------------------------- configuration

def _cfg(tmp_path, text):
    p = tmp_path / "pyproject.toml"
    p.write_text(text, encoding="utf-8")
    return load_config(p)


def test_config_select_ignore_specificity(tmp_path):
    cfg = _cfg(tmp_path, '[tool.nexc]\nselect = ["NEX401"]\nignore = ["NEX4"]\n')
    assert not cfg.problems
    assert cfg.enabled("NEX401", "unreachable-agent", "x.nex")
    assert not cfg.enabled("NEX402", "unused-tool", "x.nex")
    assert not cfg.enabled("NEX301", "unknown-tool", "x.nex")  # not selected
    cfg = _cfg(tmp_path, '[tool.nexc]\nignore = ["unused-tool"]\n')
    assert cfg.enabled("NEX401", "unreachable-agent", "x.nex") and not cfg.enabled("NEX402", "unused-tool", "x.nex")


def test_config_problems(tmp_path):
    cfg = _cfg(tmp_path, '[tool.nexc]\nignore = "NEX401"\nselct = []\nseverity = {NEX401 = "fatal", nope = "error"}\n'
                         'per-file-ignores = {"a/*" = ["NEX9999"]}\n')
    found = sorted((d.code, d.message.split(";")[0]) for d in cfg.problems)
    assert [c for c, _ in found] == ["NEX491", "NEX491", "NEX492", "NEX492", "NEX492"], found
    assert any("did you mean 'select'" in d.message for d in cfg.problems)
    bad = _cfg(tmp_path, "[tool.nexc\n")
    assert [d.code for d in bad.problems] == ["NEX492"]


def test_config_found_walking_up_with_overrides_and_per_file(tmp_path, monkeypatch):
    files = {
        "pyproject.toml": '[tool.nexc]\n[tool.nexc.severity]\nunreachable-agent = "error"\n'
                          '[tool.nexc.per-file-ignores]\n"legacy/**" = ["NEX4"]\n',
        "specs/spec.nex": UNREACHABLE,
        "legacy/old/spec.nex": UNREACHABLE,
    }
    diags = _lint(tmp_path, monkeypatch, files, "specs/spec.nex")
    assert [(d.code, d.severity) for d in diags] == [("NEX401", "error")]
    assert lint_paths(["legacy"]) == []
    assert [d.code for d in lint_paths(["legacy"], use_config=False)] == ["NEX401"]


def test_fixture_folder_with_everything_suppressed():
    assert lint_paths([str(FIXTURES / "suppressed")]) == []


# ---------------------------------------------------------------- renderers

DIAGS = [
    Diagnostic("NEX301", "error", Span(file="specs/a b.nex", line=3, column=5, end_line=3, end_column=9),
               "unknown tool 'serch'; did you mean 'search'?", ("note, with: colon",), "replace it"),
    Diagnostic("NEX401", "warning", Span(file="specs/x.nex.yaml", line=1, column=1, end_line=1, end_column=1),
               "agent 'h' is unreachable\nsecond line 100%"),
    Diagnostic("NEX490", "info", Span(file="x.nex", line=2, column=1, end_line=4, end_column=2), "info level"),
]

#: What GitHub code scanning requires of an uploaded SARIF file (a strict subset of SARIF 2.1.0).
_LEVEL = {"enum": ["none", "note", "warning", "error"]}
_TEXT = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
_POS = {"type": "integer", "minimum": 1}
_REGION = {"type": "object", "required": ["startLine"],
           "properties": {"startLine": _POS, "startColumn": _POS, "endLine": _POS, "endColumn": _POS}}
_ARTIFACT = {"type": "object", "required": ["uri"], "properties": {"uri": {"type": "string", "pattern": "^[^\\\\ ]+$"}}}
_LOCATION = {"type": "object", "required": ["physicalLocation"], "properties": {"physicalLocation": {
    "type": "object", "required": ["artifactLocation", "region"],
    "properties": {"artifactLocation": _ARTIFACT, "region": _REGION}}}}
_RESULT = {"type": "object", "required": ["ruleId", "message", "locations"], "properties": {
    "ruleId": {"type": "string"}, "level": _LEVEL, "ruleIndex": {"type": "integer", "minimum": 0}, "message": _TEXT,
    "locations": {"type": "array", "minItems": 1, "maxItems": 10, "items": _LOCATION},
    "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}}}}
_RULE = {"type": "object", "required": ["id", "shortDescription", "defaultConfiguration"], "properties": {
    "id": {"type": "string"}, "shortDescription": _TEXT, "fullDescription": _TEXT, "help": _TEXT,
    "defaultConfiguration": {"type": "object", "properties": {"level": _LEVEL}}}}
_DRIVER = {"type": "object", "required": ["name", "rules"],
           "properties": {"name": {"type": "string"}, "version": {"type": "string"},
                          "rules": {"type": "array", "items": _RULE}}}
_RUN = {"type": "object", "required": ["tool", "results"], "properties": {
    "tool": {"type": "object", "required": ["driver"], "properties": {"driver": _DRIVER}},
    "results": {"type": "array", "items": _RESULT}}}
SARIF_SUBSET = {"type": "object", "required": ["version", "runs", "$schema"], "properties": {
    "version": {"const": "2.1.0"}, "$schema": {"type": "string"},
    "runs": {"type": "array", "minItems": 1, "items": _RUN}}}


def test_sarif_structure_is_what_github_accepts(snapshot):
    from jsonschema import Draft202012Validator

    log = json.loads(render_sarif(DIAGS))
    Draft202012Validator(SARIF_SUBSET).validate(log)
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["NEX301", "NEX401", "NEX490"]
    for res in run["results"]:
        rule = run["tool"]["driver"]["rules"][res["ruleIndex"]]
        assert rule["id"] == res["ruleId"]
        reg = res["locations"][0]["physicalLocation"]["region"]
        assert (reg["endLine"], reg["endColumn"]) >= (reg["startLine"], reg["startColumn"])
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "specs/a%20b.nex"
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note"]
    assert render_sarif(DIAGS) == snapshot


def test_github_annotations(snapshot):
    out = render_github(DIAGS)
    lines = out.splitlines()
    assert lines[0].startswith("::error file=specs/a b.nex,line=3,col=5,endLine=3,endColumn=9,"
                               "title=NEX301 unknown-tool::unknown tool 'serch'")
    assert "%0Anote: note, with: colon%0Afix: replace it" in lines[0]
    assert lines[1].startswith("::warning ") and "second line 100%25" in lines[1]
    assert lines[2].startswith("::notice ")
    assert out == snapshot


# ---------------------------------------------------------------- CLI

@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_cli_formats_and_exit_codes(tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.nex").write_text('nex 1\nagent a { prompt = "x" }\n', encoding="utf-8")
    (tmp_path / "warn.nex").write_text(UNREACHABLE, encoding="utf-8")
    (tmp_path / "bad.nex").write_text('nex 1\nagent a { prompt = "x"\n  tools = [nope] }\n', encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(lint, ["good.nex", "--format", fmt]).exit_code == 0
    warn = runner.invoke(lint, ["warn.nex", "--format", fmt])
    assert warn.exit_code == 0 and "NEX401" in warn.output
    bad = runner.invoke(lint, ["bad.nex", "good.nex", "--format", fmt])
    assert bad.exit_code == 1 and "NEX301" in bad.output
    if fmt in ("json", "sarif"):
        json.loads(bad.output)
    assert runner.invoke(lint, ["good.nex", "--format", "xml"]).exit_code == 2


def test_cli_check_imports_flag(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.nex").write_text('nex 1\ntool t(q: str) = python "missing_mod:f"\nagent a { prompt = "x"\n'
                                    '  tools = [t] }\n', encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(lint, ["s.nex"]).exit_code == 0
    out = runner.invoke(lint, ["s.nex", "--check-imports"])
    assert out.exit_code == 1 and "NEX407" in out.output


def test_check_imports_covers_agent_extensions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exts_mod.py").write_text("class Good:\n    def after_tool(self, ctx, name, args, text):\n"
                                          "        return text\n\nclass Useless:\n    pass\n\nVALUE = 3\n",
                                          encoding="utf-8")
    (tmp_path / "s.nex").write_text(
        'nex 1\nagent a { prompt = "x"\n  extensions = ["exts_mod:Good", "exts_mod:Useless", "exts_mod:Nope",\n'
        '    {import: "exts_mod:VALUE", kind: hook}] }\n', encoding="utf-8")
    out = CliRunner().invoke(lint, ["s.nex", "--check-imports"])
    assert out.exit_code == 1
    assert "middleware 'exts_mod:Useless' of agent 'a' has none of the methods" in out.output
    assert "middleware 'exts_mod:Nope' of agent 'a' does not import" in out.output
    assert "hook 'exts_mod:VALUE' of agent 'a' is not callable" in out.output
    assert "3 errors" in out.output  # nothing about exts_mod:Good


def test_lint_start_up_stays_lazy(tmp_path):
    spec = tmp_path / "s.nex"
    spec.write_text('nex 1\ntool t(q: str) -> str "d" = python "m:f"\nagent a { prompt = "x"\n  tools = [t] }\n',
                    encoding="utf-8")
    code = ("import sys\nfrom nexc.cli import main\ntry:\n    main(['lint', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('jsonschema', 'jinja2', 'openai', 'mcp', 'nexc.runtime') if m in sys.modules))")
    p = subprocess.run([sys.executable, "-c", code, str(spec)], capture_output=True, text=True, timeout=60)
    assert p.stdout.strip().splitlines()[-1] == "[]", p.stdout + p.stderr


# ---------------------------------------------------------------- generated reference

def test_diagnostics_reference_is_up_to_date():
    from nexc.diagnostics.reference import page_path, render

    assert page_path() == REPO / "specs" / "diagnostics.md"
    assert page_path().read_text(encoding="utf-8") == render(), \
        "specs/diagnostics.md is stale: run `python -m nexc.diagnostics.reference --write`"


def test_reference_lists_every_code():
    from nexc.diagnostics import all_rules

    text = (REPO / "specs" / "diagnostics.md").read_text(encoding="utf-8")
    for r in all_rules():
        assert f"### {r.code} {r.name}" in text
