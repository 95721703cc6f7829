"""Real configurations load as the real systems load them (issue classes of NexAU / NexA4A configs): null
llm settings, self-delegation, secrets by reference, NexA4A's descriptive keys, cascades after a missing
tool, NexAU's built-in tools — each with its repro and the variants a user would write."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from nexc.ir.model import EnvRef
from nexc.pipeline import compile_path

SHARED_A4A = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "nexa4a"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return p


def _codes(res, severity=None):
    return [d.code for d in res.reporter.sorted() if severity is None or d.severity == severity]


# ---------------------------------------------------------------- 1. null / empty llm settings

@pytest.mark.parametrize("llm", ["{model: , base_url: , temperature: 0.6}", "{model: '', base_url: '', api_key: ''}",
                                 "{model: null, base_url: null, api_key: null, temperature: 0.6}",
                                 "\n  model:\n  base_url:\n  temperature: 0.6"])
def test_null_or_empty_llm_settings_are_unset(tmp_path, llm):
    spec = _write(tmp_path, "a.yaml", f'name: a\nsystem_prompt: "Hi."\nllm_config: {llm}\n')
    res = compile_path(spec)
    assert _codes(res, "error") == [], res.reporter.sorted()
    m = res.framework.llms[0]
    assert (m.model, m.base_url, m.api_key) == (None, None, None)


def test_unset_llm_settings_come_from_nexaus_environment_chain(tmp_path, monkeypatch):
    import nexc
    from nexc.testing import FakeOpenAI, reply

    spec = _write(tmp_path, "a.yaml", 'name: a\nsystem_prompt: "Hi."\nllm_config: {model: , base_url: , temperature: 0.6}\n')
    for k in ("MODEL", "OPENAI_MODEL", "NEXC_MODEL", "OPENAI_BASE_URL", "BASE_URL", "OPENAI_API_KEY", "API_KEY"):
        monkeypatch.delenv(k, raising=False)
    srv = FakeOpenAI([reply("hello")])
    with srv as url:
        monkeypatch.setenv("LLM_MODEL", "nex-from-env")
        monkeypatch.setenv("LLM_BASE_URL", url)
        monkeypatch.setenv("LLM_API_KEY", "sk-env-0000000000")
        res = nexc.load(spec).run("hi", trace_path=tmp_path / "t.jsonl")
    assert res.output == "hello", res.error
    assert srv.requests[0].body["model"] == "nex-from-env"
    assert srv.requests[0].body["temperature"] == 0.6


def test_nexa4a_dollar_env_reads_the_environment(tmp_path):
    spec = _write(tmp_path, "framework_config.yaml", """
        framework_name: f
        framework_entrance_agent: A
        llm_configs:
          - {llm_name: l, provider: openai, model: nex, api_key: "${LLM_API_KEY}", base_url: "${LLM_BASE_URL}"}
        agents:
          - {agent_name: A, description: d, sysprompt_path: p.md, llm_config: l}
        """)
    (tmp_path / "p.md").write_text("You are A.")
    res = compile_path(spec)
    assert _codes(res, "error") == []
    m = res.framework.llms[0]
    assert isinstance(m.api_key, EnvRef) and m.api_key.name == "LLM_API_KEY"
    assert isinstance(m.base_url, EnvRef) and m.base_url.name == "LLM_BASE_URL"


def test_unset_llm_settings_survive_the_nexau_export(tmp_path):
    from click.testing import CliRunner

    from nexc.cli import cli as main

    spec = _write(tmp_path, "a.yaml", 'name: a\nsystem_prompt: "Hi."\nllm_config: {model: , base_url: , temperature: 0.6}\n')
    out = tmp_path / "out"
    got = CliRunner().invoke(main, ["build", str(spec), "--target", "nexau", "-o", str(out)])
    assert got.exit_code == 0, got.output
    roots = [p for p in out.rglob("*.yaml") if "system_prompt" in p.read_text()]
    assert roots
    back = compile_path(roots[0])
    assert _codes(back, "error") == [], back.reporter.sorted()
    m = back.framework.llms[0]
    assert (m.model, m.base_url, m.api_key, m.temperature) == (None, None, None, 0.6)


# ---------------------------------------------------------------- 2. an agent that lists itself

SELF = """
    type: agent
    name: helper
    system_prompt: "Helper."
    llm_config: {{model: m}}
    sub_agents:
      - name: helper{comment}
        config_path: ./helper.yaml
    """


def test_self_delegation_in_nexau_is_a_warning_and_builds(tmp_path):
    spec = _write(tmp_path, "helper.yaml", SELF.format(comment=""))
    res = compile_path(spec)
    assert [(d.code, d.severity) for d in res.reporter.sorted() if d.code == "NEX405"] == [("NEX405", "warning")]
    assert res.ok
    note = " ".join(n for d in res.reporter.sorted() for n in d.notes)
    assert "depth bound" in note


def test_ignore_comments_apply_in_included_nexau_files_and_every_command(tmp_path):
    from click.testing import CliRunner

    from nexc.cli import cli as main

    _write(tmp_path, "helper.yaml", SELF.format(comment="   # nex: ignore[NEX405]"))
    root = _write(tmp_path, "root.yaml", """
        type: agent
        name: root
        system_prompt: "Root."
        llm_config: {model: m}
        sub_agents:
          - name: helper
            config_path: ./helper.yaml
        """)
    assert "NEX405" not in _codes(compile_path(root))
    runner = CliRunner()
    lint = runner.invoke(main, ["lint", str(root)])
    assert lint.exit_code == 0 and "NEX405" not in lint.output and "NEX490" not in lint.output, lint.output
    build = runner.invoke(main, ["build", str(root), "--target", "manifest", "-o", str(tmp_path / "o")])
    assert build.exit_code == 0 and "NEX405" not in build.output, build.output


def test_ignore_comment_silences_an_error_in_build_not_only_lint(tmp_path):
    from click.testing import CliRunner

    from nexc.cli import cli as main

    spec = _write(tmp_path, "s.nex", """
        nex 1
        llm m { model = "x" }
        agent a {
          llm = m
          prompt = "A."
          tools = [a]   # nex: ignore[NEX405]
        }
        entry a
        """)
    res = compile_path(spec)
    assert "NEX405" not in _codes(res) and res.ok
    build = CliRunner().invoke(main, ["build", str(spec), "--target", "manifest", "-o", str(tmp_path / "o")])
    assert build.exit_code == 0, build.output
    # an unused suppression is lint's business only
    spec.write_text(spec.read_text().replace("tools = [a]   # nex: ignore[NEX405]", "# nex: ignore[NEX401]"))
    build = CliRunner().invoke(main, ["build", str(spec), "--target", "manifest", "-o", str(tmp_path / "o2")])
    assert "NEX490" not in build.output
    lint = CliRunner().invoke(main, ["lint", str(spec)])
    assert "NEX490" in lint.output


# ---------------------------------------------------------------- 3. secrets

MCP = """
    type: agent
    name: s
    system_prompt: "Hi."
    llm_config: {{model: m}}
    mcp_servers:
      - name: amap
        type: http
        url: "{url}"
    """


@pytest.mark.parametrize("url", ["https://host/mcp?key=${env.AMAP_KEY}", "https://host/mcp?key=${env.K}&token=${env.T}",
                                 "https://user:${env.PASSWORD}@host/mcp"])
def test_env_references_in_a_url_are_not_inline_secrets(tmp_path, url):
    res = compile_path(_write(tmp_path, "s.yaml", MCP.format(url=url)))
    assert "NEX416" not in _codes(res), res.reporter.sorted()


@pytest.mark.parametrize("secret", ["your_key_here", "xxxxxxxxxxxxxxxx", "<your-api-key>", "changeme_changeme",
                                    "YOUR_AMAP_KEY_HERE"])
def test_placeholders_are_at_most_a_warning(tmp_path, secret):
    res = compile_path(_write(tmp_path, "s.yaml", MCP.format(url=f"https://host/mcp?key={secret}")))
    assert [d.severity for d in res.reporter.sorted() if d.code == "NEX416"] in ([], ["warning"])


@pytest.mark.parametrize("name,text,fix", [
    ("s.yaml", MCP.format(url="https://host/mcp?key=a8Fj29dK3mZq81LpX0"), "${env."),
    ("s.nex.yaml", 'nex: 1\nname: s\nllms:\n  m: {model: x, api_key: "sk-proj-Q7x9rT2mLp0aZ8bN4cV6dF1gH3j"}\n'
                   'agents:\n  a: {llm: m, prompt: hi}\n', "{env: "),
    ("s.nex", 'nex 1\nllm m {\n  model = "x"\n  api_key = "sk-proj-Q7x9rT2mLp0aZ8bN4cV6dF1gH3j"\n}\n'
              'agent a {\n  llm = m\n  prompt = "hi"\n}\n', 'env("'),
])
def test_the_fix_is_written_in_the_specs_language(tmp_path, name, text, fix):
    res = compile_path(_write(tmp_path, name, text))
    hits = [d for d in res.reporter.sorted() if d.code == "NEX416"]
    assert hits and hits[0].severity == "error"
    assert fix in hits[0].fix, hits[0].fix


# ---------------------------------------------------------------- 4. NexA4A's descriptive keys

A4A = textwrap.dedent("""
    framework:
      name: Menu Margin
      description_en: "Prices menus."
      description_zh: "菜单定价。"
      tags: [food]
    framework_name: menu_margin
    framework_entrance_agent: Orchestrator
    version: "1.0.0"
    example_queries:
      - query: "Price my menu"
    metadata: {domain: food}
    llm_configs:
      - {llm_name: l, provider: openai, model: nex}
    agents:
      - agent_name: Orchestrator
        description_en: "Coordinates the pricing."
        description_zh: "协调定价。"
        capabilities: [orchestration]
        role: orchestrator
        layer: 0
        sysprompt_path: prompts/o.md
        llm_config: l
        tools: []
      - agent_name: Pricer
        description_chinese: "定价员"
        category: worker
        sysprompt_path: prompts/p.md
        llm_config: l
        tools: [price_parser]
    tools:
      - tool_name: price_parser
        description_en: "Parse prices."
        category: parsing
        config_path: tools/price_parser.yaml
        binding: tools.price:parse
    workflow:
      name: wf
      description: "Pricing workflow"
      description_chinese: "定价流程"
      nodes:
        - {id: Orchestrator, type: agent}
      edges:
        - {from: Orchestrator, to: Pricer, description: "delegate pricing", condition: "always"}
    """)


def _a4a(tmp_path, text=A4A, tool=True):
    spec = _write(tmp_path, "framework_config.yaml", text)
    _write(tmp_path, "prompts/o.md", "You orchestrate.")
    _write(tmp_path, "prompts/p.md", "You price.")
    if tool:
        _write(tmp_path, "tools/price_parser.yaml", """
            type: tool
            name: price_parser
            description: Parse prices from HTML.
            input_schema: {type: object, properties: {html: {type: string}}, required: [html]}
            """)
        _write(tmp_path, "tools/price.py", "def parse(html):\n    return '1.00'\n")
        (tmp_path / "tools" / "__init__.py").write_text("")
    return spec


def test_nexa4a_descriptive_keys_are_metadata_not_errors(tmp_path):
    res = compile_path(_a4a(tmp_path))
    assert [d for d in res.reporter.sorted() if d.severity in ("error", "warning")] == []
    fw = res.framework
    meta = fw.metadata["nexa4a"]
    assert meta["framework"]["framework"]["name"] == "Menu Margin"
    assert meta["framework"]["version"] == "1.0.0" and meta["framework"]["example_queries"][0]["query"]
    assert meta["agents"]["Orchestrator"]["capabilities"] == ["orchestration"]
    assert meta["agents"]["Orchestrator"]["layer"] == 0
    assert meta["tools"]["price_parser"]["category"] == "parsing"
    assert meta["edges"] == [{"from": "Orchestrator", "to": "Pricer", "description": "delegate pricing",
                              "condition": "always"}]
    agents = {a.name: a for a in fw.agents}
    assert agents["Orchestrator"].description == "Coordinates the pricing."  # description_en fills it
    assert agents["Pricer"].description == "定价员"
    assert fw.description == "Prices menus."
    json.dumps(fw.metadata, ensure_ascii=False)  # plain JSON


def test_unknown_nexa4a_keys_are_warnings(tmp_path):
    text = A4A.replace("role: orchestrator", "role: orchestrator\n    priority_level: high")
    res = compile_path(_a4a(tmp_path, text))
    hits = [d for d in res.reporter.sorted() if d.code == "NEX602"]
    assert [d.severity for d in hits] == ["warning"] and "priority_level" in hits[0].message
    assert res.ok


def test_framework_as_a_string_still_names_it(tmp_path):
    text = A4A.replace("framework_name: menu_margin\n", "")
    text = text[text.index("framework_entrance_agent"):]
    text = "framework: menu_margin\n" + text
    res = compile_path(_a4a(tmp_path, text))
    assert res.ok and res.framework.name == "menu_margin"


# ---------------------------------------------------------------- 5. cascades

def test_a_missing_tool_file_is_one_error_and_no_unknown_tool_cascade(tmp_path):
    text = A4A.replace("tools: []", "tools: [price_parser]")
    res = compile_path(_a4a(tmp_path, text, tool=False))
    errors = [d for d in res.reporter.sorted() if d.severity == "error"]
    assert [d.code for d in errors] == ["NEX613"], errors
    assert "'price_parser'" in errors[0].message
    tool = next(t for t in res.framework.tools if t.name == "price_parser")
    assert tool.parameters == {"type": "object", "properties": {}} and tool.description == "Parse prices."


def test_a_missing_nexau_tool_yaml_is_one_error_and_the_tool_is_declared(tmp_path):
    spec = _write(tmp_path, "a.yaml", """
        type: agent
        name: a
        system_prompt: "Hi."
        llm_config: {model: m}
        tools:
          - name: Search
            yaml_path: ./tools/search.tool.yaml
        """)
    res = compile_path(spec)
    assert [d.code for d in res.reporter.sorted() if d.severity == "error"] == ["NEX613"]
    assert [t.name for t in res.framework.tools] == ["Search"]


def test_a_declaration_that_did_not_parse_silences_its_uses(tmp_path):
    spec = _write(tmp_path, "s.nex", """
        nex 1
        llm gpt { model = "m" }
        tool add_label(text: str) -> str = python "m:f"
        agent labeler { llm: gpt }
        agent main {
          llm = gpt
          prompt = "hi"
          tools = [labeler, add_label]
        }
        entry main
        """)
    codes = _codes(compile_path(spec))
    assert codes == ["NEX100"], codes


# ---------------------------------------------------------------- 6. NexAU's built-in tools

BUILTINS = ("bash", "ls", "file_read", "file_write", "web_search", "web_read", "todo_write")


def test_nexa4a_builtins_by_name_and_by_binding_are_stdlib_tools(tmp_path):
    tools = "\n".join(f"  - tool_name: {n}\n    description: the {n} tool\n    category: builtin" for n in BUILTINS[:4])
    tools += ("\n  - tool_name: web_search\n    config_path: null\n"
              "    binding: nexau.archs.tool.builtin.web_search_tool:web_search_tool\n"
              "  - tool_name: web_read\n    binding: nexau.archs.tool.builtin.web_read_tool:web_read_tool\n"
              "  - tool_name: todo_write\n")
    names = ", ".join(BUILTINS)
    spec = _write(tmp_path, "framework_config.yaml", f"""
