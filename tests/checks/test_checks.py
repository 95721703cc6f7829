"""Behaviour of each check beyond its minimal fixture: what it must and must not report."""
from __future__ import annotations

import json

import pytest

from nexc.checks.secrets import secret_kind
from nexc.checks.tool_format import ambiguous_params
from nexc.checks.tool_schema import _simple, schema_problems


# ---------------------------------------------------------------- name_clash (NEX400)

def _no_lock_warning(codes):
    return [c for c in codes if c != "NEX418"]  # MCP servers without a lockfile: tests/mcp


def test_mcp_tools_are_namespaced_like_the_runtime(compile_text):
    spec = ('mcp git = stdio "uvx"\ntool {name}() -> str "s" = python "m:f"\n'
            'agent a {{ prompt = "x"\n  tools = [{name}, git.status] }}\n')
    assert _no_lock_warning(compile_text(spec.format(name="status"))[1]) == []  # offered as git__status
    assert _no_lock_warning(compile_text(spec.format(name="git__status"))[1]) == ["NEX400"]


def test_server_star_names_come_from_the_lockfile(compile_text):
    spec = ('mcp git = stdio "uvx"\nmcp hub = stdio "uvx"\ntool hub__issues() -> str "s" = python "m:f"\n'
            'agent a { prompt = "x"\n  tools = [git.*, hub.*, hub__issues] }\n')
    _, codes = compile_text(spec)
    assert _no_lock_warning(codes) == []
    lock = {"version": 1, "servers": {"git": {"tools": [{"name": "status"}, "log"]},
                                       "hub": {"tools": ["status", "issues"]}}}
    res, codes = compile_text(spec, files={"nexc.mcp.lock.json": json.dumps(lock)})
    assert codes == ["NEX400"]  # git.status and hub.status do not clash: git__status, hub__status
    assert "'hub__issues' of server 'hub' and tool 'hub__issues'" in res.reporter.sorted()[0].message


def test_lockfile_respects_server_include_filter(compile_text):
    spec = ('mcp_servers:\n  git: {command: uvx, include: [log]}\n  hub: {command: uvx}\n'
            'tools:\n  git__status: {description: s, binding: "m:f"}\n'
            'agents:\n  a: {prompt: x, tools: ["git.*", "hub.*", git__status]}\n')
    lock = {"servers": {"git": {"tools": ["status", "log"]}, "hub": {"tools": ["status"]}}}
    _, codes = compile_text(spec, name="s.nex.yaml", files={"nexc.mcp.lock.json": json.dumps(lock)})
    assert codes == []


# ---------------------------------------------------------------- unused (NEX401–NEX404)

def test_unresolved_reference_does_not_also_report_unused(compile_text):
    _, codes = compile_text('tool search(q: str) = python "m:f"\nagent a { prompt = "x"\n  tools = [serch] }\n')
    assert codes == ["NEX301"]


def test_single_llm_is_the_default_of_agents_without_one(compile_text):
    _, codes = compile_text('llm main { model = "m" }\nagent a { prompt = "x" }\n')
    assert codes == []


def test_declarations_in_imported_files_are_not_unused(compile_text):
    lib = 'nex 1\ntool extra(q: str) = python "m:f"\nllm spare { model = "m" }\n'
    _, codes = compile_text('nex 1\nimport "lib.nex"\nagent a { prompt = "x" }\n', files={"lib.nex": lib})
    assert codes == []


def test_stop_tool_counts_as_use(compile_text):
    _, codes = compile_text('tool done(a: str) = python "m:f"\nagent a { prompt = "x"\n  tools = [done]\n'
                            '  stop = [done] }\n')
    assert codes == []


# ---------------------------------------------------------------- delegation_cycle (NEX405)

def test_cycle_bounded_by_max_depth_is_fine(compile_text):
    _, codes = compile_text('agent a { prompt = "x"\n  tools = [b] }\nagent b { prompt = "y"\n  tools = [a]\n'
                            '  max_depth = 2 }\nentry a\n')
    assert codes == []


def test_self_delegation_without_bound(compile_text):
    res, codes = compile_text('agent a "A." { prompt = "x"\n  tools = [a] }\n')
    assert codes == ["NEX405"]
    assert "a → a" in res.reporter.sorted()[0].message


def test_one_report_per_cycle_group(compile_text):
    _, codes = compile_text('agent a { prompt = "x"\n  tools = [b] }\nagent b { prompt = "y"\n  tools = [c, a] }\n'
                            'agent c { prompt = "z"\n  tools = [b] }\nentry a\n')
    assert codes == ["NEX405"]


# ---------------------------------------------------------------- tool_schema (NEX406)

