"""The YAML emitter: canonical, deterministic and lossless (emit → load → resolve gives the same IR)."""
from __future__ import annotations

import math

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexc.emit.yaml_text import _map_lines, emit_yaml, quote, scalar, schema_ref_for
from nexc.ir import strip_spans
from nexc.ir.model import (
    Agent, AgentRef, Binding, EnvRef, Extension, Framework, Limits, Llm, McpSelection, McpServer, Prompt, Skill,
    SkillRef, Tool, ToolRef,
)
from nexc.pipeline import compile_path

from .conftest import FULL_SPEC, loc_of


def _compile(path):
    res = compile_path(path)
    errors = [d for d in res.reporter.sorted() if d.severity == "error"]
    assert res.framework is not None and not errors, errors
    return res.framework


def _round_trip(fw: Framework, tmp_path, name="out.nex.yaml") -> tuple[Framework, str]:
    text = emit_yaml(fw)
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return _compile(p), text


def test_full_spec_round_trips(tmp_path):
    src = tmp_path / "src.nex.yaml"
    src.write_text(FULL_SPEC, encoding="utf-8")
    fw = _compile(src)
    again, text = _round_trip(fw, tmp_path)
    assert strip_spans(again) == strip_spans(fw)
    assert emit_yaml(again) == text  # a fixed point


def test_output_shape(tmp_path):
    src = tmp_path / "src.nex.yaml"
    src.write_text(FULL_SPEC, encoding="utf-8")
    text = emit_yaml(_compile(src), schema_url="https://example.com/nexc.schema.json")
    lines = text.split("\n")
    assert lines[0] == "# yaml-language-server: $schema=https://example.com/nexc.schema.json"
    assert lines[1:3] == ["nex: 1", "name: research"]
    assert "    model: {env: NEX_MODEL, default: nex-n1}" in lines
    assert "    tools: [search, todo, visit_page, git.*, docs.search_docs, handoff]" in lines
    assert "    prompt: |" in lines and "      Quote the page where you can." in lines
    assert "      - research.hooks:Logger" in lines
    assert text.endswith("entry: researcher\n") and "\n\n\n" not in text
    assert "max_iterations: 100" not in text  # defaults are left out
    assert emit_yaml(_compile(src)).split("\n")[0] == "# yaml-language-server: $schema=specs/nexc.schema.json"


def test_emitted_yaml_validates_against_the_schema(tmp_path):
    import jsonschema

    from nexc.frontend.yaml_schema import spec_json_schema

    src = tmp_path / "src.nex.yaml"
    src.write_text(FULL_SPEC, encoding="utf-8")
    data = yaml.safe_load(emit_yaml(_compile(src)))
    jsonschema.validate(data, spec_json_schema())


def _hand_built() -> Framework:
    return Framework(
        name="hand", description="Line one\nline two\n", language_version=1,
        metadata={"n": 1, "f": 1.0, "big": 10**30, "neg": -0.5, "sci": 1e-20, "s": "yes", "t": "true",
                  "empty": "", "nul": None, "list": [[1, [2]], {}, [], {"a": None}], "odd key: x": "#", "<<": 1,
                  "1": "one", "multi": "a\n b\n\n", "ws": "  lead", "nl": "\n", "tab": "\tx\n", "cr": "a\r\nb",
                  "uni": "café ✓ 𝄞", "ctl": "\x07\x85\u2028\ufeff", "date": "2024-01-01", "oct": "017"},
        llms=(Llm(name="m", model=EnvRef(name="M", default="0.6"), temperature=EnvRef(name="T"), top_p=1.0,
                  timeout=30.0, max_retries=0, params={"stop": ["\n"]}),),
        tools=(Tool(name="t", description="", parameters={"type": "object", "properties": {}}, returns={"type": "string"},
                    binding=Binding(kind="python", target="pkg.mod:fn"), parallel=False, extra_kwargs={"k": [1]},
                    lazy=True),
               Tool(name="think", description="", parameters={"type": "object", "properties": {"x": {"type": "string"}}},
                    binding=Binding(kind="stdlib", target="think"))),
        mcp_servers=(McpServer(name="s", transport="stdio", command="uvx", args=("a b", EnvRef(name="X")),
                               env={"K": EnvRef(name="K", default="")}, cwd=".", include=(), exclude=("x",),
                               connect_timeout=1.5),
                     McpServer(name="h", transport="sse", url=EnvRef(name="URL"), headers={"A": "b: c"})),
        agents=(Agent(name="a", description="d: x", llm="m",
                      prompt=Prompt(text="Hello {{ who }}\n", template=True, variables=("who",)),
                      tools=(ToolRef(name="t"), AgentRef(name="b"), McpSelection(server="s", tools=None),
                             McpSelection(server="h", tools=("one", "two.three"))),
                      stop_tools=("t",), limits=Limits(max_iterations=5, context_tokens=1000, max_depth=3),
                      tool_format="glm45", parallel_tool_calls=False, storage_seed={"x": []},
                      extensions=(Extension(target="m:A"), Extension(target="m:B", kind="tracer", params={"p": 1})),
                      context={"who": "world"}),
                Agent(name="b", prompt=Prompt(text="- starts with a dash\n  and: colon\n"))),
        entry="a",
    )