framework_name: b
framework_entrance_agent: A
llm_configs:
  - {{llm_name: l, model: nex}}
agents:
  - {{agent_name: A, description: d, sysprompt_path: p.md, llm_config: l, tools: [{names}]}}
tools:
{tools}
""")
    (tmp_path / "p.md").write_text("You are A.")
    res = compile_path(spec)
    assert _codes(res, "error") == [], res.reporter.sorted()
    got = {t.name: (t.binding.kind, t.binding.target) for t in res.framework.tools}
    assert got == {n: ("stdlib", n) for n in BUILTINS}


# ---------------------------------------------------------------- the shared NexA4A frameworks

def _shared():
    if not SHARED_A4A.is_dir():
        pytest.skip(f"the shared NexA4A fixtures are not at {SHARED_A4A}")
    return sorted(SHARED_A4A.glob("*/framework_config.yaml"))


def test_lint_of_the_shared_nexa4a_frameworks_reports_only_missing_files():
    for spec in _shared():
        res = compile_path(spec)
        errors = [d for d in res.reporter.sorted() if d.severity == "error"]
        assert errors, spec
        for d in errors:
            assert (d.code == "NEX613" or (d.code in ("NEX600", "NEX202") and "prompt" in d.message)), (spec, d)
        tools = [d for d in errors if d.code == "NEX613"]
        assert len({d.span for d in tools}) == len(tools)  # one error per missing tool file


def test_shared_nexa4a_frameworks_build_with_simulate_missing():
    for spec in _shared():
        res = compile_path(spec, options={"simulate_missing": True})
        assert res.ok, [d for d in res.reporter.sorted() if d.severity == "error"]
        codes = set(_codes(res, "warning"))
        assert "NEX614" in codes and "NEX615" in codes


# ---------------------------------------------------------------- end to end on simulated tools

_VOLATILE = {"trace_id", "span_id", "parent_span_id", "started_at", "ended_at", "duration_ms", "agent_id",
             "created", "id", "tool_call_id", "cached"}


def _stable(value):
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _a4a_script(req):
    """The orchestrator delegates to LocationDataCollector, which calls one simulated tool."""
    from nexc.testing import call, reply

    if "simulate a tool" in req.system:
        return reply('{"queries": ["pop-up dining prices Berlin"]}')
    done = any(m["role"] == "assistant" for m in req.messages)
    names = [t["function"]["name"] for t in req.body.get("tools") or ()]
    if req.system.startswith("You are MenuPricingOrchestrator"):
        if done:
            return reply("The menu is priced.")
        sub = next(n for n in names if n.endswith("LocationDataCollector"))
        schema = next(t["function"]["parameters"] for t in req.body["tools"] if t["function"]["name"] == sub)
        return reply(tool_calls=[call(sub, {k: "Find stores near Berlin" for k in schema.get("required", ["task"])},
                                      id="c1")])
    if done:
        return reply("Stores found.")
    return reply(tool_calls=[call("web_search_tool", {"location": "Berlin"}, id="c2")])


def test_a_shared_nexa4a_framework_runs_twice_on_simulated_tools_with_identical_trajectories(tmp_path,
                                                                                           monkeypatch):
    import nexc
    from nexc.api import Settings
    from nexc.runtime.trace import read_trajectory
    from nexc.testing import FakeOpenAI

    spec = next((p for p in _shared() if p.parent.name == "menu_margin_pricing_system"), None)
    if spec is None:
        pytest.skip("menu_margin_pricing_system is not among the shared NexA4A fixtures")
    runs = []
    for i in range(2):
        cache = tmp_path / f"sim{i}.jsonl"
        fw = nexc.load(spec, settings=Settings(simulation_cache=str(cache), max_retries=0), simulate_missing=True)
        srv = FakeOpenAI(_a4a_script)
        with srv as url:
            monkeypatch.setenv("LLM_BASE_URL", url)
            monkeypatch.setenv("LLM_API_KEY", "sk-test-000000")
            res = fw.run("Price my autumn menu for a pop-up in Berlin.", trace_path=tmp_path / f"t{i}.jsonl")
        assert res.output == "The menu is priced.", res.error
        runs.append((res, read_trajectory(tmp_path / f"t{i}.jsonl"), srv))
    (r1, t1, s1), (r2, t2, _) = runs
    kinds = [r.get("kind", "llm_call") for r in t1]
    assert "tool_simulation" in kinds and kinds.count("llm_call") == 4
    tool_msgs = [m for r in t1 for m in r["messages"] if m["role"] == "tool"]
    assert any(m.get("simulated") for m in tool_msgs)
    assert s1.requests[0].body["model"] == "nex"
    assert _stable(t1) == _stable(t2)


def test_nexau_tool_yamls_bound_to_builtins_use_the_stdlib(tmp_path):
    _write(tmp_path, "tools/bash.tool.yaml", """
        type: tool
        name: Bash
        description: Run a shell command.
        input_schema: {type: object, properties: {command: {type: string}}, required: [command]}
        binding: nexau.archs.tool.builtin.bash_tool:bash_tool
        """)
    spec = _write(tmp_path, "a.yaml", """
        type: agent
        name: a
        system_prompt: "Hi."
        llm_config: {model: m}
        tools:
          - name: Bash
            yaml_path: ./tools/bash.tool.yaml
        """)
    res = compile_path(spec)
    assert _codes(res, "error") == [], res.reporter.sorted()
    (tool,) = res.framework.tools
    assert (tool.binding.kind, tool.binding.target) == ("stdlib", "bash")
    assert tool.parameters["required"] == ["command"]  # what NexAU sends the model: the YAML's schema
