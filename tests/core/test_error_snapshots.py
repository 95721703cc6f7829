"""Rendered diagnostics of distinct error cases in both languages, snapshotted (syrupy)."""
from __future__ import annotations

import pytest

from nexc.diagnostics.render import render_json, render_text
from nexc.pipeline import compile_path

NEX_CASES = {
    "unknown_key_did_you_mean": "agent a {\n  prompt = \"hi\"\n  max_iteration = 3\n}\n",
    "wrong_type": "agent a {\n  prompt = \"hi\"\n  max_iterations = \"ten\"\n}\n",
    "undefined_tool": "tool search(q: str) = python \"m:search\"\nagent a {\n  tools = [serch]\n}\n",
    "undefined_llm": "llm main { model = \"m\" }\nagent a {\n  llm = mian\n}\n",
    "duplicate_name": "agent a { prompt = \"x\" }\nagent a { prompt = \"y\" }\nentry a\n",
    "syntax_error": "agent a {\n  llm = = main\n}\n",
    "unclosed_block": "agent a {\n  prompt = \"x\"\n",
    "unterminated_string": "agent a {\n  prompt = \"never closed\n}\n",
    "unknown_function": "llm m { model = envv(\"X\") }\nagent a { llm = m }\n",
    "bad_escape": "agent a {\n  prompt = \"C:\\new\\qfolder\"\n}\n",
    "unknown_param_type": "tool t(x: string) = python \"m:f\"\nagent a { tools = [t] }\n",
    "missing_prompt_file": "agent a {\n  prompt = file(\"prompts/nope.md\")\n}\n",
    "path_escape": "agent a {\n  prompt = file(\"../../etc/passwd\")\n}\n",
    "unknown_mcp_server": "mcp git = stdio \"uvx\" [\"mcp-server-git\"]\nagent a {\n  tools = [gti.*]\n}\n",
    "ambiguous_entry": "agent a { prompt = \"x\" }\nagent b { prompt = \"y\" }\n",
    "unknown_format": "agent a {\n  tool_format = qwen3coder\n}\n",
    "bad_identifier": "agent __init__ { prompt = \"x\" }\n",
    "newer_language": "nex 99\nagent a { prompt = \"x\" }\n",
    "unknown_stdlib": "tool t = stdlib \"todo_writer\"\nagent a { tools = [t] }\n",
    "bad_number": "agent a {\n  context_tokens = 128__000\n}\n",
}

YAML_CASES = {
    "unknown_key_depth_3": "agents:\n  a:\n    prompt: {text: hi, templat: true}\n",
    "wrong_type": "agents:\n  a:\n    max_iterations: ten\n",
    "duplicate_key": "agents:\n  a:\n    prompt: x\n  a:\n    prompt: y\n",
    "tab_indentation": "agents:\n\ta:\n\t\tprompt: x\n",
    "syntax_error": "agents:\n  a:\n    tools: [search\n",
    "top_level_list": "- agents\n- tools\n",
    "bad_transport": "mcp_servers:\n  git:\n    transport: stdoi\n    command: uvx\nagents:\n  a:\n    tools: [git.*]\n",
    "bad_env_ref": "llms:\n  m:\n    model: {env: X, defualt: y}\nagents:\n  a: {llm: m}\n",
    "undefined_tool": "tools:\n  search:\n    binding: m:search\nagents:\n  a:\n    tools: [serch]\n",
    "bad_binding": "tools:\n  t:\n    binding: not a binding\nagents:\n  a:\n    tools: [t]\n",
}


def _compile(tmp_path, monkeypatch, name: str, text: str):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(text, encoding="utf-8")
    return compile_path(name).reporter.sorted()


@pytest.mark.parametrize("case", sorted(NEX_CASES))
def test_nex_error_rendering(case, tmp_path, monkeypatch, snapshot):
    diags = _compile(tmp_path, monkeypatch, f"{case}.nex", NEX_CASES[case])
    assert any(d.severity == "error" for d in diags), case
    assert all(d.code != "NEX900" for d in diags), diags
    assert render_text(diags) == snapshot


@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_yaml_error_rendering(case, tmp_path, monkeypatch, snapshot):
    diags = _compile(tmp_path, monkeypatch, f"{case}.nex.yaml", YAML_CASES[case])
    assert any(d.severity == "error" for d in diags), case
    assert all(d.code != "NEX900" for d in diags), diags
    assert render_text(diags) == snapshot


def test_json_rendering_snapshot(tmp_path, monkeypatch, snapshot):
    diags = _compile(tmp_path, monkeypatch, "case.nex", NEX_CASES["undefined_tool"])
    assert render_json(diags) == snapshot
