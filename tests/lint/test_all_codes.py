"""Every registered diagnostic code is documented, has a fixture that triggers it, and a snapshot of
its rendered text. The table of fixtures is tests/lint/code_fixtures.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from nexc.diagnostics import all_rules
from nexc.diagnostics.render import render_text
from nexc.lint.run import lint_paths

from .code_fixtures import FIXTURES, PENDING

REPO = Path(__file__).resolve().parents[2]


def discover(code: str) -> str | None:
    """A fixture named after the code (``NEX701_*``) in any ``tests/**/fixtures*`` folder."""
    for d in sorted(REPO.glob("tests/**/fixtures*")):
        for p in sorted(d.rglob(f"{code}_*")):
            return str(p.relative_to(REPO))
    return None


def fixture_for(code: str) -> str | None:
    return FIXTURES.get(code) or discover(code)


CODES = [r.code for r in all_rules()]


def test_every_code_is_documented():
    for r in all_rules():
        for field in ("summary", "what", "why", "example", "fix"):
            assert getattr(r, field).strip(), f"{r.code} has no {field}"
        assert r.doc().startswith(f"# {r.code} {r.name}")


def test_every_code_has_a_fixture_or_is_pending():
    missing = [c for c in CODES if c not in PENDING and fixture_for(c) is None]
    assert not missing, f"codes without a fixture (add them to tests/lint/code_fixtures.py): {missing}"


def test_table_names_only_registered_codes():
    stale = sorted((set(FIXTURES) | set(PENDING)) - set(CODES))
    assert not stale, f"codes in code_fixtures.py that are not registered: {stale}"
    assert not set(FIXTURES) & set(PENDING)


@pytest.mark.parametrize("code", [c for c in CODES if c not in PENDING])
def test_fixture_triggers_code(code, monkeypatch, snapshot):
    rel = fixture_for(code)
    if rel is None:
        pytest.fail(f"no fixture for {code}")
    path = REPO / rel
    monkeypatch.chdir(path.parent)
    sources: dict[str, str] = {}
    diags = lint_paths([path.name], sources=sources)
    mine = [d for d in diags if d.code == code]
    assert mine, f"{rel} does not trigger {code}: {[d.code for d in diags]}"
    assert render_text(mine, sources) == snapshot


def test_pending_nex003_is_triggered_by_a_generated_file(tmp_path, monkeypatch, snapshot):
    """NEX003 (a spec over the size limit) has no fixture in the repository: the file is generated here."""
    from nexc.source import MAX_SPEC_BYTES

    big = tmp_path / "big.nex"
    big.write_text("nex 1\n" + "# padding\n" * (MAX_SPEC_BYTES // 10 + 1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    mine = [d for d in lint_paths(["big.nex"]) if d.code == "NEX003"]
    assert mine and render_text(mine) == snapshot


def test_pending_nex900_is_what_a_bug_in_a_pass_becomes(tmp_path, monkeypatch, snapshot):
    """NEX900 (internal error) cannot be triggered by input; a check that raises stands in for a bug."""
    import nexc.checks.unused as unused

    def broken(fw, reporter, ctx):
        raise KeyError("boom")

    broken.__module__ = unused.__name__
    monkeypatch.setattr(unused, "check", broken)
    (tmp_path / "a.nex").write_text('nex 1\nagent a { prompt = "hi" }\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    mine = [d for d in lint_paths(["a.nex"]) if d.code == "NEX900"]
    assert mine and render_text(mine) == snapshot
