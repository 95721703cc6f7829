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
    diags = lint_paths([path.name])
    mine = [d for d in diags if d.code == code]
    assert mine, f"{rel} does not trigger {code}: {[d.code for d in diags]}"
    assert render_text(mine) == snapshot
