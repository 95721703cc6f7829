"""Snapshots of the resolved IR (spans included) of every example, in both languages."""
from __future__ import annotations

import json

import pytest

from nexc.pipeline import compile_path
from tests.conftest import EXAMPLES, REPO

SPECS = sorted(p.relative_to(REPO).as_posix() for p in list(EXAMPLES.rglob("*.nex")) + list(EXAMPLES.rglob("*.nex.yaml"))
               if not p.name.startswith("_"))


@pytest.mark.parametrize("spec", SPECS)
def test_example_ir(spec, monkeypatch, snapshot):
    monkeypatch.chdir(REPO)
    res = compile_path(spec)
    assert res.ok, res.reporter.sorted()
    assert json.dumps(res.framework.model_dump(mode="json"), indent=1, ensure_ascii=False) == snapshot
