"""Emitters raise :class:`EmitError` with registered NEX5xx codes; ``nexc build`` prints them as diagnostics
(file:line:col, the code and name, the fix) and returns exit status 1, writing nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nexc.diagnostics import get
from nexc.diagnostics.render import render_json
from nexc.emit.bundle import literal, package_name
from nexc.emit.result import EmitError, EmitResult
from nexc.ir.base import Span


def _build(folder: Path, *args):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "nexc", "build", *args], capture_output=True, text=True,
                          cwd=folder, env=env, timeout=120)


def test_bundle_name_is_a_located_diagnostic(tmp_path):
    (tmp_path / "spec.nex").write_text('nex 1\n\nframework os "d"\n\nagent a { prompt = "hi" }\n')
    p = _build(tmp_path, "spec.nex", "--no-check-imports", "-o", "out")
    assert p.returncode == 1, p.stdout + p.stderr
    first = p.stderr.splitlines()[0]  # the framework's span (the IR keeps no separate span for its name yet)
    assert first.startswith("spec.nex:") and "error[NEX500 bundle-name]: framework name 'os' would shadow" in first
    assert "Traceback" not in p.stderr and not (tmp_path / "out").exists()


def test_build_codes_are_registered_with_docs():
    for code, name in (("NEX500", "bundle-name"), ("NEX501", "bundle-value"), ("NEX502", "bundle-path")):
        rule = get(name)
        assert rule is not None and rule.code == code and rule.severity == "error" and rule.fix


@pytest.mark.parametrize("value, message", [(float("inf"), "inf cannot be written into a bundle"),
                                            ({1: "x"}, "mapping key 1 is not a string"),
                                            (object(), "a object cannot be written into a bundle")])
def test_values_that_are_not_json_like_raise_nex501(value, message):
    with pytest.raises(EmitError) as err:
        literal({"k": [value]})
    assert (err.value.code, err.value.message) == ("NEX501", message)


def test_an_emit_error_renders_as_json_like_any_diagnostic():
    span = Span(file="spec.nex", line=3, column=11, end_line=3, end_column=13)
    with pytest.raises(EmitError) as err:
        package_name("match", "framework name", span)
    out = json.loads(render_json([err.value.diagnostic(Span.point("spec.nex"))]))
    d = out["diagnostics"][0]
    assert (d["code"], d["name"], d["line"], d["column"]) == ("NEX500", "bundle-name", 3, 11)
    assert d["message"] == "framework name 'match' is a Python keyword; rename it to build a bundle"
    # a synthesised node has no place in a file: the error falls back to the framework's span
    with pytest.raises(EmitError) as err:
        package_name("spec", "framework name", Span.point("<builtin>"))
    assert err.value.span is None and err.value.diagnostic(span).span == span


def test_plugin_emitters_may_return_a_summary_string():
    assert EmitResult.of("x") == EmitResult("x") and EmitResult.of(None).summary is None
    r = EmitResult("s", "report\n")
    assert EmitResult.of(r) is r


def test_an_emit_error_stops_every_target_of_the_build(tmp_path):
    (tmp_path / "spec.nex").write_text('nex 1\n\nframework match "d"\n\nagent a { prompt = "hi" }\n')
    p = _build(tmp_path, "spec.nex", "--no-check-imports", "--target", "bundle", "--target", "manifest", "-o", "out")
    assert p.returncode == 1 and "error[NEX500 bundle-name]" in p.stderr and "is a Python keyword" in p.stderr
    assert not (tmp_path / "out").exists()
