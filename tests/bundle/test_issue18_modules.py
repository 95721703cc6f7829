"""Issue 18, item 1: a bundle carries the modules its tool modules import from the spec's folder (followed with
ast, transitively; what cannot be found is reported) and a pyproject.toml that makes it installable on its own."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from nexc.testing import FakeOpenAI, call, reply
from nexc.version import __version__

from bundle_support import nexc_build

SPEC = '''nex 1

framework triage "A triage team." {}

llm m {
  model = "fake-model"
}

tool get_issue(n: int "Issue number") -> str
  "Fetch an issue."
  = python "tools:get_issue"

agent main {
  llm = m
  prompt = "You triage."
  tools = [get_issue]
}

entry main
'''

TOOLS = '''from helpers import fmt
try:
    import an_optional_module_nobody_has
except ImportError:
    an_optional_module_nobody_has = None


def get_issue(n):
    return fmt(n)
'''

HELPERS = '''from lib.deep import stars


def fmt(n):
    return f"issue {n} is open {stars()}"


def later():
    import a_module_nobody_has_18
    return a_module_nobody_has_18
'''


def _project(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "lib").mkdir(parents=True)
    (src / "triage.nex").write_text(SPEC)
    (src / "tools.py").write_text(TOOLS)
    (src / "helpers.py").write_text(HELPERS)
    (src / "lib" / "__init__.py").write_text("")
    (src / "lib" / "deep.py").write_text("def stars():\n    return '***'\n")
    (src / "unused.py").write_text("X = 1\n")
    return src / "triage.nex"


def _script():
    return [reply(tool_calls=[call("get_issue", {"n": 7})]), reply("triaged")]


def _run_bundle(args: list[str], cwd: Path, pythonpath: Path | None) -> tuple[subprocess.CompletedProcess, list]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "OPENAI_API_KEY": "x"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    srv = FakeOpenAI(_script())
    with srv as url:
        r = subprocess.run([*args, "fix it", "--base-url", url, "--model", "fake", "--trace-out", "t.jsonl"], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=120)
    return r, srv.requests


def test_bundle_copies_imported_helpers_and_runs_from_another_folder(tmp_path):
    spec = _project(tmp_path)
    out = tmp_path / "out"
    b = nexc_build(spec, out)
    assert b.returncode == 0, b.stdout + b.stderr
    pkg = out / "triage"
    for rel in ("tools.py", "helpers.py", "lib/__init__.py", "lib/deep.py"):
        assert (pkg / rel).is_file(), rel
    assert not (pkg / "unused.py").exists()
    # the import only made inside a function of a helper is reported; the guarded optional one is not
    assert "a_module_nobody_has_18" in b.stderr and "helpers.py" in b.stderr
    assert "an_optional_module_nobody_has" not in b.stderr
    shutil.rmtree(tmp_path / "src")  # the bundle must not need the spec's folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r, requests = _run_bundle([sys.executable, "-m", "triage"], elsewhere, out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "triaged" in r.stdout and "unavailable" not in r.stderr + r.stdout
    tool_msg = [m for m in requests[1].messages if m["role"] == "tool"][0]
    assert tool_msg["content"] == "issue 7 is open ***"


def test_bundle_pyproject_requires_this_nexc_and_installs(tmp_path):
    spec = _project(tmp_path)
    out = tmp_path / "out"
    assert nexc_build(spec, out).returncode == 0
    meta = tomllib.loads((out / "pyproject.toml").read_text())
    deps = meta["project"]["dependencies"]
    assert deps[0].startswith(f"nexc>={__version__},<")
    assert meta["project"]["name"] == "triage" and meta["project"]["scripts"]["triage"] == "triage.__main__:main"
    try:
        import setuptools  # noqa: F401
    except ImportError:
        pytest.skip("setuptools is not installed: the bundle cannot be built without a network here")
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    site = tmp_path / "site"
    p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps",
                        "--no-index", "--target", str(site), str(copy)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (site / "triage" / "helpers.py").is_file() and (site / "triage" / "lib" / "deep.py").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(tmp_path / "src")
    r, requests = _run_bundle([sys.executable, "-m", "triage"], elsewhere, site)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [m for m in requests[1].messages if m["role"] == "tool"][0]["content"] == "issue 7 is open ***"


def test_module_scan_follows_imports_and_reports_unresolved(tmp_path):
    from nexc.emit.modules import scan
    from nexc.pipeline import compile_path

    spec = _project(tmp_path)
    res = compile_path(spec)
    found = scan(res.framework, spec.parent)
    assert found.files == ["helpers.py", "lib/__init__.py", "lib/deep.py", "tools.py"]
    assert found.unresolved == {"a_module_nobody_has_18": ["helpers.py"]}


def test_nexau_export_uses_the_shared_finder(tmp_path):
    from nexc.emit import modules, nexau_export

    assert nexau_export.python_modules is modules.python_modules