def test_hand_built_framework_round_trips(tmp_path):
    fw = _hand_built()
    again, text = _round_trip(fw, tmp_path)
    assert strip_spans(again) == strip_spans(fw)
    assert emit_yaml(fw) == text


def test_files_and_skills_round_trip(tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.md").write_text("You are A.", encoding="utf-8")
    (tmp_path / "skills" / "pdf").mkdir(parents=True)
    (tmp_path / "skills" / "pdf" / "SKILL.md").write_text("---\nname: pdf\ndescription: d\n---\n", encoding="utf-8")
    fw = Framework(name="f", skills=(Skill(name="pdf", path="skills/pdf"),
                                     Skill(name="pdf2", path="skills/pdf", description="Reads PDFs.")),
                   agents=(Agent(name="a", prompt=Prompt(file="prompts/a.md"),
                                 tools=(SkillRef(name="pdf"), SkillRef(name="pdf2"))),), entry="a")
    again, _ = _round_trip(fw, tmp_path)
    assert strip_spans(again) == strip_spans(fw)


def test_output_is_deterministic():
    assert emit_yaml(_hand_built()) == emit_yaml(_hand_built())


def test_schema_ref_for_points_at_the_shipped_schema(tmp_path):
    ref = schema_ref_for(str(tmp_path / "x.nex.yaml"))
    assert ref.endswith("specs/nexc.schema.json") and (tmp_path / ref).resolve().is_file()


# ---------------------------------------------------------------- scalars, property-based

_json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text())
_json = st.recursive(_json_scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(), c, max_size=4),
                     max_leaves=20)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(), _json, max_size=5))
def test_any_json_data_round_trips_through_the_writer(data):
    text = "\n".join(_map_lines(data, "")) + "\n" if data else "{}\n"
    loc, r = loc_of(text, "prop.yaml")
    assert not r.diagnostics, (text, r.diagnostics)
    assert _same(loc.plain(), data), text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_strings_read_the_same_in_yaml_1_1_readers(s):
    text = "\n".join(_map_lines({"k": s, "l": [s]}, "")) + "\n"
    assert yaml.safe_load(text) == {"k": s, "l": [s]}, text


def test_scalar_quoting_decisions():
    assert scalar("plain text") == "plain text"
    assert scalar("research.tools:search") == "research.tools:search"
    for s in ("yes", "on", "true", "null", "1.0", "017", "1_000", "", "a: b", "#x", "- x", "*x", "&x", "!x", "<<",
              "x #y", " lead", "trail ", "@x", "%x", "`x", "{x}", "[x]", "...", "---", "2024-01-01"):
        assert scalar(s).startswith('"'), s
    assert quote("\x85\u2028") == '"\\u0085\\u2028"'
    assert scalar("a,b", flow=True).startswith('"') and scalar("git.*", flow=True) == "git.*"
    assert scalar(float("inf")) == ".inf" and scalar(-0.0) == "-0.0"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(description=st.text(max_size=40), prompt=st.text(min_size=1, max_size=80),
       metadata=st.dictionaries(st.text(max_size=8), _json, max_size=3))
def test_frameworks_round_trip(tmp_path, description, prompt, metadata):
    fw = Framework(name="p", description=description, metadata=metadata,
                   agents=(Agent(name="a", description=description, prompt=Prompt(text=prompt)),), entry="a")
    again, _ = _round_trip(fw, tmp_path)
    assert strip_spans(again) == strip_spans(fw)


def test_real_nexau_frameworks_round_trip_through_yaml(tmp_path):
    """Frameworks read by another frontend (NexAU agent YAML) come back identical from emitted nexc YAML."""
    import shutil
    from pathlib import Path

    import pytest

    from nexc.frontend import available

    src = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "nexau" / "nexdr"
    if not src.is_dir() or "nexau" not in available():
        pytest.skip("NexAU fixtures or frontend not available")
    shutil.copytree(src, tmp_path / "nexdr")
    done = 0
    for p in sorted((tmp_path / "nexdr" / "configs").glob("*/*.yaml")):
        first = compile_path(p)
        if first.framework is None:
            continue
        out = p.with_name(p.stem + ".rt.nex.yaml")
        out.write_text(emit_yaml(first.framework), encoding="utf-8")
        second = compile_path(out)
        assert second.framework is not None, p
        assert strip_spans(second.framework) == strip_spans(first.framework), p
        done += 1
    assert done >= 3
