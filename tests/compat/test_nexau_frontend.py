"""The NexAU frontend on the real NexDR configs: zero errors, snapshotted IR, export → load round trip."""
from __future__ import annotations

import os

import pytest

from nexc.emit.nexau_export import export_nexau
from nexc.frontend import detect
from nexc.ir.base import strip_spans
from nexc.ir.model import AgentRef, EnvRef

from .conftest import FIXTURES, NEXDR_AGENTS, resolve_nexau


@pytest.mark.parametrize("agent", sorted(NEXDR_AGENTS))
def test_nexdr_agent_loads_without_errors(nexdr, agent, snapshot):
    fw, r, _ = resolve_nexau(str(nexdr / NEXDR_AGENTS[agent]))
    errors = [d for d in r.sorted() if d.severity == "error"]
    assert fw is not None and not errors, errors
    assert strip_spans(fw) == snapshot


def test_nexdr_sub_agent_from_sibling_folder(nexdr):
    fw, r, root = resolve_nexau(str(nexdr / NEXDR_AGENTS["deep_research"]))
    assert [a.name for a in fw.agents] == ["deep_research_agent", "VisitPage"]
    main = fw.agent("deep_research_agent")
    assert any(isinstance(e, AgentRef) and e.name == "VisitPage" for e in main.tools)
    assert fw.agent("VisitPage").prompt.file == "doc_reader/doc_read_agent.md"
    assert main.prompt.template and main.prompt.variables == ("date",)
    assert main.tool_format == "nexau_xml" and main.limits.context_tokens == 120000
    assert main.stop_tools == ("handoff_to_report_writer",)
    assert fw.tool("RunCode").parallel is False
    assert root.name == "configs"


def test_nexdr_spans_name_the_real_files(nexdr):
    fw, _, _ = resolve_nexau(str(nexdr / NEXDR_AGENTS["deep_research"]))
    assert fw.agent("VisitPage").span.file.endswith("doc_reader/doc_read_agent.yaml")
    assert fw.tool("Search").span.file.endswith("tools/Search.tool.yaml")
    assert fw.tool("DocChunkRead").span.file.endswith("doc_reader/tools/doc_chunk_read.tool.yaml")
    mw = fw.agent("deep_research_agent").extensions[1]
    assert mw.params["todo_validator_agent_config_path"] == "./todo_validator.yaml"  # ${this_file_dir} → "."
    assert (mw.span.line, mw.span.column) == (31, 13)


def test_llm_env_fallbacks(nexdr):
    fw, _, _ = resolve_nexau(str(nexdr / NEXDR_AGENTS["html_creator"]))
    llm = fw.llms[0]
    # left unset: the nexau profile reads MODEL/OPENAI_MODEL/LLM_MODEL, … at run time, as NexAU does
    assert (llm.model, llm.base_url, llm.api_key) == (None, None, None) and fw.profile == "nexau"
    assert llm.temperature == 0.7 and llm.max_tokens == 8192


@pytest.mark.parametrize("agent", sorted(NEXDR_AGENTS))
def test_nexdr_export_round_trip(nexdr, agent, tmp_path):
    fw, _, root = resolve_nexau(str(nexdr / NEXDR_AGENTS[agent]))
    report = export_nexau(fw, root, tmp_path)
    assert report.complete, report.text()
    assert (tmp_path / "coverage.json").is_file()
    back, r, _ = resolve_nexau(str(tmp_path / f"{fw.entry}.yaml"))
    assert not r.has_errors, r.sorted()
    assert strip_spans(back) == strip_spans(fw)


def test_detect_tells_nexau_from_other_yaml(nexdr):
    path = nexdr / NEXDR_AGENTS["deep_research"]
    assert detect(str(path), path.read_text()) == "nexau"
    a4a = FIXTURES / "nexa4a/support/framework_config.yaml"
    assert detect(str(a4a), a4a.read_text()) == "nexa4a"


