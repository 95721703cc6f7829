"""The typed pass seams of :mod:`nexc.pipeline` (issue 19, review §6): the Check / Optimisation / Emitter
contracts the loaders enforce, BuildOptions in place of an options dict, PassContext."""
from __future__ import annotations

import dataclasses
import sys
import textwrap

import pytest

from nexc import pipeline
from nexc.pipeline import (CHECKS, OPTIMISATIONS, BuildOptions, Check, ContractError, Emitter, Optimisation,
                           PassContext, compile_path, conform, load_pass)


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """``plugin(name, source)`` → the importable name of a module written for this test."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name: str, source: str) -> str:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        sys.modules.pop(name, None)
        return name

    return write


def test_every_registered_pass_meets_its_contract():
    for mod in CHECKS:
        assert callable(load_pass(f"{mod}:check", Check))
    for mod in OPTIMISATIONS:
        assert callable(load_pass(f"{mod}:optimise", Optimisation))
    from nexc.emit import EMITTERS

    for target, ref in EMITTERS.items():
        assert callable(load_pass(ref, Emitter)), target


def test_a_module_without_the_function_is_refused_by_name(plugin):
    mod = plugin("nexc_test_nocheck", "def chek(fw, r, ctx):\n    pass\n")
    with pytest.raises(ContractError, match=r"module nexc_test_nocheck has no 'check'.*check \(fw, reporter, ctx\)"):
        load_pass(f"{mod}:check", Check)


@pytest.mark.parametrize("source,why", [
    ("def check(fw, r):\n    pass\n", r"takes \(fw, r\); it must be a Check: a function of 3 positional"),
    ("check = 3\n", r"is int, not a Check"),
    ("class check:\n    def __init__(self, a, b, c):\n        pass\n", r"is type, not a Check"),
    ("def check(fw, r, ctx, *, strict):\n    pass\n", r"takes \(fw, r, ctx, \*, strict\)"),
])
def test_a_function_of_the_wrong_shape_is_refused(plugin, source, why):
    mod = plugin("nexc_test_badcheck", source)
    with pytest.raises(ContractError, match=why):
        load_pass(f"{mod}:check", Check)


def test_flexible_signatures_are_accepted(plugin):
    mod = plugin("nexc_test_okpass", "def optimise(fw, ctx=None, *rest, **kw):\n    return fw\n")
    assert load_pass(f"{mod}:optimise", Optimisation)("fw", None) == "fw"
    with pytest.raises(ContractError, match="Emitter"):
        conform(lambda fw, ctx: None, Emitter, "x:emit")
    assert isinstance(ContractError("x"), TypeError)


def test_a_broken_check_in_the_pipeline_is_a_diagnostic_naming_it(tmp_path, plugin, monkeypatch):
    mod = plugin("nexc_test_twoargs", "def check(fw, r):\n    pass\n")
    monkeypatch.setattr(pipeline, "CHECKS", (mod,))
    spec = tmp_path / "s.nex"
    spec.write_text('nex 1\nagent a {\n  prompt = "p"\n}\n', encoding="utf-8")
    (d,) = compile_path(spec).reporter.sorted()
    assert d.code == "NEX900" and "nexc_test_twoargs:check takes (fw, r)" in d.message


def test_build_options_are_frozen_and_typed():
    o = BuildOptions(formats=("openai",), check_imports=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.check_imports = False  # type: ignore[misc]
    assert BuildOptions.of(None) == BuildOptions() and BuildOptions.of(o) is o


def test_a_dict_of_options_is_converted_and_unknown_keys_refused():
    o = BuildOptions.of({"formats": "openai, qwen3_coder", "schema_target": None, "check_imports": 1})
    assert o == BuildOptions(formats=("openai", "qwen3_coder"), check_imports=True)
    assert BuildOptions.of({"formats": ["hermes"]}).formats == ("hermes",)
    with pytest.raises(TypeError, match="unknown build option.*check_import; known: check_imports"):
        BuildOptions.of({"check_import": True})
    with pytest.raises(TypeError, match="schema_target"):
        BuildOptions.of({"schema_target": "strict"})


def test_every_option_key_a_caller_used_is_a_field():
    # the string keys of the old Context.options dict, as commands/build.py, lint, the api and A4A set them
    assert {f.name for f in dataclasses.fields(BuildOptions)} == {"formats", "schema_target", "check_imports",
                                                                 "simulate_missing"}


def test_compile_path_takes_options_or_a_dict(tmp_path):
    spec = tmp_path / "s.nex"
    spec.write_text('nex 1\nagent a {\n  prompt = "p"\n}\n', encoding="utf-8")
    a = compile_path(spec, options={"check_imports": True})
    b = compile_path(spec, options=BuildOptions(check_imports=True))
    assert a.context.options == b.context.options == BuildOptions(check_imports=True)
    assert isinstance(a.context, PassContext)
    assert PassContext(root_dir=tmp_path, options={"simulate_missing": True}).options.simulate_missing
    assert not hasattr(pipeline, "Context")  # renamed: "context" names three other things in nexc
