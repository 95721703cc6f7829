"""Watching a run: ``nexc run --verbose`` and a bundle's ``-v`` stream each step to stderr as it happens
(agents, sub-agents indented by depth, LLM calls, tool calls with short arguments, retries with their wait),
stdout keeps only the answer; the runtime's ``on_event`` callback behind it."""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from nexc.api import load
from nexc.runtime.events import Event, StderrPrinter, clip, short_arguments
from nexc.testing import FakeOpenAI, by_system, call, error, reply

SPEC = """\
nex 1

framework watched "A boss, a helper and a tool." {}

llm main {
  model = env("WATCHED_MODEL", "watched-model")
  base_url = env("WATCHED_BASE_URL", "http://127.0.0.1:9/v1")
  api_key = "none"
  max_retries = 3
}

tool shout(text: str "What to shout") -> str
  "Shout the text."
  = python "watched_tools:shout"

tool done = stdlib "finish"

agent helper "Shouts things." {
  llm = main
  prompt = "You are the helper."
  tools = [shout]
}

agent boss {
  llm = main
  prompt = "You are the boss."
  tools = [helper, done]
  stop = [done]
}

entry boss
"""

ANSWER = "helper said HELLO!"
#: the steps of the scripted run, in order, as the printer shows them (times stripped)
STEPS = [
    r'agent boss: start "greet"',
    r"  llm boss #1: retrying in 0\.2s after 503 \(attempt 2/4\)",
    r"  llm boss #1: watched-model, \d+\+\d+ tokens, [\d.]+s after 2 attempts -> helper",
    r'  sub-agent helper: start "shout hello"',
    r"    llm helper #1: watched-model, \d+\+\d+ tokens, [\d.]+s -> shout",
    r'    tool shout\(text="hello"\): ok [\d.]+s "HELLO!"',
    r'    llm helper #2: watched-model, \d+\+\d+ tokens, [\d.]+s -> answer "HELLO!"',
    r'  sub-agent helper: completed after 2 LLM calls, [\d.]+s: "HELLO!"',
    r"  llm boss #2: watched-model, \d+\+\d+ tokens, [\d.]+s -> done",
    r'  tool done\(answer="helper said HELLO!"\): stop [\d.]+s "helper said HELLO!"',
    r'agent boss: stop_tool after 2 LLM calls, [\d.]+s: "helper said HELLO!"',
]
_TIME = re.compile(r"^\[ *\d+\.\d\ds\] ")


def _script():
    return by_system({
        "You are the boss": [error(503, retry_after=0.2),
                             reply(tool_calls=[call("helper", {"task": "shout hello"})]),
                             reply(tool_calls=[call("done", {"answer": ANSWER})])],
        "You are the helper": [reply(tool_calls=[call("shout", {"text": "hello"})]), reply("HELLO!")],
    })


@pytest.fixture
def spec(tmp_path):
    (tmp_path / "watched_tools.py").write_text("def shout(text):\n    return text.upper() + '!'\n")
    path = tmp_path / "watched.nex"
    path.write_text(SPEC)
    return path


def steps(stderr: str) -> list[str]:
    """The event lines of ``stderr`` without their times (the stop reason and trajectory lines left out)."""
    return [_TIME.sub("", line) for line in stderr.splitlines() if _TIME.match(line)]


def assert_steps(stderr: str) -> None:
    got = steps(stderr)
    assert len(got) == len(STEPS), "\n".join(got)
    for line, want in zip(got, STEPS):
        assert re.fullmatch(want, line), (line, want)


def test_verbose_run_shows_every_step_in_order_and_stdout_only_the_answer(spec, tmp_path):
    from nexc.commands.run import run

    with FakeOpenAI(_script()) as url:
        r = CliRunner().invoke(run, [str(spec), "greet", "--base-url", url, "--verbose", "--no-trace"])
    assert r.exit_code == 0, r.output
    assert r.stdout == ANSWER + "\n"
    assert_steps(r.stderr)
    assert r.stderr.splitlines()[-2] == "stop reason: stop_tool"
    assert r.stderr.splitlines()[-1].startswith("trajectory: not written (--no-trace;")
    assert not list(tmp_path.rglob("*.jsonl"))


def test_without_verbose_stderr_has_no_steps(spec):
    from nexc.commands.run import run

    with FakeOpenAI(_script()) as url:
        r = CliRunner().invoke(run, [str(spec), "greet", "--base-url", url, "--no-trace"])
    assert r.exit_code == 0, r.output
    assert r.stdout == ANSWER + "\n" and steps(r.stderr) == []


