"""Fixtures of the page tests: real trajectories (a framework run against the fake OpenAI server on
127.0.0.1), a real GAP run folder, and one headless Chromium for the browser tests of a session."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nexc.testing import FakeOpenAI, by_system, call, reply

#: a lead with a Python tool, a native sub-agent and a text-mode (hermes) sub-agent; the task and one tool
#: result carry strings that would break a careless page
SPEC = '''nex 1
framework pages_demo "A demo team for the page tests."
llm m { model = "fake" }
tool add(a: int, b: int) -> int "Add two numbers." = python "tools:add"
tool shout(text: str "What to shout") -> str "Shout it." = python "tools:shout"
agent helper "Helps with sums." {
  llm = m
  prompt = "You are helper."
  tools = [add]
  max_iterations = 4
}
agent texter "Writes in text mode." {
  llm = m
  prompt = "You are texter."
  tools = [shout]
  tool_format = hermes
  max_iterations = 4
}
agent lead {
  llm = m
  prompt = "You are lead."
  tools = [add, shout, helper, texter]
  max_iterations = 6
}
entry lead
'''
TOOLS = ("def add(a: int, b: int) -> int:\n    return a + b\n\n"
         "def shout(text: str) -> str:\n    return text.upper() + ' </script><script>window.pwned=1</script>'\n")
HOSTILE = "</script><script>window.pwned=1</script> <!-- & \u2028 <b>bold</b> 'q' \"dq\""


def lines_of(path: Path) -> list[str]:
    """The non-blank lines of a JSON Lines file (split at newlines only: U+2028 is no line break in JSON)."""
    return [x for x in path.read_text(encoding="utf-8").split("\n") if x.strip()]


def script():
    """Replies of one run: lead calls add and helper in parallel, then texter, then answers."""
    return by_system({
        "You are lead.": [reply("planning", tool_calls=[call("add", {"a": 2, "b": 3}),
                                                        call("helper", {"task": "add 4 and 5"})]),
                          reply(tool_calls=[call("texter", {"task": "shout " + HOSTILE})]),
                          reply("All done: 5, 9 and a shout.")],
        "You are helper.": [reply(tool_calls=[call("add", {"a": 4, "b": 5})]), reply("9")],
        "You are texter.": [reply('<tool_call>\n{"name": "shout", "arguments": {"text": "hi"}}\n</tool_call>'),
                            reply("shouted HI")],
    })


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pages_project")
    (root / "team.nex").write_text(SPEC, encoding="utf-8")
    (root / "tools.py").write_text(TOOLS, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def trajectory(project) -> Path:
    """A trajectory of two runs of the demo team (one with span lines appended, as a tracer writes them)."""
    import nexc

    path = project / "runs.jsonl"
    fw = nexc.load(project / "team.nex")
    spans: list[dict] = []
    for i, task in enumerate(["Sum things. " + HOSTILE, "Sum again."]):
        with FakeOpenAI(script()) as url:
            res = fw.run(task, base_url=url, api_key="k", trace_path=path,
                         on_span=(lambda s: spans.append(s.as_dict())) if i == 0 else None)
        assert res.ok, res.error
    with open(path, "a", encoding="utf-8") as fh:
        fh.writelines(json.dumps(s) + "\n" for s in spans)
    return path


@pytest.fixture(scope="session")
def records(trajectory) -> list[dict]:
    return [r for r in map(json.loads, lines_of(trajectory)) if "messages" in r]


@pytest.fixture(scope="session")
def browser():
    from nexc.testing.browser import Browser, available

    why = available()
    if why:
        pytest.skip(why)
    b = Browser(width=1400, height=900)
    try:
        yield b
    finally:
        b.close()