@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"a": {"type": "string", "description": "d", "enum": ["x"]},
                                      "b": {"type": ["integer", "null"], "minimum": 0},
                                      "c": {"type": "array", "items": {"type": "object", "properties": {}}}},
     "required": ["a"], "additionalProperties": False},
    {"type": "object", "properties": {"x": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
     "$defs": {"p": {"type": "string"}}},
])
def test_valid_schemas_have_no_problems(schema):
    assert schema_problems(schema) == []


@pytest.mark.parametrize("schema, path, keyword", [
    ({"type": "object", "properties": {"n": {"type": "integr"}}}, "/properties/n/type", "type"),
    ({"type": "object", "required": "n"}, "/required", "type"),
    ({"type": "object", "properties": {"n": {"minLength": -1}}}, "/properties/n/minLength", "minimum"),
    ({"type": "object", "properties": {"n": {"anyOf": {}}}}, "/properties/n/anyOf", "type"),
    ({"type": "string"}, "/type", "type"),
])
def test_invalid_schemas_name_path_and_keyword(schema, path, keyword):
    problems = schema_problems(schema)
    assert (path, keyword) in [(p, k) for p, k, _ in problems], problems


def test_fast_path_never_accepts_what_the_metaschema_rejects():
    from jsonschema.validators import Draft202012Validator

    samples = [{"type": "object"}, {"type": ["string", "string"]}, {"required": ["a", "a"]}, {"enum": "x"},
               {"minLength": True}, {"minimum": "1"}, {"items": {"type": "nope"}}, {"properties": []},
               {"description": 3}, {"additionalProperties": {"type": "integer"}}, {"type": []}]
    for s in samples:
        if _simple(s):
            assert not list(Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(s)), s


# ---------------------------------------------------------------- imports (NEX407/NEX408)

TOOLS_PY = "def search(query, limit=5, **kw):\n    return ''\n\ndef strict(query):\n    return ''\n\nVALUE = 3\n"


def test_imports_are_only_checked_when_asked(compile_text):
    spec = 'tool s(q: str) = python "nope_mod:f"\nagent a { prompt = "x"\n  tools = [s] }\n'
    assert compile_text(spec)[1] == []
    assert compile_text(spec, check_imports=True)[1] == ["NEX407"]


def test_signature_with_kwargs_accepts_extra_params(compile_text):
    spec = ('tool search(query: str, other: int = 1) = python "tools_a:search"\n'
            'tool value(x: str) = python "tools_a:VALUE"\n'
            'tool strict(query: str = "q") = python "tools_a:strict"\n'
            'agent a { prompt = "x"\n  tools = [search, value, strict] }\n')
    res, codes = compile_text(spec, files={"tools_a.py": TOOLS_PY}, check_imports=True)
    msgs = [d.message for d in res.reporter.sorted()]
    assert codes == ["NEX407", "NEX408"], msgs
    assert "not callable" in msgs[0] and "declares as optional" in msgs[1]


# ---------------------------------------------------------------- template_vars (NEX409–NEX411)

def test_template_locals_and_globals_are_not_variables(compile_text):
    spec = ('agent a {\n  prompt = template("{% set n = 1 %}{% for i in range(n) %}{{ i }}{{ topic }}{% endfor %}",'
            ' vars = ["topic"])\n}\n')
    assert compile_text(spec)[1] == []


def test_template_file_is_read_relative_to_the_spec(compile_text):
    spec = 'agent a {\n  prompt = template(file("p/sys.md.j2"), vars = ["a"])\n}\n'
    res, codes = compile_text(spec, files={"p/sys.md.j2": "line one\n{{ b }}\n"})
    assert codes == ["NEX409", "NEX410"]
    assert res.reporter.sorted()[0].notes == ("template 'p/sys.md.j2', line 2",)


def test_plain_prompts_are_not_templates(compile_text):
    assert compile_text('agent a { prompt = "{{ not_a_var }}" }\n')[1] == []


# ---------------------------------------------------------------- stop_tools (NEX412)

def test_mcp_stop_tool_inside_server_star_is_fine(compile_text):
    assert _no_lock_warning(compile_text('mcp git = stdio "uvx"\nagent a { prompt = "x"\n  tools = [git.*]\n'
                                         '  stop = [git.commit] }\n')[1]) == []


# ---------------------------------------------------------------- tool_format (NEX413/NEX414)

def test_sequential_agent_in_single_call_format_is_fine(compile_text):
    spec = ('tool s(q: str) = python "m:f"\ntool t(q: str) = python "m:g"\nagent a { prompt = "x"\n'
            '  tools = [s, t]\n  tool_format = llama3_json\n  parallel_tool_calls = false }\n')
    assert compile_text(spec)[1] == []


def test_typed_parameters_are_fine_in_untyped_formats(compile_text):
    spec = ('tool s(q: str, n: int, flag: bool, xs: list[int], mode: "a" | "b" = "a") = python "m:f"\n'
            'tool now() -> str = python "m:now"\n'
            'agent a { prompt = "x"\n  tools = [s, now]\n  tool_format = qwen3_coder }\n')
    assert compile_text(spec)[1] == []


