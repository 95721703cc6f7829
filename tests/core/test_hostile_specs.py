"""Hostile specs: size amplification after alias and variable expansion, non-finite and huge numbers,
malformed NexAU bindings, framework names that shadow the runtime's dependencies — each refused with a
diagnostic (never NEX900, never gigabytes), and hypothesis checks that expansion never crashes."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexc.pipeline import compile_path


def _codes(path):
    return [d.code for d in compile_path(path).reporter.sorted()]


# ---------------------------------------------------------------- item 10: bounded after expansion

def test_a_long_scalar_aliased_300_times_is_refused(tmp_path):
    one = "y" * 1_000_000
    spec = tmp_path / "a.nex.yaml"
    spec.write_text("nex: 1\nname: y\nllms:\n  m: {model: x}\nagents:\n  a:\n    llm: m\n    prompt: &big " + one
                    + "\n    description: [" + ", ".join(["*big"] * 300) + "]\n", encoding="utf-8")
    assert "NEX150" in _codes(spec)


def test_a_long_scalar_aliased_in_nexau_yaml_is_refused(tmp_path):
    spec = tmp_path / "b.yaml"
    spec.write_text("type: agent\nname: a\nllm_config: {model: m}\nx: &big " + "z" * 1_000_000
                    + "\nsystem_prompt: [" + ", ".join(["*big"] * 300) + "]\n", encoding="utf-8")
    assert "NEX150" in _codes(spec)


def test_a_variable_used_2000_times_is_refused_before_it_is_built(tmp_path):
    spec = tmp_path / "v.yaml"
    spec.write_text("type: agent\nname: a\nllm_config: {model: m}\nvariables:\n  v: " + "x" * 100_000
                    + "\nsystem_prompt: \"" + " ".join(["${variables.v}"] * 2000) + "\"\n", encoding="utf-8")
    res = compile_path(spec)
    (d,) = [d for d in res.reporter.sorted() if d.code == "NEX150"]
    assert "variables.v" in d.message and d.span.line == 6


def test_ordinary_aliases_and_variables_still_work(tmp_path):
    spec = tmp_path / "ok.yaml"
    spec.write_text("type: agent\nname: a\nllm_config: &l {model: m}\nvariables:\n  who: a helper\n"
                    "system_prompt: \"You are ${variables.who}. ${variables.who}!\"\n", encoding="utf-8")
    res = compile_path(spec)
    assert res.ok, res.reporter.sorted()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(0, 200_000), uses=st.integers(0, 400), nested=st.integers(0, 6), nexau=st.booleans())
def test_expansion_never_crashes(tmp_path_factory, size, uses, nested, nexau):
    d = tmp_path_factory.mktemp("exp")
    lines = ["a0: &a0 " + ("q" * size or "q")]
    for i in range(1, nested + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    use = ", ".join([f"*a{nested}"] * uses)
    if nexau:
        text = "type: agent\nname: a\nllm_config: {model: m}\n" + "\n".join(lines) + f"\nsystem_prompt: [{use}]\n"
        path = d / "s.yaml"
    else:
        text = "nex: 1\nname: y\n" + "\n".join("x-" + ln for ln in lines).replace("*a", "*a") \
               + f"\nllms:\n  m: {{model: x}}\nagents:\n  a: {{llm: m, prompt: hi, description: [{use}]}}\n"
        path = d / "s.nex.yaml"
    path.write_text(text, encoding="utf-8")
    codes = _codes(path)
    assert "NEX900" not in codes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(0, 300_000), uses=st.integers(0, 3000))
def test_variable_expansion_never_crashes(tmp_path_factory, size, uses):
    d = tmp_path_factory.mktemp("var")
    path = d / "v.yaml"
    path.write_text("type: agent\nname: a\nllm_config: {model: m}\nvariables:\n  v: " + ("x" * size or "x")
                    + "\nsystem_prompt: \"" + " ".join(["${variables.v}"] * uses) + "\"\n", encoding="utf-8")
    res = compile_path(path)
    codes = [d.code for d in res.reporter.sorted()]
    assert "NEX900" not in codes
    if size * uses > 8 * 1024 * 1024:
        assert "NEX150" in codes


# ---------------------------------------------------------------- items 12, 13: numbers

@pytest.mark.parametrize("setting", ["temperature: .nan", "timeout: .inf", "top_p: 1e400", "temperature: -.inf",
                                     "params: {x: .nan}", "top_p: 1.5"])
def test_non_finite_llm_settings_are_refused_in_nexc_yaml(tmp_path, setting):
    spec = tmp_path / "s.nex.yaml"
    spec.write_text(f"nex: 1\nname: y\nllms:\n  m:\n    model: x\n    {setting}\nagents:\n  a: {{llm: m, prompt: hi}}\n",
                    encoding="utf-8")
    assert "NEX203" in _codes(spec)


@pytest.mark.parametrize("setting", ["temperature: .nan", "timeout: .inf", "temperature: 1.0e+400"])
def test_non_finite_llm_settings_are_refused_in_nexau_yaml(tmp_path, setting):
    spec = tmp_path / "s.yaml"
    spec.write_text(f"type: agent\nname: a\nsystem_prompt: hi\nllm_config:\n  model: m\n  {setting}\n", encoding="utf-8")
    assert "NEX203" in _codes(spec)


def test_a_5001_digit_integer_in_nexau_yaml_is_a_number_error(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("type: agent\nname: a\nsystem_prompt: hi\nllm_config: {model: m, max_tokens: " + "9" * 5001 + "}\n",
                    encoding="utf-8")
    codes = _codes(spec)
    assert "NEX108" in codes and "NEX900" not in codes


def test_a_5001_digit_integer_in_other_frontends_is_a_number_error(tmp_path):
    big = "9" * 5001
    a = tmp_path / "s.nex.yaml"
    a.write_text(f"nex: 1\nname: y\nllms:\n  m: {{model: x, max_tokens: {big}}}\nagents:\n  a: {{llm: m, prompt: hi}}\n")
    b = tmp_path / "s.nex"
    b.write_text(f'nex 1\nllm m {{\n  model = "x"\n  max_tokens = {big}\n}}\nagent a {{\n  llm = m\n  prompt = "hi"\n}}\n')
    for spec in (a, b):
        codes = _codes(spec)
        assert "NEX900" not in codes and ({"NEX104", "NEX108", "NEX203"} & set(codes)), (spec, codes)


# ---------------------------------------------------------------- item 15: NexAU bindings

@pytest.mark.parametrize("binding", ["my-mod tools:f", "a.b:c d", "tools", ":f", "a.:f", "a:b:c", "1mod:f", "a.b:"])
def test_malformed_nexau_bindings_are_refused(tmp_path, binding):
    (tmp_path / "t.yaml").write_text("type: tool\nname: t\ndescription: d\ninput_schema: {type: object, properties: {}}\n")
    spec = tmp_path / "a.yaml"
    spec.write_text(f'type: agent\nname: a\nsystem_prompt: hi\nllm_config: {{model: m}}\ntools:\n  - name: t\n'
                    f'    yaml_path: t.yaml\n    binding: "{binding}"\n', encoding="utf-8")
    res = compile_path(spec)
    hits = [d for d in res.reporter.sorted() if d.code == "NEX203"]
    assert hits and binding in hits[0].message


def test_a_well_formed_nexau_binding_passes(tmp_path):
    (tmp_path / "t.yaml").write_text("type: tool\nname: t\ndescription: d\ninput_schema: {type: object, properties: {}}\n")
    spec = tmp_path / "a.yaml"
    spec.write_text('type: agent\nname: a\nsystem_prompt: hi\nllm_config: {model: m}\ntools:\n  - name: t\n'
                    '    yaml_path: t.yaml\n    binding: "my_pkg.tools:search"\n', encoding="utf-8")
    assert "NEX203" not in _codes(spec)


# ---------------------------------------------------------------- item 11: names that shadow dependencies

@pytest.mark.parametrize("name", ["anyio", "httpx2", "h11", "sniffio", "pydantic_core", "typing_extensions",
                                  "annotated_types", "mcp", "yaml", "json"])
def test_a_bundle_named_after_a_dependency_is_refused(tmp_path, name):
    from click.testing import CliRunner

    from nexc.cli import cli

    spec = tmp_path / "s.nex.yaml"
    spec.write_text(f"nex: 1\nname: {name}\nllms:\n  m: {{model: x}}\nagents:\n  a: {{llm: m, prompt: hi}}\n")
    out = CliRunner().invoke(cli, ["build", str(spec), "--target", "bundle", "-o", str(tmp_path / "o")])
    assert out.exit_code != 0 and "shadow" in out.output, out.output
    assert not (tmp_path / "o" / name).exists()
