"""Rendered diagnostics of YAML specs (syrupy snapshots): what the user reads for each kind of mistake."""
from __future__ import annotations

import pytest

from nexc.diagnostics.render import render_text

from .conftest import load_text

CASES = {
    "unknown_key_depth_3": "nex: 1\nagents:\n  writer:\n    max_iteration: 10\n    prompt: {text: hi}\n",
    "unknown_prompt_key_did_you_mean": "agents:\n  writer:\n    prompt:\n      text: Hello\n      templte: true\n",
    "wrong_type": "agents:\n  writer:\n    max_iterations: \"ten\"\n",
    "yaml11_boolean": "agents:\n  writer:\n    parallel_tool_calls: yes\n",
    "duplicate_key": "agents:\n  writer:\n    llm: main\n    tools: [a]\n    llm: fast\n",
    "tab_indentation": "agents:\n  writer:\n\tllm: main\n",
    "syntax_error_unclosed_list": "agents:\n  writer:\n    tools: [search, fetch\n    llm: main\n",
    "syntax_error_bad_indent": "agents:\n  writer:\n    llm: main\n   tools: [a]\n",
    "non_mapping_top_level": "- writer\n- reader\n",
    "bad_env_ref": "llms:\n  main:\n    api_key: {env: OPENAI_API_KEY, fallback: none}\n",
    "bad_transport": "mcp_servers:\n  git:\n    transport: stdoi\n    command: uvx\n",
    "multiple_documents": "nex: 1\nagents: {a: {}}\n---\nnex: 1\n",
    "unsupported_tag": "llms:\n  main:\n    api_key: !env OPENAI_API_KEY\n",
    "non_string_key": "metadata:\n  2024: launch\n",
    "invalid_identifier": "agents:\n  my-agent: {}\n",
    "unknown_top_level_key": "nex: 1\nagent:\n  a: {}\n",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered(case, snapshot):
    _, r = load_text(CASES[case], path=f"{case}.nex.yaml")
    assert r.diagnostics, case
    assert render_text(r.sorted(), r.sources) == snapshot
