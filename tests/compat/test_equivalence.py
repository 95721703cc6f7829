"""One framework written three ways — NexAU YAML, nexc YAML, .nex — gives one IR."""
from __future__ import annotations

import importlib

import pytest

from nexc.ir.base import strip_spans

from .conftest import FIXTURES, compile_file

EQUIV = FIXTURES / "equiv"


def _frontend_ready(name: str) -> bool:
    try:
        mod = importlib.import_module(f"nexc.frontend.{name}")
    except ImportError:
        return False
    return hasattr(mod, "load")


def _ir(path, kind):
    fw, r = compile_file(path, kind)
    assert fw is not None and not r.has_errors, r.sorted()
    return strip_spans(fw)


def test_nexau_and_nexc_yaml_agree():
    if not _frontend_ready("yaml_spec"):
        pytest.skip("frontend not present: nexc.frontend.yaml_spec")
    assert _ir(EQUIV / "researcher.yaml", "nexau") == _ir(EQUIV / "researcher.nex.yaml", "yaml")


def test_nex_agrees_with_nexau():
    if not _frontend_ready("nex"):
        pytest.skip("frontend not present: nexc.frontend.nex")
    assert _ir(EQUIV / "researcher.nex", "nex") == _ir(EQUIV / "researcher.yaml", "nexau")


def test_export_of_nexc_yaml_loads_back_equal(tmp_path):
    if not _frontend_ready("yaml_spec"):
        pytest.skip("frontend not present: nexc.frontend.yaml_spec")
    from nexc.emit.nexau_export import export_nexau

    fw, _ = compile_file(EQUIV / "researcher.nex.yaml", "yaml")
    report = export_nexau(fw, EQUIV, tmp_path)
    assert report.complete, report.text()
    assert _ir(tmp_path / "researcher.yaml", "nexau") == strip_spans(fw)