@pytest.mark.parametrize("props, expected", [
    ({"a": {"type": "string"}, "b": {"type": "integer"}}, []),
    ({"a": {}}, ["a"]),
    ({"a": {"type": ["string", "integer"]}}, ["a"]),
    ({"a": {"type": ["string", "null"]}}, []),
    ({"a": {"anyOf": [{"type": "string"}, {"type": "number"}]}}, ["a"]),
    ({"a": {"enum": ["x", 1]}}, ["a"]),
    ({"a": {"enum": ["x", "y"]}}, []),
])
def test_ambiguous_params(props, expected):
    assert ambiguous_params({"type": "object", "properties": props}) == expected


# ---------------------------------------------------------------- skills (NEX415)

def test_skill_with_skill_md_is_fine(compile_text):
    spec = 'skill cite = "skills/cite"\nagent a { prompt = "x"\n  tools = [cite] }\n'
    assert compile_text(spec, files={"skills/cite/SKILL.md": "---\nname: cite\n---\n"})[1] == []


# ---------------------------------------------------------------- secrets (NEX416)

@pytest.mark.parametrize("value", [
    "sk-proj-abcdefghijklmnopqrstuvwx0123", "ghp_" + "a1B2" * 9, "AKIA" + "ABCDEFGHIJKLMNOP",
    "xoxb-1234567890-abcdefghij", "Bearer abcdefghijklmnop1234", "https://user:hunter22@example.com/v1",
    "https://api.example.com/v1?api_key=abcdef123456", "q8Zr2LmX9vKt4WpB7nYc1HsJ6dFg3TuE",
])
def test_secret_kinds(value):
    assert secret_kind(value) is not None


@pytest.mark.parametrize("value", [
    "http://127.0.0.1:8000/v1", "none", "EMPTY", "nex-n1", "Qwen/Qwen3-Coder-30B-A3B-Instruct",
    "mcp-server-git", "--repository", "https://example.com/mcp", "your-api-key-here", "sk-no-key-required",
    "/usr/local/bin/some_long_path_name_here_ok", "meta-llama/Llama-3.1-8B-Instruct",
    "deepseek-ai/DeepSeek-V3.1-Terminus", "https://dashscope.aliyuncs.com/compatible-mode/v1",
])
def test_not_secrets(value):
    assert secret_kind(value) is None


def test_env_default_and_mcp_headers_are_checked_without_echoing(compile_text):
    secret = "ghp_" + "Z9y8X7w6" * 5
    spec = (f'llm m {{ model = "x"\n  api_key = env("KEY", "{secret}") }}\n'
            f'mcp docs = http "https://example.com/mcp" {{ headers = {{Authorization: "Bearer {secret}"}} }}\n'
            'agent a { llm = m\n  prompt = "x"\n  tools = [docs.*] }\n')
    res, codes = compile_text(spec)
    assert _no_lock_warning(codes) == ["NEX416", "NEX416"]
    from nexc.diagnostics.render import render_json, render_text

    for text in (render_text(res.reporter.sorted()), render_json(res.reporter.sorted())):
        assert secret not in text


# ---------------------------------------------------------------- context_size (NEX440)

def test_context_warning_counts_tool_declarations(compile_text):
    desc = "word " * 400
    spec = (f'tool big(q: str) -> str "{desc}" = python "m:f"\n'
            'agent a { prompt = "x"\n  tools = [big]\n  context_tokens = 1000 }\n')
    res, codes = compile_text(spec)
    assert codes == ["NEX440"]
    assert "tool declarations ≈" in res.reporter.sorted()[0].notes[0]


def test_check_imports_uses_the_frameworks_own_module_over_one_already_imported(tmp_path, monkeypatch):
    """A module of the same name imported earlier from elsewhere must not stand in for the framework's own."""
    import sys
    import types

    from nexc.pipeline import compile_path

    fake = types.ModuleType("helpers_shadow_demo")
    fake.__file__ = "/elsewhere/helpers_shadow_demo.py"
    monkeypatch.setitem(sys.modules, "helpers_shadow_demo", fake)  # has no 'word'
    (tmp_path / "helpers_shadow_demo.py").write_text("def word(text: str) -> str:\n    return text\n")
    spec = tmp_path / "s.nex"
    spec.write_text('nex 1\nllm m { model = "x" }\ntool word(text: str) -> str "W." = python "helpers_shadow_demo:word"\n'
                    'agent a {\n  llm = m\n  prompt = "p"\n  tools = [word]\n}\n')
    res = compile_path(spec, options={"check_imports": True})
    assert "NEX407" not in [d.code for d in res.reporter.sorted()], res.reporter.sorted()
    assert sys.modules["helpers_shadow_demo"] is fake  # put back afterwards
