"""The .nex frontend on valid input: every declaration form, values, strings, numbers and signatures."""
from __future__ import annotations

import subprocess
import sys

import pytest

from nexc.frontend import nex
from nexc.frontend.located import Loc
from nexc.ir.model import EnvRef

from .helpers import RESEARCH, codes, parse


def test_research_example_parses_without_diagnostics():
    sf, diags = parse(RESEARCH.read_text(), str(RESEARCH))
    assert diags == []
    assert sf.language_version == 1
    assert (sf.name, sf.description, sf.metadata) == ("research", "Deep research team",
                                                      {"owner": "ml-team", "tags": ["research", "web"]})
    assert [i.path for i in sf.imports] == ["common.nex"]
    assert [t.name for t in sf.tools] == ["search", "fetch_page", "todo_write", "raw"]
    assert [a.name for a in sf.agents] == ["visit_page", "researcher", "writer"]
    assert sf.entry.value == "researcher"


def test_llm_block_with_env_references():
    sf, _ = parse('llm main {\n  model = env("NEX_MODEL", "nex-n1")\n  base_url = env("U")\n  temperature = 0.6\n'
                  '  max_tokens = 16_384\n}\n')
    llm = sf.llms[0]
    assert llm.model == EnvRef(span=llm.model.span, name="NEX_MODEL", default="nex-n1")
    assert llm.base_url.name == "U" and llm.base_url.default is None
    assert (llm.temperature, llm.max_tokens) == (0.6, 16384)


def test_tool_signature_becomes_canonical_json_schema():
    sf, diags = parse('tool search(query: str "Search query", max_results: int = 5 "How many", '
                      'mode: "a" | "b" = "a", tags: list[str]?, m: dict[str, float], x: any, o: object, '
                      'b: bool = false) -> list[str]\n  "Search."\n  = python "research.tools:search"\n')
    assert diags == []
    t = sf.tools[0]
    assert t.parameters == {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "Search query"},
            "max_results": {"type": "integer", "description": "How many", "default": 5},
            "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "m": {"type": "object", "additionalProperties": {"type": "number"}},
            "x": {},
            "o": {"type": "object"},
            "b": {"type": "boolean", "default": False},
        },
        "required": ["query", "m", "x", "o"],
    }
    assert list(t.parameters["properties"]["max_results"]) == ["type", "description", "default"]
    assert t.returns == {"type": "array", "items": {"type": "string"}}
    assert t.description == "Search."
    assert (t.binding.kind, t.binding.target) == ("python", "research.tools:search")


def test_empty_signature_has_no_required():
    sf, _ = parse('tool now() = python "m:f"\n')
    assert sf.tools[0].parameters == {"type": "object", "properties": {}}


def test_tool_forms_stdlib_and_block():
    sf, diags = parse('tool todo_write = stdlib "todo_write"\n'
                      'tool raw { description = "r"  parameters = {type: "object", properties: {}}  '
                      'binding = python("m:f")  parallel = false }\n'
                      'tool hdr(x: int) "d" = python "m:f" { parallel = false, lazy = true }\n')
    assert diags == []
    todo, raw, hdr = sf.tools
    assert (todo.binding.kind, todo.binding.target, todo.parameters) == ("stdlib", "todo_write", None)
    assert (raw.description, raw.parallel, raw.binding.target) == ("r", False, "m:f")
    assert (hdr.parallel, hdr.lazy, hdr.description) == (False, True, "d")


def test_header_and_block_may_not_both_set_a_key():
    _, diags = parse('tool t "a" = python "m:f" { description = "b" }\n')
    assert codes(diags) == ["NEX207"]
    assert diags[0].span.column == 29


def test_mcp_forms():
    sf, diags = parse('mcp git = stdio "uvx" ["mcp-server-git", env("X")] { env = {GIT_DIR: env("GIT_DIR")} '
                      'call_timeout = 30 }\nmcp docs = http "https://e.com/mcp" { headers = {"X-Key": env("K")} }\n'
                      'mcp s = sse env("SSE_URL")\nmcp plain { transport = "stdio", command = "srv" }\n')
    assert diags == []
    git, docs, s, plain = sf.mcp_servers
    assert (git.transport, git.command, git.args[0], git.args[1].name) == ("stdio", "uvx", "mcp-server-git", "X")
    assert git.env["GIT_DIR"].name == "GIT_DIR" and git.call_timeout == 30.0
    assert (docs.transport, docs.url, docs.headers["X-Key"].name) == ("http", "https://e.com/mcp", "K")
    assert (s.transport, s.url.name) == ("sse", "SSE_URL")
    assert (plain.transport, plain.command) == ("stdio", "srv")


def test_skill_forms():
    sf, diags = parse('skill a = "skills/a"\nskill b = "skills/b" { description = "B" }\n'
                      'skill c { path = "skills/c" }\n')
    assert diags == []
    assert [(s.name, s.path, s.description) for s in sf.skills] == [
        ("a", "skills/a", None), ("b", "skills/b", "B"), ("c", "skills/c", None)]


def test_agent_keys_and_references():
    sf, diags = parse('agent r "Desc" {\n  llm = main\n  prompt = template(file("p.j2"), vars = ["date"])\n'
                      '  tools = [search, git.*, git.status, "odd-name",]\n  stop = [handoff]\n'
                      '  max_iterations = 60\n  context_tokens = 120_000\n  tool_format = qwen3_coder\n}\n'
                      'entry r\n')
    assert diags == []
    a = sf.agents[0]
    assert a.description == "Desc" and a.llm.value == "main"
    assert (a.prompt.file, a.prompt.template, a.prompt.variables) == ("p.j2", True, ("date",))
    assert [n.value for n in a.tools] == ["search", "git.*", "git.status", "odd-name"]
    assert [n.value for n in a.stop_tools] == ["handoff"]
    assert (a.max_iterations, a.context_tokens, a.tool_format.value) == (60, 120000, "qwen3_coder")
    assert sf.entry.value == "r"


