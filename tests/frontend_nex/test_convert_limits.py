"""``nexc convert`` is closed: what lints clean converts to something that lints clean, or the conversion
says why (a diagnostic with a code, no traceback) and writes nothing — at the limits of the frontends
(YAML's 1024-character implicit keys, nesting depth, file size) and for signatures the grammar cannot say."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from nexc.frontend.yaml_loader import MAX_DEPTH as YAML_MAX_DEPTH
from nexc.ir import strip_spans
from nexc.pipeline import compile_path
from nexc.source import MAX_SPEC_BYTES


def nexc(*args, cwd):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "nexc", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def lint_clean(path):
    res = compile_path(path)
    diags = res.reporter.sorted()
    assert res.framework is not None and not diags, [f"{d.code} {d.message}" for d in diags]
    return res.framework


def assert_refused(p, code, out):
    assert p.returncode == 1, (p.returncode, p.stderr[-2000:])
    assert "Traceback" not in p.stderr
    assert f"error[{code} " in p.stderr and "nothing was written" in p.stderr, p.stderr[-2000:]
    assert not out.exists() and p.stdout == ""


# ---------------------------------------------------------------- optional enums (issue 17 #14)

ENUM_YAML = """\
nex: 1
name: e
llms:
  main: {model: m}
tools:
  pick:
    description: Pick.
    parameters: %s
    binding: {stdlib: finish}
agents:
  a:
    llm: main
    tools: [pick]
