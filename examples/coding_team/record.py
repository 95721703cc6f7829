"""Record ``cto_replay.jsonl``: the CTO team (``cto.nex``) run live against nexc's fake OpenAI server with
scripted replies, on a fresh demo repository (:func:`make_repo`), through the real ``mcp-server-git``.
The files are written and the commits made for real; the recording holds every tool result, so
``nexc run cto.nex TASK --replay cto_replay.jsonl`` needs neither an LLM nor git.

Regenerate with ``python examples/coding_team/record.py`` (needs ``pip install mcp-server-git``).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = HERE / "cto.nex"
TASK = "Document greet() and add a test for it."
ANSWER = "Committed: a docstring for greet() (engineer) and test_greet.py (test_engineer)."
GREET = 'def greet(name):\n    return f"Hello, {name}!"\n'
DOCUMENTED = 'def greet(name):\n    """The greeting for ``name``."""\n    return f"Hello, {name}!"\n'
TEST = 'from greet import greet\n\n\ndef test_greet():\n    assert greet("Ada") == "Hello, Ada!"\n'
#: the demo repository's history is the same every time (fixed author, committer and dates)
GIT_ENV = {"GIT_AUTHOR_NAME": "Demo", "GIT_AUTHOR_EMAIL": "demo@example.com", "GIT_COMMITTER_NAME": "Demo",
           "GIT_COMMITTER_EMAIL": "demo@example.com", "GIT_AUTHOR_DATE": "2025-01-01T12:00:00Z",
           "GIT_COMMITTER_DATE": "2025-01-01T12:00:00Z"}


def make_repo(root: Path) -> Path:
    """A git repository with one commit holding ``greet.py``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "greet.py").write_text(GREET)
    env = {**os.environ, **GIT_ENV}
    for cmd in (["init", "-q", "-b", "main"], ["config", "user.name", "Demo"],
                ["config", "user.email", "demo@example.com"], ["add", "greet.py"],
                ["commit", "-q", "-m", "greet: first version"]):
        subprocess.run(["git", *cmd], cwd=root, env=env, check=True, capture_output=True)
    return root


def script():
    """The scripted replies, routed to each agent by a phrase of its system prompt."""
    from nexc.testing import by_system, call, reply

    def act(name: str, **arguments):
        return reply(tool_calls=[call(name, arguments)])

    return by_system({
        "You are the CTO": [
            act("git__git_log", repo_path=".", max_count=5),
            act("engineer", task="In greet.py, give greet() a one-line docstring; change nothing else. Commit it."),
            act("test_engineer", task="Add test_greet.py with a pytest test of greet('Ada'). Commit it."),
            act("git__git_log", repo_path=".", max_count=5),
            act("finish", answer=ANSWER),
        ],
        "You are a software engineer": [
            act("read_file", path="greet.py"),
            act("write_file", path="greet.py", content=DOCUMENTED),
            act("git__git_diff_unstaged", repo_path="."),
            act("git__git_add", repo_path=".", files=["greet.py"]),
            act("git__git_commit", repo_path=".", message="greet: say what it returns"),
            reply("Changed greet.py; committed as 'greet: say what it returns'."),
        ],
        "You write tests": [
            act("read_file", path="greet.py"),
            act("write_file", path="test_greet.py", content=TEST),
            act("git__git_add", repo_path=".", files=["test_greet.py"]),
            act("git__git_commit", repo_path=".", message="test_greet: greet's greeting"),
            reply("Added test_greet.py; committed as 'test_greet: greet's greeting'."),
        ],
    })


def run_live(repo: Path, trace: Path | None = None, script_=None, **kw):
    """Run the team on ``repo`` against the fake server (the git server started from this interpreter's
    environment, so an installed ``mcp-server-git`` is found)."""
    import nexc
    from nexc.testing import FakeOpenAI

    bindir = str(Path(sys.executable).parent)
    old = {k: os.environ.get(k) for k in ("PATH", "CODING_TEAM_REPO")}
    os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    os.environ["CODING_TEAM_REPO"] = str(repo)
    try:
        fw = nexc.load(SPEC)
        with FakeOpenAI(script_ or script()) as url:
            return fw.run(TASK, base_url=url, api_key="test", model="fake", trace_path=trace, workdir=repo, **kw)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def record(out: Path | None = None) -> Path:
    out = out or HERE / "cto_replay.jsonl"
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "demo")
        res = run_live(repo, out)
        assert res.ok and res.output == ANSWER, (res.stop_reason, res.error, res.output)
        assert (repo / "greet.py").read_text() == DOCUMENTED and (repo / "test_greet.py").read_text() == TEST
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1]))
    print(record(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
