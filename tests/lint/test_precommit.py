"""nexc as a pre-commit hook: the hook definition, and a temporary git repository whose commit is
blocked by a bad spec and accepted with a good one (pre-commit runs the hook's entry locally)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
HOOK = next(h for h in HOOKS if h["id"] == "nexc-lint")


def test_hook_definition():
    assert HOOK["entry"] == "nexc lint" and HOOK["language"] == "python"
    files = re.compile(HOOK["files"])
    for name in ("a.nex", "dir/b.nex.yaml", "c.nex.yml"):
        assert files.search(name), name
    for name in ("d.yaml", "e.nexus", "f.nex.json", "pyproject.toml"):
        assert not files.search(name), name


def _pre_commit() -> list[str] | None:
    exe = Path(sys.executable).parent / "pre-commit"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("pre-commit")
    return [found] if found else None


def _git(repo: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                           *args], cwd=repo, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_commit_blocked_by_bad_spec_and_accepted_when_fixed(tmp_path):
    pre_commit = _pre_commit()
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_NOSYSTEM": "1",
           "HOME": str(tmp_path)}
    assert _git(repo, "init", "-q", env=env).returncode == 0
    nexc = Path(sys.executable).parent / "nexc"
    config = {"repos": [{"repo": "local", "hooks": [{
        "id": HOOK["id"], "name": HOOK["name"], "entry": f"{nexc} lint" if nexc.exists() else
        f"{sys.executable} -c 'import sys; from nexc.cli import main; main(sys.argv[1:])' lint",
        "language": "system", "files": HOOK["files"]}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    p = subprocess.run([*pre_commit, "install"], cwd=repo, capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    (repo / "team.nex").write_text('nex 1\nagent a {\n  prompt = "x"\n  tools = [serch]\n}\n', encoding="utf-8")
    _git(repo, "add", ".", env=env)
    bad = _git(repo, "commit", "-q", "-m", "bad", env=env)
    assert bad.returncode != 0, bad.stdout + bad.stderr
    assert "NEX301" in bad.stdout + bad.stderr
    (repo / "team.nex").write_text('nex 1\nagent a {\n  prompt = "x"\n}\n', encoding="utf-8")
    _git(repo, "add", ".", env=env)
    good = _git(repo, "commit", "-q", "-m", "good", env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert _git(repo, "log", "--oneline", env=env).stdout.count("\n") == 1


@pytest.mark.skipif(not os.environ.get("NEXC_SLOW_TESTS"), reason="installs nexc into a fresh virtualenv; "
                    "set NEXC_SLOW_TESTS=1")
def test_try_repo(tmp_path):
    """`pre-commit try-repo` against this checkout, as another repository would use the hook."""
    pre_commit = _pre_commit()
    if pre_commit is None:
        pytest.skip("pre-commit is not installed")
    src = tmp_path / "nexc-src"  # a committed copy, so untracked files of this checkout count too
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "__pycache__",
                                                             ".pytest_cache", "*.egg-info"))
    env0 = {**os.environ, "HOME": str(tmp_path)}
    _git(src, "init", "-q", env=env0)
    _git(src, "add", "-A", env=env0)
    assert _git(src, "commit", "-q", "-m", "snapshot", env=env0).returncode == 0
    work = tmp_path / "w"
    work.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    _git(work, "init", "-q", env=env)
    (work / "bad.nex").write_text('nex 1\nagent a { prompt = "x"\n  tools = [serch] }\n', encoding="utf-8")
    _git(work, "add", ".", env=env)
    p = subprocess.run([*pre_commit, "try-repo", str(src), "nexc-lint", "--files", "bad.nex"], cwd=work,
                       capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 1 and "NEX301" in p.stdout, p.stdout + p.stderr
