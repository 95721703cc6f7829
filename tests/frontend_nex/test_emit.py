"""emit_nex: resolved IR → .nex text that resolves to the same IR."""
from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from nexc.emit.nex_text import emit_nex, string, value
from nexc.frontend.nex.fmt import format_source
from nexc.frontend.nex.signature import Param, TypeExpr, params_schema, returns_type, signature_of
from nexc.ir import strip_spans
from nexc.ir.model import (
    Agent, AgentRef, Binding, EnvRef, Extension, Framework, Limits, Llm, McpSelection, McpServer, Prompt, Skill,
    SkillRef, Tool, ToolRef,
)
from nexc.pipeline import compile_path

from .helpers import DATA, parse


def roundtrip(fw: Framework, root: Path) -> tuple[Framework, str]:
    text = emit_nex(fw)
    out = root / "emitted.nex"
    out.write_text(text, encoding="utf-8")
    res = compile_path(out)
    errors = [d for d in res.reporter.sorted() if d.code < "NEX400"]
    assert res.framework is not None and not errors, errors
    return res.framework, text


def test_research_example_roundtrips(tmp_path):
    shutil.copytree(DATA / "research", tmp_path / "r")
    res = compile_path(tmp_path / "r" / "research.nex")
    assert res.ok, res.reporter.sorted()
    fw2, text = roundtrip(res.framework, tmp_path / "r")
    assert strip_spans(fw2) == strip_spans(res.framework)
    assert format_source(text, "x.nex")[0] == text  # emitted text is canonical
    assert 'tool chunk(text: str, size: int = 1000) -> list[str]\n  "Split text into chunks."' in text
    assert "docs.lookup" in text and "git.*" in text


def test_unusual_ir_roundtrips(tmp_path):
    (tmp_path / "skills" / "s").mkdir(parents=True)
    (tmp_path / "p.j2").write_text("{{ x }}")
    fw = Framework(
        name="odd", description='Line "one"\nline two', language_version=1, metadata={"true": [1.5, None], "a-b": {}},
        llms=(Llm(name="true_", model=EnvRef(name="M", default="d"), api_key=EnvRef(name="K"), temperature=EnvRef(name="T"),
                  top_p=0.9, max_tokens=5, timeout=1.0, max_retries=0, params={"x": {"y": [True]}}),),
        tools=(
            Tool(name="plain", description="", binding=Binding(kind="python", target="m.n:f")),
            Tool(name="schema", description="custom", parameters={"type": "object", "required": [], "properties": {}},
                 returns={"type": "string", "format": "uri"}, binding=Binding(kind="python", target="m:f"),
                 parallel=False, lazy=True, extra_kwargs={"k": 1}),
            Tool(name="sig", parameters=params_schema([Param("a", TypeExpr("str"), "x\ny", True, 'say "hi"\\')]),
                 returns={"type": "object", "additionalProperties": {"type": "integer"}}),
            Tool(name="todo", description="Mine.", binding=Binding(kind="stdlib", target="todo_write")),
        ),
        mcp_servers=(
            McpServer(name="s1", transport="stdio", command=EnvRef(name="CMD"), args=("a", EnvRef(name="B", default="b")),
                      env={"X-Y": "1"}, cwd="/tmp", include=(), exclude=("z",), connect_timeout=2.0),
            McpServer(name="s2", transport="sse", url="https://e/sse", headers={"H": EnvRef(name="H")}, include=("a",)),
        ),
        skills=(Skill(name="sk", path="skills/s", description="d"),),
        agents=(
            Agent(name="main", description="M", llm="true_",
                  prompt=Prompt(text="  leading spaces\n\ttab\n\"\"\"quotes\"\"\"\n\\ back\r\nend\n", template=True,
                                variables=("x",)),
                  tools=(ToolRef(name="plain"), AgentRef(name="helper"), SkillRef(name="sk"),
                         McpSelection(server="s1", tools=("a-b", "c.d")), McpSelection(server="s2")),
                  stop_tools=("plain",), limits=Limits(max_iterations=3, context_tokens=99, max_depth=4),
                  tool_format="qwen3_coder", parallel_tool_calls=False, storage_seed={"k": "v"},
                  extensions=(Extension(target="m:A"), Extension(target="m:B", kind="hook", params={"p": 1})),
                  context={"c": None}),
            Agent(name="helper", prompt=Prompt(file="p.j2", template=True)),
            Agent(name="other", prompt=Prompt(text="one line")),
        ),
        entry="main",
    )
    fw2, text = roundtrip(fw, tmp_path)
    assert strip_spans(fw2) == strip_spans(fw)
    assert "parameters = {" in text and '"s1.a-b"' in text and "s2.*" in text


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_string_roundtrips_through_a_literal(s):
    sf, diags = parse(f"agent a {{\n  context = {{v: {string(s)}}}\n}}\n")
    assert diags == [] and sf.agents[0].context["v"] == s


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda ch: st.lists(ch, max_size=4) | st.dictionaries(st.text(max_size=8), ch, max_size=4), max_leaves=15)


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_any_json_value_roundtrips(v):
    sf, diags = parse(f"agent a {{\n  context = {{v: {value(v)}}}\n}}\n")
    assert diags == [] and sf.agents[0].context["v"] == v


def test_signature_inverse_is_exact():
    schema = params_schema([Param("q", TypeExpr("str"), description="Q"), Param("n", TypeExpr("int"), 5, True),
                            Param("o", TypeExpr("list", [TypeExpr(literals=["a", "b"])], optional=True))])
    params = signature_of(schema)
    assert params is not None and params_schema(params) == schema
    assert signature_of({"type": "object", "properties": {"q": {"description": "Q", "type": "string"}}}) is None
    assert signature_of({"type": "object", "properties": {}, "required": []}) is None
    assert signature_of({"type": "object", "properties": {"q": {"type": "string", "minLength": 1}}}) is None
    assert returns_type({"type": "array", "items": {}}).text() == "list[any]"
    assert returns_type({"type": "string", "format": "uri"}) is None