def test_bundle_dash_v_shows_the_same_steps(spec, tmp_path):
    """The bundle's ``python -m watched -v``, in its own interpreter (real stdout and stderr)."""
    from nexc.cli import cli

    out = tmp_path / "bundle"
    b = CliRunner().invoke(cli, ["build", str(spec), "--target", "bundle", "-o", str(out)])
    assert b.exit_code == 0, b.output
    with FakeOpenAI(_script()) as url:
        r = subprocess.run([sys.executable, "-m", "watched", "greet", "-v", "--base-url", url, "--no-trace"],
                           check=False, cwd=out, capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ANSWER + "\n"
    assert_steps(r.stderr)


def test_a_dead_endpoint_shows_each_retry_before_it_gives_up(spec, tmp_path):
    from nexc.commands.run import run

    dead = spec.read_text().replace("max_retries = 3", "max_retries = 1")
    spec.write_text(dead)
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = CliRunner().invoke(run, [str(spec), "greet", "--base-url", f"http://127.0.0.1:{port}/v1", "-v",
                                 "--no-trace"])
    assert r.exit_code == 1 and r.stdout == ""
    got = steps(r.stderr)
    assert got[0] == 'agent boss: start "greet"'
    assert re.fullmatch(r"  llm boss #1: retrying in [\d.]+s after connection error \(attempt 2/2\)", got[1]), got
    assert re.fullmatch(r"  llm boss #1: failed: connection error: .*\(after 2 attempts\)", got[2]), got
    assert re.fullmatch(r"agent boss: llm_error after 1 LLM call, [\d.]+s: agent 'boss': connection error.*", got[3])


def _events(spec, script, listener, **kw):
    fw = load(spec)
    with FakeOpenAI(script) as url:
        async def go():
            try:
                return await fw.runtime.run("greet", base_url=url, on_event=listener, **kw)
            finally:
                await fw.runtime.llm.aclose()
        return asyncio.run(go())


def test_events_arrive_as_steps_happen(spec):
    """The retry is told before its wait, not after the call: the next event comes ≥ the wait later."""
    seen: list[Event] = []
    res = _events(spec, _script(), seen.append)
    assert res.ok and res.error is None
    kinds = [(e.kind, e.agent, e.depth) for e in seen]
    assert kinds == [("agent_start", "boss", 0), ("llm_retry", "boss", 0), ("llm_call", "boss", 0),
                     ("agent_start", "helper", 1), ("llm_call", "helper", 1), ("tool_call", "helper", 1),
                     ("llm_call", "helper", 1), ("agent_end", "helper", 1), ("tool_call", "boss", 0),
                     ("llm_call", "boss", 0), ("tool_call", "boss", 0), ("agent_end", "boss", 0)]
    retry, after = seen[1], seen[2]
    assert retry.data["wait"] == pytest.approx(0.2) and after.time - retry.time >= 0.19
    assert seen[3].path == seen[5].path == "boss/helper@1.0" and seen[-1].data["output"] == ANSWER


def test_a_failing_listener_is_dropped_and_reported_not_fatal(spec):
    calls = []

    def bad(event):
        calls.append(event)
        raise RuntimeError("watcher broke")

    res = _events(spec, _script(), bad)
    assert res.ok and res.output == ANSWER and len(calls) == 1
    assert "event listener" in res.error and "watcher broke" in res.error


def test_printer_escapes_cuts_and_indents():
    import io

    def line(width: int, **data) -> str:
        buf = io.StringIO()
        StderrPrinter(buf, width=width)(Event("tool_call", "a", "a/b@1.0", 1, {
            "tool": "t", "kind": "python", "arguments": {"x": "l1\nl2\x1b[31m", "n": 3}, "status": "ok",
            "seconds": 0.5, "text": "r" * 500, "stop": False, "replayed": False, **data}))
        out = buf.getvalue()
        assert out.count("\n") == 1 and "\x1b" not in out and len(out) - 1 <= width
        return _TIME.sub("", out.rstrip("\n"))

    wide = line(120)
    assert wide.startswith('    tool t(x="l1 l2\\u001b[31m", n=3): ok 0.50s "rrr') and wide.endswith("r…\"")
    # a narrow line cuts the arguments first: the outcome stays
    narrow = line(70, arguments={"x": "y" * 200})
    assert narrow.startswith('    tool t(x="yyy') and '…): ok 0.50s "rrr' in narrow


def test_short_arguments_take_json_text_and_bad_json():
    assert short_arguments('{"q": "a b", "k": [1, 2]}') == 'q="a b", k=[1, 2]'
    assert short_arguments("{broken") == "{broken"
    cut = short_arguments({"q": "x" * 100, "r": 1}, 30)
    assert len(cut) == 30 and cut.startswith('q="xxx') and cut.endswith("…")


_text = st.text(st.characters(exclude_categories=()), max_size=200)


@settings(max_examples=60, deadline=None)
@given(_text, _text, st.dictionaries(_text, _text, max_size=4))
def test_any_event_text_prints_as_one_clean_line(task, text, args):
    import io

    buf = io.StringIO()
    p = StderrPrinter(buf, width=120)
    p(Event("agent_start", "a", "a", 0, {"task": task}))
    p(Event("tool_call", "a", "a", 0, {"tool": "t", "kind": "python", "arguments": args, "status": "ok",
                                       "seconds": 0.0, "text": text, "stop": False, "replayed": False}))
    lines = buf.getvalue().split("\n")
    assert len(lines) == 3 and lines[2] == ""
    for line in lines[:2]:
        assert len(line) <= 120
        assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f for c in line), line
    assert clip(task, 10) == clip(task, 10) and len(clip(task, 10)) <= 10