def test_keywords_are_ordinary_names_inside_blocks():
    sf, diags = parse("agent tool {\n  llm = llm\n  tools = [agent, tool, mcp.x]\n  context = {true: null, import: 1}\n}\n")
    assert diags == []
    a = sf.agents[0]
    assert a.name == "tool" and a.llm.value == "llm"
    assert [n.value for n in a.tools] == ["agent", "tool", "mcp.x"]
    assert a.context == {"true": None, "import": 1}


def test_settings_separated_by_commas_or_newlines():
    sf, diags = parse("agent a { max_iterations = 3, context_tokens = 9 max_depth = 2 }\n")
    assert diags == []
    assert (sf.agents[0].max_iterations, sf.agents[0].context_tokens, sf.agents[0].max_depth) == (3, 9, 2)


@pytest.mark.parametrize("src, value", [
    ('"a\\"b\\\\c\\n\\t\\r\\0"', 'a"b\\c\n\t\r\0'),
    ("'it\\'s'", "it's"),
    ('"\\u00e9\\U0001F600"', "é😀"),
    ('r"C:\\new\\d"', "C:\\new\\d"),
    ('"""\n    one\n      two\n\n    """', "one\n  two\n"),
    ('"""\n    one\n    two"""', "one\ntwo"),
    ('"""inline"""', "inline"),
    ('"""first\n  second\n  third"""', "first\nsecond\nthird"),
    ('"""\n  a \\n b\n  """', "a \n b"),
    ("'''\n  say \"\"\"hi\"\"\"\n  '''", 'say """hi"""'),
    ('"""\r\n  crlf\r\n  """', "crlf"),
    ('"""\n  tab\\tx\n  """', "tab\tx"),
])
def test_string_literals(src, value):
    sf, diags = parse(f"agent a {{\n  context = {{v: {src}}}\n}}\n")
    assert diags == []
    assert sf.agents[0].context["v"] == value


@pytest.mark.parametrize("src, value", [
    ("16_384", 16384), ("-3", -3), ("+4", 4), ("0.5", 0.5), ("1e-5", 1e-5), ("1_000.000_1", 1000.0001),
    ("2E+3", 2000.0), ("true", True), ("false", False), ("null", None), ("[1, [2,],]", [1, [2]]),
    ('{a: 1, "b c": 2, d: {}}', {"a": 1, "b c": 2, "d": {}}), ("{a: 1\n b: 2}", {"a": 1, "b": 2}),
])
def test_values(src, value):
    sf, diags = parse(f"agent a {{\n  context = {{v: {src}}}\n}}\n")
    assert diags == []
    assert sf.agents[0].context["v"] == value


def test_spans_are_precise():
    sf, _ = parse('agent researcher {\n  llm = main\n  tools = [a, git.*]\n}\n')
    a = sf.agents[0]
    assert (a.span.line, a.span.column, a.span.end_line, a.span.end_column) == (1, 1, 4, 2)
    assert (a.name_span.line, a.name_span.column, a.name_span.end_column) == (1, 7, 17)
    assert (a.llm.span.line, a.llm.span.column, a.llm.span.end_column) == (2, 9, 13)
    g = a.tools[1].span
    assert (g.line, g.column, g.end_column) == (3, 15, 20)


def test_framework_name_defaults_to_none_and_description_in_block():
    sf, diags = parse('framework { description = "D", metadata = {a: 1} }\n')
    assert diags == [] and sf.name is None and sf.description == "D" and sf.metadata == {"a": 1}


def test_comments_are_ignored_everywhere():
    sf, diags = parse('# head\nagent a { # x\n  llm = m # y\n  tools = [ # z\n    t, # w\n  ]\n} # end\n')
    assert diags == [] and [n.value for n in sf.agents[0].tools] == ["t"]


def test_tabs_are_whitespace():
    sf, diags = parse("agent\ta\t{\n\tllm\t=\tm\n}\n")
    assert diags == [] and sf.agents[0].llm.value == "m"


def test_detect():
    assert nex.detect("x.nex", "")
    assert nex.detect("x.txt", "# c\n\nnex 1\nagent a {}")
    assert not nex.detect("x.yaml", "agents: {}")


def test_importing_nexc_does_not_import_lark():
    code = "import sys, nexc, nexc.frontend.nex, nexc.emit.nex_text; assert 'lark' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_loc_plain_of_header_keys_is_consistent():
    # The header's binding is the same located call the block form produces.
    sf1, _ = parse('tool t = python "m:f"\n')
    sf2, _ = parse('tool t { binding = python("m:f") }\n')
    assert sf1.tools[0].binding.target == sf2.tools[0].binding.target
    assert isinstance(Loc(1, sf1.span).plain(), int)


def test_language_reference_examples_parse():
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "specs" / "LANGUAGE.md").read_text()
    blocks = re.findall(r"```nex\n(.*?)```", doc, re.S)
    full = [b for b in blocks if re.match(r"(nex|tool|agent|llm|mcp|skill|framework)\b", b)]
    assert len(full) >= 2
    for b in full:
        _, diags = parse(b)
        assert not [d for d in diags if d.code < "NEX200"], (b, diags)
    sf, diags = parse("agent a {\n" + blocks[1] + "}\n")
    assert diags == [] and sf.agents[0].prompt.text == "You are a careful writer.\n  - Quote your sources.\n"
