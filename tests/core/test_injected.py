"""The parameters the runtime injects (``nexc.runtime.tools.INJECTED``) are the ones ``nexc lint
--check-imports`` lets a tool function require without declaring, and the ones NexAU specs may not declare."""
from __future__ import annotations

import json
import os
import subprocess
import sys


SPEC = ('tool lookup(query: str) = python "injtools:lookup"\n'
        'tool remember(query: str) = python "injtools:remember"\n'
        'agent a { prompt = "x"\n  tools = [lookup, remember] }\n')
TOOLS = ("def lookup(query, run_context, global_storage):\n    return run_context.agent_name\n\n"
         "def remember(query, agent_state):\n    return ''\n")


def _lint(folder, *args):
    env = {**os.environ, "NO_COLOR": "1"}
    p = subprocess.run([sys.executable, "-m", "nexc", "lint", *args], capture_output=True, text=True, cwd=folder,
                       env=env, timeout=120)
    return p.returncode, json.loads(p.stdout)


def test_check_imports_knows_what_the_runtime_injects(tmp_path):
    (tmp_path / ".nexc-root").write_text("")
    (tmp_path / "spec.nex").write_text(SPEC)
    (tmp_path / "injtools.py").write_text(TOOLS)
    rc, out = _lint(tmp_path, "spec.nex", "--check-imports", "--format", "json")
    found = [(d["code"], d["message"]) for d in out["diagnostics"]]
    # run_context and global_storage are filled in by the runtime: no NEX408 for lookup
    assert not any("run_context" in m or "global_storage" in m for _, m in found), found
    # agent_state is NexAU's, never injected by the nexc runtime: the function cannot be called
    assert [c for c, m in found if "agent_state" in m] == ["NEX408"], found
    assert rc == 1


def test_nexau_tool_schema_may_not_declare_run_context(tmp_path):
    from nexc.pipeline import compile_path

    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "Look.yaml").write_text(
        "type: tool\nname: look\ndescription: d\ninput_schema:\n  type: object\n  properties:\n"
        "    query: {type: string}\n    run_context: {type: object}\n")
    (tmp_path / "agent.yaml").write_text(
        "type: agent\nname: a\nsystem_prompt: hi\ntool_call_mode: openai\n"
        "tools:\n  - name: look\n    yaml_path: ./tools/Look.yaml\n    binding: injtools:lookup\n")
    res = compile_path(str(tmp_path / "agent.yaml"))
    msgs = [(d.code, d.message) for d in res.reporter.sorted()]
    assert ("NEX203", "'run_context' is injected by the runtime and must not be a parameter") in msgs, msgs
