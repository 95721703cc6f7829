"""``nexc._lazy``: the one helper that turns a registry's ``"module:attr"`` string into the object."""
from __future__ import annotations

import sys

import pytest

from nexc._lazy import installed, load_ref


def test_load_ref_imports_the_module_and_follows_dotted_attributes():
    assert load_ref("os.path:join") is __import__("os").path.join
    assert load_ref("json:decoder.JSONDecoder") is __import__("json").decoder.JSONDecoder
    assert load_ref("nexc.emit") is sys.modules["nexc.emit"]


def test_load_ref_lets_import_errors_through():
    with pytest.raises(ModuleNotFoundError):
        load_ref("nexc.no_such_module:x")
    with pytest.raises(AttributeError):
        load_ref("nexc.version:no_such_name")


def test_installed_does_not_import(tmp_path, monkeypatch):
    (tmp_path / "lazy_probe_mod.py").write_text("raise RuntimeError('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed("lazy_probe_mod") and "lazy_probe_mod" not in sys.modules
    assert not installed("no_such_top_level_module_x")
    assert not installed("no_such_top_level_module_x.sub")  # a missing parent is "not installed", no error
