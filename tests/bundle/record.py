"""Record ``examples/<x>/replay.jsonl``: run each example against the fake server with scripted replies.

Regenerate with ``.venv/bin/python tests/bundle/record.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

from nexc.testing import FakeOpenAI, call, reply

REPO = Path(__file__).resolve().parents[2]
TASKS = {
    "deep_research": ("examples/deep_research/research.nex", "What is a tool-calling agent?"),
    "coding_team": ("examples/coding_team/team.nex", "Add a docstring to the greet function."),
}
ANSWERS = {
    "deep_research": "A tool-calling agent is a model that acts through tools [1].",
    "coding_team": "Done: greet now has a docstring.",
}


def _qwen3(name: str, **params) -> str:
    body = "".join(f"<parameter={k}>\n{v}\n</parameter>\n" for k, v in params.items())
    return f"<tool_call>\n<function={name}>\n{body}</function>\n</tool_call>"


def script(name: str) -> list:
    """The scripted replies for example ``name``."""
    if name == "deep_research":
        # The researcher is in qwen3_coder text mode: tool calls are written in the reply text.
        return [reply(_qwen3("search", query="tool-calling agent", max_results=2)),
                reply(_qwen3("handoff_to_report_writer", findings=ANSWERS[name]))]
    return [reply(tool_calls=[call("planner", {"task": "Plan: add a docstring to greet."})]),
            reply("1. Add a one-line docstring to greet."),
            reply(ANSWERS[name])]


def record(name: str, out: Path | None = None, *, base_url: str | None = None) -> Path:
    """Run example ``name`` live against a fake server and write its trajectory to ``out``."""
    import nexc

    spec, task = TASKS[name]
    out = out or REPO / Path(spec).parent / "replay.jsonl"
    if out.exists():
        out.unlink()
    fw = nexc.load(REPO / spec)
    with FakeOpenAI(script(name)) as url:
        res = fw.run(task, base_url=url, api_key="test", model="fake", trace_path=out,
                     context={"date": "2025-01-01"})
    assert res.ok, (res.stop_reason, res.error)
    return out


if __name__ == "__main__":
    for n in sys.argv[1:] or TASKS:
        print(n, record(n))
