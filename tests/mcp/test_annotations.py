"""MCP tool annotations: kept in the lockfile and on the runtime tools, and gated by a server's ``deny``
policy at run time (runtime) and at lint time (NEX421)."""
import json

from click.testing import CliRunner
from mcp_testlib import SERVER, stdio_server

from nexc.mcp.names import denied_by
from nexc.cli import cli
from nexc.ir.model import Framework, McpSelection
from nexc.mcp.tools import provide, tools_for


def test_denied_by_applies_the_mcp_defaults():
    assert denied_by((), None) is None
    assert denied_by(("destructive",), None) == "destructive"            # unannotated: a destructive write
    assert denied_by(("destructive",), {"readOnlyHint": True}) is None
    assert denied_by(("destructive",), {"destructiveHint": False}) is None
    assert denied_by(("write",), {"destructiveHint": False}) == "write"
    assert denied_by(("open_world",), {"readOnlyHint": True}) == "open_world"
    assert denied_by(("open_world", "write"), {"openWorldHint": False, "readOnlyHint": True}) is None


def test_runtime_keeps_annotations_and_offers_only_what_the_policy_allows():
    everything = {t.name: t for t in tools_for(stdio_server(), None, None)}
    assert everything["fx__pid"].annotations == {"readOnlyHint": True, "openWorldHint": False}
    assert everything["fx__die"].annotations["destructiveHint"] is True
    assert everything["fx__add"].annotations == {}
    safe = {t.name for t in tools_for(stdio_server(deny=("destructive",)), None, None)}
    assert safe == {"fx__pid"}  # every other tool is unannotated or destructive
    closed = {t.name for t in tools_for(stdio_server(deny=("open_world",)), None, None)}
    assert closed == {"fx__pid", "fx__die"}


def test_an_explicitly_selected_denied_tool_is_a_problem_not_a_tool():
    srv = stdio_server(deny=("destructive",))
    fw = Framework(name="t", entry="a", mcp_servers=(srv,))
    tools, problems = provide(fw, McpSelection(server="fx", tools=("die", "pid")), ".")
    assert [t.name for t in tools] == ["fx__pid"]
    assert problems == ["MCP tool 'fx.die' is not offered: the server denies destructive tools"]


def test_lockfile_keeps_annotations_and_lint_warns_about_denied_entries(tmp_path, monkeypatch):
    import sys

    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "ops.nex"
    spec.write_text(f'nex 1\nmcp fx = stdio {json.dumps(sys.executable)} {json.dumps([SERVER])} {{\n'
                    f'  deny = ["destructive"]\n}}\nagent ops {{\n  prompt = "Operate."\n  tools = [fx.pid, fx.die]\n}}\n',
                    encoding="utf-8")
    assert CliRunner().invoke(cli, ["mcp", "lock", str(spec)]).exit_code == 0
    lock = json.loads((tmp_path / "nexc.mcp.lock.json").read_text())
    tools = {t["name"]: t for t in lock["servers"]["fx"]["tools"]}
    assert tools["die"]["annotations"] == {"readOnlyHint": False, "destructiveHint": True, "openWorldHint": False}
    assert "annotations" not in tools["add"]
    res = CliRunner().invoke(cli, ["lint", str(spec), "--format", "json"])
    diags = json.loads(res.output)["diagnostics"]
    assert [(d["code"], d["line"]) for d in diags] == [("NEX421", 7)], diags
    assert "fx.die" in diags[0]["message"]


def test_deny_round_trips_and_rejects_unknown_annotations(tmp_path):
    from nexc.pipeline import compile_path

    spec = tmp_path / "s.nex"
    spec.write_text('nex 1\nmcp fx = stdio "x" { deny = ["destructiv", "write"] }\nagent a { prompt = "p"\n'
                    '  tools = [fx.*] }\n', encoding="utf-8")
    res = compile_path(spec)
    bad = [d for d in res.reporter.sorted() if d.code == "NEX203"]
    assert bad and "did you mean 'destructive'" in bad[0].message
    spec.write_text(spec.read_text().replace('"destructiv", ', ""), encoding="utf-8")
    for to in ("yaml", "nex"):
        out = CliRunner().invoke(cli, ["convert", str(spec), "--to", to])
        assert out.exit_code == 0 and "deny" in out.output and "write" in out.output, out.output


def test_a_middleware_gates_calls_on_the_tool_annotations():
    """Per-call policy: a before_tool middleware sees the MCP annotations and refuses the destructive tool,
    which never reaches the server (it would have killed it)."""
    from pathlib import Path

    from nexc.api import CompiledFramework
    from nexc.ir.model import Agent, Extension, Limits, Llm, Prompt
    from nexc.testing import FakeOpenAI, call, reply

    gate = Extension(kind="middleware", target="approval_gate:ApproveReadOnly")
    fw = Framework(name="t", mcp_servers=(stdio_server(),), llms=(Llm(name="m", model="fake"),), entry="main",
                   agents=(Agent(name="main", llm="m", prompt=Prompt(text="You operate."), extensions=(gate,),
                                 tools=(McpSelection(server="fx", tools=("die", "pid")),),
                                 limits=Limits(max_iterations=5)),))
    cf = CompiledFramework.from_ir(fw, str(Path(__file__).parent))
    assert cf.problems == []
    script = [reply(tool_calls=[call("fx__die", {})]), reply(tool_calls=[call("fx__pid", {})]), reply("done")]
    with FakeOpenAI(script) as url:
        res = cf.run("go", base_url=url, api_key="sk-test")
    assert res.output == "done", res.error
    observations = [m["content"] for m in res.records[-1]["messages"] if m["role"] == "tool"]
    assert observations[0] == "refused: 'fx__die' is destructive and needs a human's approval"
    assert observations[1].startswith("{\"result\": "), observations  # the server is alive: die never ran
