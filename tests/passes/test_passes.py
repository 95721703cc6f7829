"""Golden before/after tests of the IR passes in ``nexc/passes`` other than resolve (pass name = module name
= test id, as for the optimisations in ``tests/optimise``), and the rule itself: every pass module has a
golden test of its name."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nexc.diagnostics import Reporter
from nexc.ir.base import strip_spans
from nexc.pipeline import OPTIMISATIONS, compile_path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "pkg" / "team.nex"
REPO = Path(__file__).resolve().parents[2]


def _dump(fw) -> dict:
    return json.loads(json.dumps(strip_spans(fw)))


def _relocate(fw, root: Path, tmp_path: Path):
    from nexc.passes.relocate import relocate

    return relocate(fw, root, root.parent / "converted" / "deeper"), []  # never written: paths only


def _simulate_missing(fw, root: Path, tmp_path: Path):
    from nexc.passes.simulate_missing import simulate_missing

    r = Reporter()
    return simulate_missing(fw, root, r), [d.message for d in r.sorted()]


#: the passes of nexc/passes that run on a resolved framework, by module name
PASSES = {"relocate": _relocate, "simulate_missing": _simulate_missing}


@pytest.mark.parametrize("name", sorted(PASSES))
def test_pass_golden(name, tmp_path, snapshot):
    res = compile_path(FIXTURE, checks=False)
    assert res.framework is not None, res.reporter.sorted()
    fw, root = res.framework, res.context.root_dir
    before = _dump(fw)
    after, said = PASSES[name](fw, root, tmp_path)
    assert _dump(fw) == before, "passes must not change their input"
    assert after is not fw and _dump(after) != before, "the fixture must give the pass something to do"
    assert {"after": _dump(after), "diagnostics": said} == snapshot


def test_every_pass_module_has_a_golden_test_of_its_name():
    modules = {p.stem for p in (REPO / "nexc" / "passes").glob("*.py") if p.stem not in ("__init__", "resolve")}
    assert modules == set(PASSES)  # resolve's golden tests are the example IR snapshots (tests/core)
    golden = (REPO / "tests" / "optimise" / "__snapshots__" / "test_passes.ambr").read_text(encoding="utf-8")
    for mod in OPTIMISATIONS:
        name = mod.rpartition(".")[2]
        assert (REPO / "nexc" / "optimise" / f"{name}.py").is_file()
        assert f"# name: test_pass_golden[{name}]" in golden, name