def test_self_reference_and_recursion(tmp_path):
    (tmp_path / "t.tool.yaml").write_text("name: t\ndescription: d\ninput_schema: {type: object, properties: {}}\n")
    (tmp_path / "a.yaml").write_text("name: a\nllm_config: {}\ntools: [{name: t, yaml_path: t.tool.yaml}]\n"
                                     "sub_agents:\n  - {name: a, config_path: a.yaml}\n  - {name: b, config_path: b.yaml}\n")
    (tmp_path / "b.yaml").write_text("name: b\nllm_config: {}\ntools: [{name: t, yaml_path: t.tool.yaml}]\n"
                                     "sub_agents: [{name: a, config_path: a.yaml}]\n")
    fw, r, _ = resolve_nexau(str(tmp_path / "a.yaml"))
    assert not r.has_errors, r.sorted()
    assert [a.name for a in fw.agents] == ["a", "b"] and [t.name for t in fw.tools] == ["t"]
    assert [e.name for e in fw.agent("a").tools] == ["t", "a", "b"]
    assert [e.name for e in fw.agent("b").tools] == ["t", "a"]


def test_env_reference_whole_value_and_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("NEXC_TEST_MODEL", "m")
    (tmp_path / "a.yaml").write_text("variables:\n  llm: {temp: 0.25}\nname: a\nllm_config:\n"
                                     "  model: ${env.NEXC_TEST_MODEL}\n  temperature: ${variables.llm.temp}\n"
                                     "mcp_servers:\n  - {name: git, type: stdio, command: uvx, args: [mcp-server-git],"
                                     " env: {TOKEN: '${env.NEXC_TEST_MODEL}'}}\nstop_tools: [status]\n")
    fw, r, _ = resolve_nexau(str(tmp_path / "a.yaml"))
    assert not r.diagnostics, r.sorted()
    llm = fw.llms[0]
    assert llm.model == EnvRef(span=llm.model.span, name="NEXC_TEST_MODEL") and llm.temperature == 0.25
    server = fw.mcp_servers[0]
    assert server.transport == "stdio" and server.env["TOKEN"].name == "NEXC_TEST_MODEL"
    assert fw.agent("a").stop_tools == ("git.status",)


def test_nexa4a_framework(snapshot):
    from .conftest import compile_file

    fw, r = compile_file(FIXTURES / "nexa4a/support/framework_config.yaml", "nexa4a")
    assert not r.has_errors, r.sorted()
    assert fw.entry == "triage" and fw.name == "support_team"
    assert [e.name for e in fw.agent("triage").tools] == ["search_kb", "billing", "tech"]
    assert strip_spans(fw) == snapshot


def test_export_reports_what_nexau_cannot_express(tmp_path):
    from nexc.ir.model import Agent, Framework, Llm, McpSelection, McpServer, Prompt

    fw = Framework(name="f", description="x", entry="a", llms=(Llm(name="m", model=EnvRef(name="M", default="d")),),
                   mcp_servers=(McpServer(name="git", transport="stdio", command="uvx", include=("status",)),),
                   agents=(Agent(name="a", llm="m", tool_format="qwen3_coder", prompt=Prompt(text="Hi {{ x }}",
                                 template=True, variables=("x",)),
                                 tools=(McpSelection(server="git", tools=("status",)),)),
                           Agent(name="lonely")))
    report = export_nexau(fw, tmp_path, tmp_path / "out")
    features = {(i.where, i.feature) for i in report.unsupported}
    assert {("framework", "description"), ("agent 'a'", "tool_format"), ("agent 'a'", "MCP tool selection"),
            ("MCP server 'git'", "include"), ("llm 'm'", "model"), ("agent 'a'", "prompt"),
            ("agent 'lonely'", "unreachable agent")} <= features
    assert "NexAU cannot express" in report.text()
    assert (tmp_path / "out/prompts/a.md").read_text() == "Hi {{ x }}"
    assert os.path.isfile(tmp_path / "out/a.yaml")
