"""The public API (load, SpecError, env fallbacks) and the ``nexc run`` command."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nexc.api import CompiledFramework, SpecError, load
from nexc.runtime.types import StopReason
from nexc.testing import FakeOpenAI, by_system, call, reply

SPEC = """\
nex 1

framework mini "A tiny team." {}

llm main {
  model    = env("MINI_MODEL", "mini-model")
  base_url = env("MINI_BASE_URL", "http://127.0.0.1:9/v1")
  api_key  = env("MINI_KEY", "none")
  max_retries = 0
}

tool shout(text: str "What to shout") -> str
  "Shout the text."
  = python "mini_tools:shout"

tool done = stdlib "finish"

agent helper "Shouts things." {
  llm    = main
  prompt = "You are the helper."
  tools  = [shout]
}

agent boss {
  llm    = main
  prompt = template("You are the boss. Today is {{ day }}.", vars = ["day"])
  tools  = [helper, done]
  stop   = [done]
}

entry boss
"""


@pytest.fixture
def spec(tmp_path):
    (tmp_path / "mini_tools.py").write_text("def shout(text):\n    return text.upper() + '!'\n")
    path = tmp_path / "mini.nex"
    path.write_text(SPEC)
    return path


def _script():
    return by_system({
        "You are the boss": [reply(tool_calls=[call("helper", {"task": "shout hello"})]),
                             reply(tool_calls=[call("done", {"answer": "helper said HELLO!"})])],
        "You are the helper": [reply(tool_calls=[call("shout", {"text": "hello"})]), reply("HELLO!")],
    })


def test_load_and_run_a_nex_spec(spec, monkeypatch):
    fw = load(spec)
    assert isinstance(fw, CompiledFramework) and fw.problems == []
    srv = FakeOpenAI(_script())
    with srv as url:
        monkeypatch.setenv("MINI_BASE_URL", url)
        res = fw.run("greet", context={"day": "Monday"})
    assert res.stop_reason is StopReason.STOP_TOOL and res.output == "helper said HELLO!"
    assert "Today is Monday." in srv.requests[0].system
    assert srv.requests[0].body["model"] == "mini-model"
    helper_last = [r for r in srv.requests if "helper" in r.system and "boss" not in r.system][-1]
    assert helper_last.messages[-1]["content"] == "HELLO!"


def test_arguments_beat_spec_and_env(spec, monkeypatch):
    fw = load(spec)
    srv = FakeOpenAI(_script())
    with srv as url:
        monkeypatch.setenv("MINI_BASE_URL", "http://127.0.0.1:9/v1")
        res = fw.run("greet", base_url=url, model="override", api_key="sk-arg-key-1", context={"day": "Monday"})
    assert res.ok and srv.requests[0].body["model"] == "override"
    assert srv.requests[0].headers["authorization"] == "Bearer sk-arg-key-1"


def test_environment_fallbacks(monkeypatch, settings):
    import helpers

    from nexc.ir.model import Llm

    fw = CompiledFramework.from_ir(helpers.framework([helpers.agent()], llm=Llm(name="m")), settings=settings)
    srv = FakeOpenAI([reply("ok"), reply("ok")])
    with srv as url:
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-22")
        monkeypatch.delenv("NEXC_MODEL", raising=False)
        monkeypatch.setenv("OPENAI_MODEL", "env-model")
        assert fw.run("x").ok
        monkeypatch.setenv("NEXC_MODEL", "nexc-model")
        assert fw.run("x").ok
    assert [r.body["model"] for r in srv.requests] == ["env-model", "nexc-model"]
    assert srv.requests[0].headers["authorization"] == "Bearer sk-env-key-22"


def test_spec_error_carries_diagnostics(tmp_path):
    bad = tmp_path / "bad.nex"
    bad.write_text("nex 1\nagent a {\n  tools = [nosuch]\n}\n")
    with pytest.raises(SpecError) as info:
        load(bad)
    assert info.value.diagnostics and "NEX301" in str(info.value)


def test_run_inside_a_loop_is_refused(spec):
    import asyncio

    fw = load(spec)

    async def inner():
        with pytest.raises(RuntimeError, match="arun"):
            fw.run("x")

    asyncio.run(inner())


def test_cli_run_replay_and_exit_codes(spec, tmp_path, monkeypatch):
    from nexc.commands.run import run

    trace = tmp_path / "out.jsonl"
    runner = CliRunner()
    with FakeOpenAI(_script()) as url:
        monkeypatch.setenv("MY_KEY", "sk-cli-key-99")
        r = runner.invoke(run, [str(spec), "greet", "--base-url", url, "--api-key-env", "MY_KEY",
                                "--trace-out", str(trace), "--context", "day=Friday"])
    assert r.exit_code == 0, r.output
    assert "helper said HELLO!" in r.stdout and f"trajectory: {trace}" in r.stderr
    assert "sk-cli-key-99" not in trace.read_text()
    assert json.loads(trace.read_text().splitlines()[0])["agent_name"] == "boss"

    r = runner.invoke(run, [str(spec), "greet", "--replay", str(trace), "--context", "day=Friday",
                            "--trace-out", str(tmp_path / "again.jsonl")])
    assert r.exit_code == 0 and "helper said HELLO!" in r.stdout
    r = runner.invoke(run, [str(spec), "greet", "--replay", str(trace), "--context", "day=Sunday",
                            "--trace-out", str(tmp_path / "again2.jsonl")])
    assert r.exit_code == 1 and "replay_diverged" in r.stderr

    r = runner.invoke(run, [str(spec), "greet", "--context", "novalue"])
    assert r.exit_code == 2
    r = runner.invoke(run, [str(spec), "greet", "--api-key-env", "NOT_SET_ANYWHERE_X"])
    assert r.exit_code == 2
    bad = tmp_path / "bad.nex"
    bad.write_text("nex 1\nagent a {\n  tools = [nosuch]\n}\n")
    r = runner.invoke(run, [str(bad), "x"])
    assert r.exit_code == 2 and "NEX301" in r.stderr


def test_cli_import_is_lazy():
    import subprocess
    import sys

    code = "import sys, nexc.commands.run; print('openai' in sys.modules, 'nexc.runtime.engine' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
