"""Issue 18, items 2 and 9: ``nexc build SPEC`` builds the runnable bundle by default and imports the bindings
first (an unimportable one is a build error, NEX407 with a did-you-mean; ``--no-check-imports`` skips it)."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from nexc.cli import cli

from bundle_support import REPO

SPEC = '''nex 1

framework triage "Triage issues." {}

llm m {
  model = "fake-model"
}

tool get_issue(n: int "Issue number") -> str
  "Fetch an issue."
  = python "BINDING"

agent main {
  llm = m
  prompt = "You triage."
  tools = [get_issue]
}

entry main
'''


def _project(tmp_path: Path, binding: str = "triage_tools:get_issue") -> Path:
    (tmp_path / "triage_tools.py").write_text("def get_issue(n):\n    return f'issue {n}'\n")
    spec = tmp_path / "triage.nex"
    spec.write_text(SPEC.replace("BINDING", binding))
    return spec


def _build(*args) -> object:
    return CliRunner().invoke(cli, ["build", *map(str, args)])


def test_build_makes_the_bundle_by_default(tmp_path):
    spec = _project(tmp_path)
    out = tmp_path / "out"
    r = _build(spec, "-o", out)
    assert r.exit_code == 0, r.output
    assert (out / "triage" / "__main__.py").is_file() and (out / "pyproject.toml").is_file()
    assert not (out / "manifest.json").exists()
    r = _build(spec, "--target", "manifest", "-o", tmp_path / "m")
    assert r.exit_code == 0 and json.loads((tmp_path / "m" / "manifest.json").read_text())["framework"]


def test_build_help_names_the_default_and_the_import_check():
    r = CliRunner().invoke(cli, ["build", "--help"])
    assert r.exit_code == 0
    text = " ".join(r.output.split())
    assert "[default: bundle]" in text and "--no-check-imports" in text and "python -m NAME" in text


def test_an_unimportable_binding_is_a_build_error(tmp_path):
    spec = _project(tmp_path, "triage_tools_gone:get_issue")
    out = tmp_path / "out"
    r = _build(spec, "-o", out)
    assert r.exit_code == 1 and "NEX407" in r.output and "triage_tools_gone" in r.output
    assert not out.exists()
    r = _build(spec, "-o", out, "--no-check-imports")
    assert r.exit_code == 0, r.output


def test_nex407_suggests_the_attribute_and_the_module(tmp_path):
    from nexc.pipeline import compile_path

    spec = _project(tmp_path, "triage_tools:get_isue")
    diags = [d for d in compile_path(spec, options={"check_imports": True}).reporter.sorted() if d.code == "NEX407"]
    assert len(diags) == 1
    assert "has no attribute 'get_isue'; did you mean 'triage_tools:get_issue'?" in diags[0].message
    assert diags[0].fix == "replace 'triage_tools:get_isue' with 'triage_tools:get_issue'"
    spec = _project(tmp_path, "triage_tool:get_issue")
    diags = [d for d in compile_path(spec, options={"check_imports": True}).reporter.sorted() if d.code == "NEX407"]
    assert "No module named 'triage_tool'; did you mean 'triage_tools:get_issue'?" in diags[0].message


def test_the_readme_first_command_still_works(tmp_path):
    """The README's first command, with this interpreter instead of a fresh virtualenv: build the bundle,
    replay it from the build folder (which writes no trajectory)."""
    line = (REPO / "README.md").read_text().split("\n")
    first = next(x for x in line if "nexc build" in x and "--target bundle" in x)
    build = re.search(r"nexc build (\S+) --target bundle -o (\S+)", first)
    run = re.search(r"python -m (\S+) (\".*?\") (.*)$", first)
    assert build and run, first
    out = tmp_path / build.group(2)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    b = subprocess.run([sys.executable, "-m", "nexc", "build", str(REPO / build.group(1)), "--target", "bundle", "-o",
                        str(out)], capture_output=True, text=True, env=env, timeout=120)
    assert b.returncode == 0, b.stderr
    args = [a.replace("../", str(REPO) + "/") for a in shlex.split(run.group(3))]
    before = sorted(p.name for p in out.iterdir())
    r = subprocess.run([sys.executable, "-m", run.group(1), shlex.split(run.group(2))[0], *args], cwd=out,
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "trajectory: not written" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == before
