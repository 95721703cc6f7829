"""Helpers for check tests: compile a spec written to a temporary folder."""
from __future__ import annotations

import pytest

from nexc.pipeline import compile_path


@pytest.fixture
def compile_text(tmp_path, monkeypatch):
    """``compile_text(text, name="spec.nex", files={}, **options)`` → (CompileResult, codes)."""
    monkeypatch.chdir(tmp_path)

    def run(text: str, name: str = "spec.nex", files: dict | None = None, **options):
        for rel, content in (files or {}).items():
            p = tmp_path / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(content, encoding="utf-8")
        (tmp_path / name).write_text(text, encoding="utf-8")
        res = compile_path(name, options=options)
        return res, [d.code for d in res.reporter.sorted()]

    return run
