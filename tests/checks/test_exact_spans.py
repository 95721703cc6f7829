"""Spans survive resolve and checks point at what they name (issue 19 §4.4): the named range bugs (a JSON
Schema error at the offending value, a secret at the value, a YAML tag caret no wider than the tag), and
references whose word also occurs elsewhere in the declaration (a regex search found the first one)."""
from __future__ import annotations

import json

from nexc.diagnostics.render import render_text
from nexc.ir.base import strip_spans
from nexc.pipeline import compile_path


def _at(res, code):
    return [(d.span.line, d.span.column, d.span.end_line, d.span.end_column) for d in res.reporter.sorted()
            if d.code == code]


def test_schema_error_in_a_nexau_tool_file_points_at_the_bad_keyword(tmp_path):
    # before: NEX406 pointed at line 1 of the tool file, however deep the bad keyword
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "t.tool.yaml").write_text(
        "name: t\ndescription: A tool.\ninput_schema:\n  type: object\n  properties:\n    x:\n"
        "      type: strng\n    y: {type: integer, minimum: low}\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("name: a\nsystem_prompt: Hi.\nllm_config: {model: m}\n"
                                     "tools:\n  - name: t\n    yaml_path: ./tools/t.tool.yaml\n", encoding="utf-8")
    res = compile_path(tmp_path / "a.yaml")
    hits = {d.message.split("at '")[1].split("'")[0]: d.span for d in res.reporter.sorted() if d.code == "NEX406"}
    assert (hits["/properties/x/type"].line, hits["/properties/x/type"].column) == (7, 13)
    assert (hits["/properties/y/minimum"].line, hits["/properties/y/minimum"].column) == (8, 33)
    assert all(s.file.endswith("t.tool.yaml") for s in hits.values())


def test_schema_error_in_nex_points_at_the_value(compile_text):
    res, _ = compile_text('nex 1\ntool u {\n  description = "U."\n'
                          '  parameters = {type: "object", properties: {n: {type: "integr"}}}\n'
                          '  binding = python("m:g")\n}\nagent a {\n  prompt = "p"\n  tools = [u]\n}\n', name="s.nex")
    assert _at(res, "NEX406") == [(4, 56, 4, 64)]  # "integr", not `tool u` on line 2


def test_schema_error_in_nexc_yaml_points_at_the_value(compile_text):
    res, _ = compile_text("nex: 1\ntools:\n  t:\n    description: T.\n    parameters:\n      type: object\n"
                          "      required: [a, a]\n    binding: m:f\nagents:\n  a: {prompt: p, tools: [t]}\n",
                          name="s.nex.yaml")
    assert _at(res, "NEX406") == [(7, 17, 7, 23)]  # `[a, a]`, not `t:` on line 3


def test_secret_points_at_the_value_not_at_an_earlier_mention(compile_text):
    key = "sk-proj-Q7x9rT2mLp0aZ8bN4cV6dF1gH3j"
    res, _ = compile_text(f'nex 1\nllm m {{\n  # old key was {key}\n  model = "x"\n  api_key = "{key}"\n}}\n'
                          'agent a {\n  llm = m\n  prompt = "hi"\n}\n')
    assert _at(res, "NEX416") == [(5, 14, 5, 14 + len(key))]  # inside the quotes, on the api_key line
    text = render_text(res.reporter.sorted(), res.sources)
    assert key not in text and "*" * len(key) in text


def test_secret_in_a_nested_value_and_an_env_default(compile_text):
    res, _ = compile_text('nex: 1\nllms:\n  m:\n    model: x\n    params:\n      headers:\n'
                          '        X-Other: "plain"\n        Authorization: "Bearer abcdefghijklmnopqrstuvwx12"\n'
                          '    api_key: {env: K, default: sk-proj-Q7x9rT2mLp0aZ8bN4cV6dF1gH3j}\n'
                          'agents:\n  a: {llm: m, prompt: hi}\n', name="s.nex.yaml")
    spots = _at(res, "NEX416")
    assert (8, 25) in [(line, col) for line, col, _, _ in spots]  # the header value, inside its quotes
    assert any(line == 9 and col == 14 for line, col, _, _ in spots)  # the env(…) that holds the default