entry: a
"""

VARIANTS = {
    "optional enum, no default": {"type": "object", "properties": {"mode": {"type": "string", "enum": ["a", "b"]},
                                                                   "q": {"type": "string"}}, "required": ["q"]},
    "optional enum with default": {"type": "object", "properties": {
        "mode": {"type": "string", "enum": ["a", "b"], "default": "b"}}},
    "required enum": {"type": "object", "properties": {"mode": {"type": "string", "enum": ["a", "b"],
                                                                "description": "How."}}, "required": ["mode"]},
    "optional string": {"type": "object", "properties": {"q": {"type": "string"}}},
    "two optional enums and a list": {"type": "object", "properties": {
        "x": {"type": "string", "enum": ["1"]}, "y": {"type": "string", "enum": ["p", "q"]},
        "z": {"type": "array", "items": {"type": "string"}}}},
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_yaml_to_nex_of_tool_parameters_lints_clean_with_equal_parameters(name, tmp_path):
    src = tmp_path / "spec.nex.yaml"
    src.write_text(ENUM_YAML % json.dumps(VARIANTS[name]), encoding="utf-8")
    before = lint_clean(src)
    p = nexc("convert", src, "--to", "nex", "-o", tmp_path / "spec.nex", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    text = (tmp_path / "spec.nex").read_text(encoding="utf-8")
    assert '"?' not in text  # `"a" | "b"?` is not in the grammar
    after = lint_clean(tmp_path / "spec.nex")
    assert after.tools[0].parameters == before.tools[0].parameters == VARIANTS[name]
    assert strip_spans(after) == strip_spans(before)


def test_an_optional_enum_without_default_is_written_as_a_parameters_map(tmp_path):
    src = tmp_path / "spec.nex.yaml"
    src.write_text(ENUM_YAML % json.dumps(VARIANTS["optional enum, no default"]), encoding="utf-8")
    p = nexc("convert", src, "--to", "nex", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "parameters = {" in p.stdout and 'enum: ["a", "b"]' in p.stdout


# ---------------------------------------------------------------- long names (YAML's simple-key limit)


@pytest.mark.parametrize("length", [1000, 1025, 3000])
def test_a_long_agent_name_converts_to_yaml_that_lints_clean(length, tmp_path):
    name = "a" * length
    src = tmp_path / "long.nex"
    src.write_text(f'llm main {{ model = "m" }}\nagent {name} {{\n  llm = main\n  tools = [helper]\n}}\n'
                   f'agent helper "Helps." {{ llm = main }}\nentry {name}\n', encoding="utf-8")
    before = lint_clean(src)
    out = tmp_path / "long.nex.yaml"
    p = nexc("convert", src, "--to", "yaml", "-o", out, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert strip_spans(lint_clean(out)) == strip_spans(before)
    back = tmp_path / "back.nex"
    assert nexc("convert", out, "--to", "nex", "-o", back, cwd=tmp_path).returncode == 0
    assert strip_spans(lint_clean(back)) == strip_spans(before)


def test_long_map_keys_use_the_explicit_form_every_yaml_reader_accepts(tmp_path):
    from nexc.emit.yaml_text import MAX_IMPLICIT_KEY, emit_yaml

    fw = lint_clean(_write(tmp_path / "s.nex", 'framework f { metadata = {short: 1} }\nllm main { model = "m" }\n'
                                               'agent a { llm = main }\n'))
    meta = {"é" * 600: {"x": [1, {"k" * 1100: "v\nw\n"}]}, "k" * 1100: [], "ok": 1}
    text = emit_yaml(fw.model_copy(update={"metadata": meta}))
    assert "? " in text and max(len(ln.split(": ")[0].encode()) for ln in text.splitlines()) > MAX_IMPLICIT_KEY
    for loader in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        assert yaml.load(text, Loader=loader)["metadata"] == meta
    assert lint_clean(_write(tmp_path / "m.nex.yaml", text)).metadata == meta


# ---------------------------------------------------------------- nesting depth


def _deep(n: int) -> str:
    return "{k: " * n + "1" + "}" * n


def test_a_value_too_deep_for_yaml_is_refused_with_a_diagnostic(tmp_path):
    src = _write(tmp_path / "deep.nex", f'llm main {{ model = "m" }}\nagent a {{\n  llm = main\n'
                                        f'  context = {_deep(99)}\n}}\n')
    lint_clean(src)
    out = tmp_path / "deep.nex.yaml"
    p = nexc("convert", src, "--to", "yaml", "-o", out, cwd=tmp_path)
    assert_refused(p, "NEX107", out)
    assert "deep.nex:2:1" in p.stderr and "agent 'a'" in p.stderr and f"{YAML_MAX_DEPTH} levels" in p.stderr
    p = nexc("convert", src, "--to", "yaml", cwd=tmp_path)  # to stdout: nothing printed either
    assert p.returncode == 1 and p.stdout == ""


def test_the_deepest_value_yaml_takes_converts(tmp_path):
    src = _write(tmp_path / "deep.nex", f'llm main {{ model = "m" }}\nagent a {{\n  llm = main\n'
                                        f'  context = {_deep(YAML_MAX_DEPTH - 3)}\n}}\n')
    before = lint_clean(src)
    out = tmp_path / "deep.nex.yaml"
    p = nexc("convert", src, "--to", "yaml", "-o", out, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert strip_spans(lint_clean(out)) == strip_spans(before)


# ---------------------------------------------------------------- file size


def test_a_spec_whose_yaml_is_over_the_size_limit_is_refused(tmp_path):
    # 600,000 values: 1.8 MB of .nex, 4.8 MB of block YAML (the 900,000 fail the same way, slower)
    src = _write(tmp_path / "big.nex", "framework big { metadata = {k: [" + ", ".join(["0"] * 600_000) + "]} }\n"
                                       'llm main { model = "m" }\nagent a { llm = main }\n')
    assert src.stat().st_size < MAX_SPEC_BYTES
    out = tmp_path / "big.nex.yaml"
    p = nexc("convert", src, "--to", "yaml", "-o", out, cwd=tmp_path)
    assert_refused(p, "NEX003", out)
    assert f"the limit is {MAX_SPEC_BYTES:,}" in p.stderr


def test_a_yaml_spec_whose_nex_is_over_the_size_limit_is_refused(tmp_path):
    n = (MAX_SPEC_BYTES - 200) // 12  # `abcdefghij, ` in a flow list; `"abcdefghij", ` in .nex
    text = ("nex: 1\nname: big\nmetadata: {k: [" + ", ".join(["abcdefghij"] * n) + "]}\n"
            "llms:\n  main: {model: m}\nagents:\n  a: {llm: main}\n")
    src = _write(tmp_path / "big.nex.yaml", text)
    assert src.stat().st_size < MAX_SPEC_BYTES
    out = tmp_path / "big.nex"
    p = nexc("convert", src, "--to", "nex", "-o", out, cwd=tmp_path)
    assert_refused(p, "NEX003", out)


def test_an_existing_output_is_left_alone_when_the_conversion_is_refused(tmp_path):
    src = _write(tmp_path / "deep.nex", f'llm main {{ model = "m" }}\nagent a {{\n  llm = main\n'
                                        f'  context = {_deep(99)}\n}}\n')
    out = _write(tmp_path / "deep.nex.yaml", "mine\n")
    p = nexc("convert", src, "--to", "yaml", "-o", out, "--force", cwd=tmp_path)
    assert p.returncode == 1 and "NEX107" in p.stderr
    assert out.read_text() == "mine\n"


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path
