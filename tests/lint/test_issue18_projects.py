"""Issue 18 item 8: multi-file projects lint. A ``.nex`` library (tools, no agent) is not an error on its
own or found in a folder; a folder is linted once per framework, through its entry files; the
pre-commit hook's entry accepts a project whose tools live in ``tools.nex``."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from nexc.lint.run import lint_paths

REPO = Path(__file__).resolve().parents[2]
TOOLS = ('nex 1\n\ntool search(query: str) -> str "Search the web." = python "helpers:search"\n'
         'tool word(text: str) -> str "Say a word." = python "helpers:word"\n')
TEAM = ('nex 1\nimport "tools.nex"\n\nagent lead {\n  prompt = "You lead."\n  tools = [search, word]\n}\n')
ODD = 'tool odd "Odd." { parameters = {type: "object", properties: {a: {type: "strng"}}} }\n'
HELPERS = "def search(query: str) -> str:\n    return query\n\n\ndef word(text: str) -> str:\n    return text\n"


def project(tmp_path: Path, tools: str = TOOLS, team: str = TEAM) -> Path:
    (tmp_path / ".nexc-root").write_text("")
    (tmp_path / "tools.nex").write_text(tools, encoding="utf-8")
    (tmp_path / "team.nex").write_text(team, encoding="utf-8")
    (tmp_path / "helpers.py").write_text(HELPERS, encoding="utf-8")
    return tmp_path


def codes(diags) -> list[str]:
    return [d.code for d in diags]


def test_a_tools_only_library_lints_clean_on_its_own(tmp_path, monkeypatch):
    monkeypatch.chdir(project(tmp_path))
    assert codes(lint_paths(["tools.nex"])) == []


def test_a_library_found_in_a_folder_is_not_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(project(tmp_path))
    assert codes(lint_paths(["."])) == []


def test_a_library_that_nothing_imports_is_still_a_library(tmp_path, monkeypatch):
    monkeypatch.chdir(project(tmp_path))
    (tmp_path / "team.nex").unlink()
    assert codes(lint_paths(["."])) == []


def test_a_library_is_still_checked(tmp_path, monkeypatch):
    """The whole-framework checks run over a library's own declarations (a stand-in agent uses them)."""
    bad = TOOLS + ODD
    monkeypatch.chdir(project(tmp_path, tools=bad))
    diags = lint_paths(["tools.nex"], check_imports=True)
    assert codes(diags) == ["NEX406"] and diags[0].span.file == "tools.nex"
    broken = TOOLS.replace("helpers:word", "helpers:wrod")
    (tmp_path / "tools.nex").write_text(broken, encoding="utf-8")
    assert codes(lint_paths(["tools.nex"], check_imports=True)) == ["NEX407"]
    assert not any(d.span.file.startswith("<") for d in lint_paths(["tools.nex"], check_imports=True))


def test_a_file_with_nothing_declared_still_needs_an_agent(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.nex").write_text("nex 1\n", encoding="utf-8")
    assert codes(lint_paths(["empty.nex"])) == ["NEX305"]


def test_a_file_with_an_entry_but_no_agent_is_not_a_library(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.nex").write_text(TOOLS.replace("helpers:word", "stdlib_missing:w") + "entry lead\n",
                                    encoding="utf-8")
    assert "NEX303" in codes(lint_paths(["x.nex"])) or "NEX305" in codes(lint_paths(["x.nex"]))


def test_a_folder_is_linted_once_per_framework_through_its_entry_files(tmp_path, monkeypatch):
    import nexc.pipeline as pipeline

    team = TEAM.replace("tools = [search, word]", "tools = [serch, word]")
    monkeypatch.chdir(project(tmp_path, tools=TOOLS + ODD,
                              team=team))
    seen = []
    real = pipeline.compile_path
    monkeypatch.setattr(pipeline, "compile_path", lambda path, **kw: seen.append(str(path)) or real(path, **kw))
    diags = lint_paths(["."])
    assert [os.path.basename(p) for p in seen] == ["team.nex"]  # tools.nex comes with its importer
    assert sorted(codes(diags)) == ["NEX301", "NEX406"]
    assert sum(d.code == "NEX406" for d in diags) == 1  # the library's diagnostic once


def test_named_files_are_linted_through_their_entry_files_too(tmp_path, monkeypatch):
    import nexc.pipeline as pipeline

    monkeypatch.chdir(project(tmp_path))
    seen = []
    real = pipeline.compile_path
    monkeypatch.setattr(pipeline, "compile_path", lambda path, **kw: seen.append(str(path)) or real(path, **kw))
    assert codes(lint_paths(["tools.nex", "team.nex"])) == []
    assert seen == ["team.nex"]


def _hook_entry() -> list[str]:
    """The nexc-lint hook's entry, as pre-commit runs it (``nexc`` from this environment)."""
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "nexc-lint")
    entry = shlex.split(hook["entry"])
    assert entry[0] == "nexc"
    return [sys.executable, "-m", "nexc", *entry[1:], *hook.get("args", [])]


def test_the_pre_commit_hook_accepts_a_project_whose_tools_live_in_tools_nex(tmp_path):
    project(tmp_path)
    env = {**os.environ, "NO_COLOR": "1"}
    for changed in (["tools.nex"], ["team.nex"], ["team.nex", "tools.nex"]):  # the changed files, as pre-commit passes them
        p = subprocess.run([*_hook_entry(), *changed], cwd=tmp_path, capture_output=True, text=True, env=env,
                           timeout=120)
        assert p.returncode == 0, (changed, p.stdout + p.stderr)
    (tmp_path / "tools.nex").write_text(TOOLS.replace('= python "helpers:word"', ""), encoding="utf-8")
    p = subprocess.run([*_hook_entry(), "tools.nex"], cwd=tmp_path, capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr  # a signature alone is a declaration: still clean
    (tmp_path / "tools.nex").write_text(TOOLS + "tool broken {\n", encoding="utf-8")
    p = subprocess.run([*_hook_entry(), "tools.nex"], cwd=tmp_path, capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 1 and "NEX10" in p.stdout and "NEX305" not in p.stdout, p.stdout