def test_stop_tool_and_mcp_tool_point_at_their_own_mention(compile_text):
    # `done` and `git.log` also occur earlier in the agent (a description, the tools list)
    lock = {"version": 1, "servers": {}}
    res, codes = compile_text('nex 1\ntool done() = python "m:f"\ntool other() = python "m:g"\n'
                              'agent a "says done when done" {\n  prompt = "p"\n  tools = [other]\n'
                              '  stop = [done]\n}\n', files={"nexc.mcp.lock.json": json.dumps(lock)})
    assert "NEX412" in codes
    (line, col, eline, ecol), = _at(res, "NEX412")
    assert (line, col, ecol - col) == (7, 11, 4)


def test_merged_mcp_selection_keeps_each_tools_span():
    from nexc.diagnostics import Reporter
    from nexc.frontend.nex import load
    from nexc.passes.resolve import resolve

    text = 'nex 1\nmcp git = stdio "uvx"\nagent a {\n  prompt = "p"\n  tools = [git.log,\n    git.status, git.log]\n}\n'
    r = Reporter()
    fw = resolve([load("s.nex", text, r)], r)
    (sel,) = fw.agent("a").tools
    assert sel.tools == ("log", "status")
    assert [(s.line, s.column) for s in sel.tool_spans] == [(5, 12), (6, 5)]
    assert sel.tool_span("status").line == 6 and sel.tool_span("nope") == sel.span


def test_reference_spans_survive_resolve_and_are_never_dumped():
    from nexc.diagnostics import Reporter
    from nexc.frontend.nex import load
    from nexc.passes.resolve import resolve

    text = ('nex 1\nllm m { model = "x" }\ntool t() = python "m:f"\n'
            'agent a {\n  llm = m\n  tool_format = "qwen3_coder"\n  prompt = "p"\n  tools = [t]\n  stop = [t]\n}\n'
            'entry a\n')
    r = Reporter()
    fw = resolve([load("s.nex", text, r)], r)
    a = fw.agent("a")
    assert (a.llm_span.line, a.tool_format_span.line, a.stop_tool_span("t").line, fw.entry_span.line) == (5, 6, 9, 11)
    dump = fw.model_dump(mode="json")
    assert "llm_span" not in json.dumps(dump) and "value_spans" not in json.dumps(dump)
    assert "schema_spans" not in json.dumps(dump) and "tool_spans" not in json.dumps(dump)
    assert strip_spans(type(fw).model_validate(dump)) == strip_spans(fw)


def test_an_inferred_entry_has_no_span():
    from nexc.diagnostics import Reporter
    from nexc.frontend.nex import load
    from nexc.passes.resolve import resolve

    r = Reporter()
    fw = resolve([load("s.nex", 'nex 1\nagent a {\n  prompt = "p"\n}\n', r)], r)
    assert fw.entry == "a" and fw.entry_span is None


def test_yaml_tag_caret_covers_the_tag_only():
    from nexc.diagnostics import Reporter
    from nexc.frontend import yaml_spec

    for text, want in (("llms:\n  m:\n    api_key: !env K\n", (3, 14, 18)),
                       ("metadata: !!set {a: 1}\n", (1, 11, 16)),
                       ("metadata: &x !foo\n  a: 1\n", (1, 14, 18))):
        r = Reporter()
        yaml_spec.load("t.nex.yaml", text, r)
        (d,) = [d for d in r.sorted() if d.code == "NEX152"]
        assert (d.span.line, d.span.column, d.span.end_column) == want, text
        assert d.span.end_line == d.span.line


def test_sources_are_per_build_not_per_process(tmp_path):
    spec = tmp_path / "s.nex"
    spec.write_text('nex 1\nagent a {\n  prompt = "p"\n  tools = [nope]\n}\n', encoding="utf-8")
    first = compile_path(spec)
    spec.write_text('nex 1\n\nagent a {\n  prompt = "p"\n  tools = [nope2]\n}\n', encoding="utf-8")
    second = compile_path(spec)
    assert next(iter(first.sources.values())) != next(iter(second.sources.values()))
    assert "tools = [nope]" in render_text(first.reporter.sorted(), first.sources)
    assert "tools = [nope2]" in render_text(second.reporter.sorted(), second.sources)
    assert first.sources is first.context.sources is first.reporter.sources
