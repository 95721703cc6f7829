"""The YAML frontend: detection, loading into surface IR, and diagnostics located at the right place."""
from __future__ import annotations

from pathlib import Path

import pytest

from nexc.frontend import detect as detect_frontend
from nexc.frontend import yaml_spec

from .conftest import FULL_SPEC, codes, load_text

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def test_module_protocol():
    assert yaml_spec.NAME == "yaml" and callable(yaml_spec.detect) and callable(yaml_spec.load)


def test_full_spec_loads_without_problems():
    sf, r = load_text(FULL_SPEC)
    assert not r.diagnostics
    assert sf.name == "research" and sf.language_version == 1
    assert [a.name for a in sf.agents] == ["visit_page", "researcher"]
    assert [t.name for t in sf.tools] == ["search", "todo", "handoff"]
    assert sf.llms[0].max_tokens == 4096 and sf.llms[0].model.name == "NEX_MODEL"
    researcher = sf.agents[1]
    assert researcher.context_tokens == 120_000
    assert [n.value for n in researcher.tools][-3:] == ["git.*", "docs.search_docs", "handoff"]
    assert researcher.prompt.template and researcher.prompt.variables == ("topic",)
    assert sf.mcp_servers[1].transport == "http"
    assert sf.metadata["tags"] == ["demo", "yes"]


def test_declaration_spans_point_at_the_name():
    sf, _ = load_text(FULL_SPEC)
    visit = sf.agents[0]
    lines = FULL_SPEC.split("\n")
    assert lines[visit.name_span.line - 1][visit.name_span.column - 1:].startswith("visit_page:")
    assert visit.span.line == visit.name_span.line and visit.span.end_line > visit.span.line


# ---------------------------------------------------------------- detection

@pytest.mark.parametrize("text, expected", [
    ("nex: 1\nname: x\n", True),
    ("name: x\nagents:\n  a: {llm: m}\n", True),
    ("agents:\n  # a comment\n\n  a:\n    llm: m\n", True),
    ("agents: {a: {}}\n", True),
    ("agents: []\n", False),
    ("agents:\n  - agent_name: a\n", False),
    ("agents:\n- agent_name: a\n", False),
    ("framework: demo\nagents:\n  - agent_name: a\n    description: d\n", False),
    ("name: a\nsystem_prompt: p.md\ntools:\n  - name: t\n    yaml_path: t.yaml\n", False),
    ("name: a\nllm_config: {model: m}\n", False),
    ("name: search\ndescription: d\ninput_schema: {type: object}\n", False),
    ("just: data\n", False),
    ("", False),
    ("\x00\x01binary", False),
])
def test_detect(text, expected):
    assert yaml_spec.detect("x.yaml", text) is expected


def test_detect_rejects_real_nexau_configs():
    files = sorted(FIXTURES.rglob("*.yaml"))
    if not files:
        pytest.skip("no NexAU fixtures in this checkout")
    for f in files:
        assert not yaml_spec.detect(str(f), f.read_text(encoding="utf-8")), f


def test_registry_picks_yaml_by_extension_and_content():
    assert detect_frontend("a.nex.yaml", "") == "yaml"
    assert detect_frontend("a.yaml", "nex: 1\n") == "yaml"


# ---------------------------------------------------------------- diagnostics through the frontend

def _at(r, code):
    d = next(d for d in r.sorted() if d.code == code)
    return d, (d.span.line, d.span.column)


def test_unknown_key_deep_with_did_you_mean():
    sf, r = load_text("agents:\n  a:\n    prompt: {text: hi, templte: true}\n")
    d, pos = _at(r, "NEX200")
    assert pos == (3, 24) and "did you mean 'template'" in d.message


def test_wrong_type_points_at_value():
    _, r = load_text("agents:\n  a:\n    max_iterations: ten\n")
    d, pos = _at(r, "NEX201")
    assert pos == (3, 21) and "integer" in d.message


def test_yaml_1_1_booleans_are_not_booleans():
    _, r = load_text("agents:\n  a:\n    parallel_tool_calls: yes\n")
    d, pos = _at(r, "NEX201")
    assert pos == (3, 26) and "true or false" in d.message


def test_non_mapping_top_level():
    sf, r = load_text("- a\n- b\n")
    assert sf is None and codes(r) == ["NEX201"] and "map at the top level" in r.diagnostics[0].message


def test_syntax_error_gives_no_source_file():
    sf, r = load_text("agents:\n  a: [\n")
    assert sf is None and codes(r) == ["NEX104"]


def test_problems_inside_a_valid_document_still_build():
    sf, r = load_text("name: x\nname: y\nagents:\n  a: {llm: m}\n")
    assert sf is not None and codes(r) == ["NEX207"] and sf.name == "x"


def test_in_memory_text_is_kept_by_the_reporter_for_code_frames():
    import nexc.source

    _, r = load_text("nex: 1\nagents: {a: {max_iterations: x}}\n", path="mem.nex.yaml")
    assert r.sources == {"mem.nex.yaml": "nex: 1\nagents: {a: {max_iterations: x}}\n"}
    assert not hasattr(nexc.source, "_TEXTS") and not hasattr(nexc.source, "cached_text")
    from nexc.diagnostics.render import render_text

    assert "2 | agents: {a: {max_iterations: x}}" in render_text(r.sorted(), r.sources)  # never a file
    assert "2 | agents" not in render_text(r.sorted(), {})


def test_example_in_the_language_reference_is_valid():
    import re

    import jsonschema

    from nexc.frontend.yaml_schema import SCHEMA_PATH, spec_json_schema

    doc = (SCHEMA_PATH.parent / "YAML.md").read_text(encoding="utf-8")
    example = next(b for b in re.findall(r"```yaml\n(.*?)```", doc, re.S) if "nex: 1" in b)
    sf, r = load_text(example)
    assert sf is not None and not r.diagnostics
    from .conftest import loc_of

    jsonschema.validate(loc_of(example)[0].plain(), spec_json_schema())
