"""``--target nexau`` of a nexc framework: NexAU renders every prompt with Jinja, so prompts nexc sends as
written (with literal ``{{``, ``{%``, ``{#``) are wrapped in ``{% raw %}`` and say so in coverage.json."""
from __future__ import annotations

import json

import nexc
from nexc.emit.nexau_export import export_nexau, raw_template
from nexc.pipeline import compile_path

TEXTS = ["Use {{braces}} and {% tags %} as they are.", "\n  lead {#c#} {%- x -%}\n", "has {% endraw %} inside\n"]


def test_raw_template_renders_to_itself_under_nexau_settings():
    import jinja2

    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    for t in TEXTS + ["endraw", "x\n   ", "plain"]:
        assert env.from_string(raw_template(t)).render() == t


def test_export_sends_literal_prompts_as_written(tmp_path):
    src = tmp_path / "src"
    (src / "prompts").mkdir(parents=True)
    (src / "prompts" / "b.md").write_text(TEXTS[1], encoding="utf-8")
    (src / "team.nex").write_text(
        'nex 1\nllm m { model = "fake-model" }\n'
        f'agent b "B." {{\n  llm = m\n  prompt = file("prompts/b.md")\n}}\n'
        f'agent a {{\n  llm = m\n  prompt = {json.dumps(TEXTS[0])}\n  tools = [b]\n}}\nentry a\n', encoding="utf-8")
    res = compile_path(src / "team.nex")
    assert not res.reporter.has_errors, res.reporter.sorted()
    report = export_nexau(res.framework, src, tmp_path / "out")
    coverage = json.loads((tmp_path / "out" / "coverage.json").read_text(encoding="utf-8"))
    assert sum("{% raw %}" in u["detail"] for u in coverage["unsupported"]) == 2
    assert any(u["feature"] == "profile" for u in coverage["unsupported"]) and not report.complete
    fw = nexc.load(tmp_path / "out" / "a.yaml")  # read back as NexAU reads it, run with the nexau profile
    view = fw.runtime.plans["a"].view
    assert view.system_prompt({}) == TEXTS[0]
    assert fw.runtime.plans["b"].view.system_prompt({}) == TEXTS[1].strip()  # NexAU strips file prompts
    assert any("strips" in u["detail"] for u in coverage["unsupported"])
