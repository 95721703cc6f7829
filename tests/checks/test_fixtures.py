"""Each check's minimal failing fixture triggers exactly its code; the rendered text is snapshotted."""
from __future__ import annotations

from pathlib import Path

import pytest

from nexc.diagnostics.render import render_json, render_text
from nexc.lint.run import lint_paths

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith("NEX"))


@pytest.mark.parametrize("name", CASES)
def test_fixture_reports_only_its_code(name, monkeypatch, snapshot):
    monkeypatch.chdir(FIXTURES)
    code = name.split("_")[0]
    sources: dict[str, str] = {}
    diags = lint_paths([name], sources=sources)
    assert {d.code for d in diags} == {code}, render_text(diags)
    assert render_text(diags, sources) == snapshot  # frames from what the build read, no disk reads
    assert render_text(diags, sources) == render_text(diags)


def test_json_rendering_of_a_check(monkeypatch, snapshot):
    monkeypatch.chdir(FIXTURES)
    assert render_json(lint_paths(["NEX405_unbounded_delegation_cycle.nex"])) == snapshot


def test_examples_are_clean():
    repo = FIXTURES.parents[2]
    diags = lint_paths([str(repo / "examples")])
    assert diags == [], render_text(diags)
