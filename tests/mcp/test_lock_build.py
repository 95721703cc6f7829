"""Compile time against the MCP lockfile: loading uses the locked schemas (starts nothing), lint checks
names, clashes and context size without starting anything and warns when the lock is missing or stale,
and ``nexc build --target bundle`` carries the locked schemas."""
import json
import os
import subprocess
import sys

from click.testing import CliRunner
from mcp_testlib import SERVER, alive, children

from nexc.cli import cli


def _spec(tmp_path, *, extra_arg="", tools="fx.*", decl=""):
    starts = tmp_path / "starts.log"
    args = [SERVER, "--starts", str(starts)] + ([extra_arg] if extra_arg else [])
    spec = tmp_path / "calc.nex"
    spec.write_text(f'nex 1\n\nmcp fx = stdio {json.dumps(sys.executable)} {json.dumps(args)}\n{decl}\n'
                    f'agent calc {{\n  prompt = "Add numbers."\n  tools  = [{tools}]\n  context_tokens = 4000\n}}\n',
                    encoding="utf-8")
    return spec, starts


def _starts(path) -> list[int]:
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _lint(spec) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["lint", str(spec), "--format", "json"])
    return res.exit_code, res.output


def _codes(output: str) -> list[str]:
    return sorted(d["code"] for d in json.loads(output)["diagnostics"]) if output.strip() else []


def test_lint_checks_against_the_lockfile_without_starting_servers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec, starts = _spec(tmp_path, tools="fx.add, fx.nope")
    code, out = _lint(spec)
    assert _codes(out) == ["NEX418"]  # no lockfile yet
    res = CliRunner().invoke(cli, ["mcp", "lock", str(spec)])
    assert res.exit_code == 0, res.output
    assert len(_starts(starts)) == 1 and not any(alive(p) for p in _starts(starts))
    code, out = _lint(spec)
    assert code == 1 and _codes(out) == ["NEX420"]  # fx.nope is not a tool of fx
    assert "'nope'" in out
    spec.write_text(spec.read_text().replace("fx.add, fx.nope", "fx.*"))
    assert _codes(_lint(spec)[1]) == []
    spec2, _ = _spec(tmp_path, extra_arg="--verbose")  # the declaration changed after locking
    assert _codes(_lint(spec2)[1]) == ["NEX419"]
    assert len(_starts(starts)) == 1  # lint started nothing


def test_clash_and_context_size_use_locked_names_and_schemas(tmp_path, monkeypatch):
    from nexc.mcp.lockfile import load_lock
    from nexc.analysis.tools import agent_tool_decls
    from nexc.pipeline import compile_path

    monkeypatch.chdir(tmp_path)
    decl = 'tool fx__echo(message: str) -> str "Echo." = python "tools:echo"\n'
    spec, _ = _spec(tmp_path, tools="fx.*, fx__echo", decl=decl)
    assert _codes(_lint(spec)[1]) == ["NEX418"]  # fx.* names unknown: no clash can be seen
    assert CliRunner().invoke(cli, ["mcp", "lock", str(spec)]).exit_code == 0
    assert _codes(_lint(spec)[1]) == ["NEX400"]  # the runtime would offer fx__echo twice
    res = compile_path(str(spec))
    agent = res.framework.agent("calc")
    decls = {d["name"]: d for d in agent_tool_decls(res.framework, agent, load_lock(tmp_path))}
    assert decls["fx__add"]["parameters"]["required"] == ["a", "b"]  # the locked schema, counted in NEX440
    assert decls["fx__add"]["description"] == "[MCP fx.add] Add two integers."


def test_loading_uses_the_lock_and_a_stale_lock_lists_live(tmp_path):
    import nexc.api as nx

    spec, starts = _spec(tmp_path)
    assert CliRunner().invoke(cli, ["mcp", "lock", str(spec)]).exit_code == 0
    fw = nx.load(spec)
    assert fw.problems == [] and len(_starts(starts)) == 1  # schemas from the lockfile: nothing started
    tools = fw.runtime.plans["calc"].tools
    assert tools["fx__add"].parameters["required"] == ["a", "b"] and "fx__sleep" in tools
    spec2, _ = _spec(tmp_path, extra_arg="--verbose")
    fw2 = nx.load(spec2)  # stale entry: listed from the server, which is stopped again
    assert "fx__add" in fw2.runtime.plans["calc"].tools
    assert len(_starts(starts)) == 2 and not alive(_starts(starts)[-1]) and not children()


def test_bundle_carries_the_locked_schemas(tmp_path):
    spec, starts = _spec(tmp_path, tools="fx.add, fx.echo")
    assert CliRunner().invoke(cli, ["mcp", "lock", str(spec)]).exit_code == 0
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["build", str(spec), "--target", "bundle", "-o", str(out)])
    assert res.exit_code == 0, res.output
    lock = json.loads((out / "calc" / "nexc.mcp.lock.json").read_text())
    assert lock == json.loads((tmp_path / "nexc.mcp.lock.json").read_text())
    code = ("import calc\nfw = calc.framework\nt = fw.runtime.plans['calc'].tools\n"
            "print(fw.problems, sorted(t), t['fx__add'].parameters['required'])")
    p = subprocess.run([sys.executable, "-c", code], cwd=out, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert p.stdout.strip() == "[] ['fx__add', 'fx__echo'] ['a', 'b']", p.stdout + p.stderr
    assert len(_starts(starts)) == 1  # loading the bundle started no server


def test_bundle_without_lock_has_no_lockfile(tmp_path):
    spec, _ = _spec(tmp_path)
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["build", str(spec), "--target", "bundle", "-o", str(out)]).exit_code == 0
    assert not (out / "calc" / "nexc.mcp.lock.json").exists()


def test_lock_bad_input_gives_messages_not_tracebacks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "bad.nex"
    spec.write_text('nex 1\n\nmcp gone = stdio "/nonexistent/mcp-server" { connect_timeout = 2 }\n\n'
                    'agent a {\n  prompt = "x"\n  tools  = [gone.*]\n}\n', encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["mcp", "lock", "bad.nex"])
    assert res.exit_code == 1 and "MCP server 'gone'" in res.output and "Traceback" not in res.output
    assert "/nonexistent/mcp-server" in res.output  # the command is named
    assert not (tmp_path / "nexc.mcp.lock.json").exists()  # a failed lock writes nothing
    res = runner.invoke(cli, ["mcp", "lock", "bad.nex", "--server", "nope"])
    assert res.exit_code == 2 and "no MCP server 'nope'" in res.output
    res = runner.invoke(cli, ["mcp", "lock", "missing.nex"])
    assert res.exit_code == 1 and "NEX001" in res.output and isinstance(res.exception, (SystemExit, type(None)))
