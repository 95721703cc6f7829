"""Rendered diagnostics of typical .nex mistakes (syrupy snapshots: review changes to the wording)."""
from __future__ import annotations

import pytest

from nexc.diagnostics.render import render_text

from .helpers import parse

CASES = {
    "colon_in_block": "agent researcher {\n  llm: main\n}\n",
    "equals_in_map": 'agent a {\n  context = {owner = "me"}\n}\n',
    "misspelt_declaration": "agnet researcher {\n  llm = main\n}\n",
    "missing_comma": "agent a {\n  tools = [search fetch]\n}\n",
    "unclosed_block_eof": "llm main {\n  model = \"m\"\n\nagent a {\n  llm = main\n",
    "unclosed_block_before_next": "agent a {\n  llm = main\n\nagent b {}\n",
    "unclosed_string": 'agent a {\n  prompt = "You are\n}\n',
    "unclosed_multiline_string": 'agent a {\n  prompt = """\n    You are helpful.\n}\n',
    "invalid_escape": 'agent a {\n  prompt = file("C:\\prompts\\a.md")\n}\n',
    "invalid_number": "agent a {\n  context_tokens = 128__000\n}\n",
    "unknown_type": 'tool search(query: string) = python "m:f"\n',
    "version_too_new": "nex 3\nagent a {}\n",
    "string_indentation": 'agent a {\n  prompt = """\n    One.\n  Two.\n    """\n}\n',
    "stray_character": "agent a {\n  llm = main;\n}\n",
    "several_errors": "agent a {\n  llm main\n}\n\nagent b {\n  tools = [a,\n}\n\ntool t(x: integer) = python \"m:f\"\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rendered_diagnostics(name, snapshot):
    _, diags = parse(CASES[name], f"{name}.nex")
    assert diags
    assert render_text(diags, {f"{name}.nex": CASES[name]}) == snapshot  # the text was never a file
