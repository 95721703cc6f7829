"""``nexc build --target nexau`` gives a folder NexAU runs as it is: every binding imports from the folder
alone (no nexc, no site-packages, no PYTHONPATH), stdlib tools come as one standard-library module, env
defaults are listed in .env.example, and the folder loads back and runs end to end."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import nexc
from nexc.cli import cli
from nexc.testing import FakeOpenAI, call, reply

NEXA4A = Path("/work/shared/fixtures/nexa4a")

TEAM = '''nex 1
llm m {
  model = env("XRT_MODEL", "fake-model")
}
tool lookup(word: str "A word") -> str
  "Look a word up."
  = python "xrt_tools:lookup"
tool bash = stdlib "bash"
agent main {
  llm = m
  prompt = "You help."
  tools = [lookup, bash]
}
entry main
'''


@pytest.fixture(autouse=True)
def _fresh_imports(tmp_path_factory):
    """Modules the runs import from export folders (and those folders on sys.path) do not outlive a test."""
    path, mods, base = list(sys.path), set(sys.modules), str(tmp_path_factory.getbasetemp())
    yield
    sys.path[:] = path
    for name in set(sys.modules) - mods:
        if name.startswith(("xrt_", "nexc_stdlib")) or str(getattr(sys.modules[name], "__file__", "")).startswith(base):
            sys.modules.pop(name, None)


def _project(src: Path) -> Path:
    """A spec with a python tool (in a module that imports a helper module and a package of the folder) and
    a stdlib tool."""
    (src / "xrt_pkg").mkdir(parents=True)
    (src / "xrt_pkg" / "__init__.py").write_text("")
    (src / "xrt_pkg" / "util.py").write_text("import json\nfrom .deep import mark\n\n\ndef up(s):\n"
                                             "    return json.loads(json.dumps(s.upper() + mark()))\n")
    (src / "xrt_pkg" / "deep.py").write_text("def mark():\n    return '!'\n")
    (src / "xrt_helper.py").write_text("from xrt_pkg import util\n\n\ndef shout(s):\n    return util.up(s)\n")
    (src / "xrt_tools.py").write_text("import os\n\nimport xrt_helper\n\n\ndef lookup(word):\n"
                                      "    return xrt_helper.shout(word)\n")
    (src / "unused.py").write_text("raise SystemExit('never imported')\n")
    (src / "team.nex").write_text(TEAM)
    return src / "team.nex"


def _build(spec: Path, out: Path, *extra: str):
    return CliRunner().invoke(cli, ["build", str(spec), "--target", "nexau", "-o", str(out), *extra])


def _bindings(out: Path) -> list[str]:
    """Every binding (and extension import) named in the exported agent YAMLs."""
    found = []
    for f in sorted(out.glob("*.yaml")):
        d = yaml.safe_load(f.read_text(encoding="utf-8"))
        found += [t["binding"] for t in d.get("tools") or () if t.get("binding")]
        for key in ("middlewares", "tracers", "after_model_hooks", "after_tool_hooks", "before_model_hooks",
                    "before_tool_hooks"):
            found += [e if isinstance(e, str) else e["import"] for e in d.get(key) or ()]
    return sorted(set(found))


def _import_isolated(out: Path, bindings: list[str]) -> subprocess.CompletedProcess:
    """Import each binding in a fresh interpreter whose path is the export folder and the standard library
    (``-I -S``: no site-packages, no PYTHONPATH, no user site; nexc cannot be imported)."""
    code = ("import importlib, importlib.util, json, sys\n"
            f"sys.path.insert(0, {str(out)!r})\n"
            "assert importlib.util.find_spec('nexc') is None, 'nexc is importable'\n"
            "for b in json.loads(sys.argv[1]):\n"
            "    mod, _, attr = b.partition(':')\n"
            "    obj = importlib.import_module(mod)\n"
            "    for part in attr.split('.'):\n"
            "        obj = getattr(obj, part)\n"
            "    assert callable(obj), b\n"
            "print('ok', len(json.loads(sys.argv[1])))\n")
    return subprocess.run([sys.executable, "-I", "-S", "-c", code, json.dumps(bindings)], check=False, cwd=out,
                          capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})


def test_export_carries_its_modules_and_imports_alone(tmp_path):
    spec = _project(tmp_path / "src")
    out = tmp_path / "out"
    r = _build(spec, out)
    assert r.exit_code == 0, r.output
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"xrt_tools.py", "xrt_helper.py", "xrt_pkg/__init__.py", "xrt_pkg/util.py", "xrt_pkg/deep.py",
            "nexc_stdlib.py", ".env.example"} <= files
    assert "unused.py" not in files and "team.nex" not in files
    bindings = _bindings(out)
    assert bindings == ["nexc_stdlib:bash", "xrt_tools:lookup"]
    p = _import_isolated(out, bindings)
    assert p.returncode == 0 and p.stdout.strip() == "ok 2", p.stderr
    tree = ast.parse((out / "nexc_stdlib.py").read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert all(m.split(".")[0] in sys.stdlib_module_names for m in imported), imported
    env = (out / ".env.example").read_text()
    assert "XRT_MODEL=fake-model" in env and "no defaults" in env
    assert "${env.XRT_MODEL}" in (out / "main.yaml").read_text()
    coverage = json.loads((out / "coverage.json").read_text())
    assert not any(u["feature"] == "binding" for u in coverage["unsupported"])  # stdlib bindings are shipped


def test_the_stdlib_module_works_without_nexc(tmp_path):
    spec = _project(tmp_path / "src")
    out = tmp_path / "out"
    assert _build(spec, out).exit_code == 0
    code = ("import sys; sys.path.insert(0, '.'); import nexc_stdlib as s\n"
            "r = s.bash('echo hi')\n"
            "assert r['stdout'] == 'hi\\n' and r['exit_code'] == 0, r\n"
            "try:\n    s.file_read('../x')\nexcept s.ToolError as e:\n    print('refused', e)\n")
    p = subprocess.run([sys.executable, "-I", "-S", "-c", code], check=False, cwd=out, capture_output=True,
                       text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert p.returncode == 0 and "refused path '../x' is outside" in p.stdout, p.stderr


def test_export_loads_back_and_runs_end_to_end(tmp_path, monkeypatch):
    spec = _project(tmp_path / "src")
    out = tmp_path / "out"
    assert _build(spec, out).exit_code == 0
    monkeypatch.setenv("XRT_MODEL", "fake-model")  # NexAU has no env defaults: .env.example lists it
    fw = nexc.load(out / "main.yaml")
    assert not fw.problems, fw.problems
    work = tmp_path / "work"
    work.mkdir()
    srv = FakeOpenAI([reply(tool_calls=[call("lookup", {"word": "hi"})]),
                      reply(tool_calls=[call("bash", {"command": "echo ran > proof.txt; echo ok"})]), reply("done")])
    with srv as url:
        res = fw.run("go", base_url=url, api_key="sk-test-key-000", workdir=work)
    assert res.output == "done", res.stop_reason
    tool_texts = [next(m["content"] for m in reversed(r.messages) if m["role"] == "tool") for r in srv.requests[1:]]
    assert '"HI!"' in tool_texts[0] and '"ok\\n"' in tool_texts[1]
    assert (work / "proof.txt").read_text() == "ran\n"
    assert srv.requests[0].body["model"] == "fake-model"


@pytest.mark.parametrize("name", ["menu_margin_pricing_system", "sync_sleuth_music_rights"])
def test_real_nexa4a_frameworks_export_and_load(name, tmp_path):
    config = NEXA4A / name / "framework_config.yaml"
    if not config.is_file():
        pytest.skip(f"NexA4A fixtures not found at {NEXA4A} (the shared fixtures are absent)")
    out = tmp_path / "out"
    r = _build(config, out, "--simulate-missing")
    if r.exit_code != 0:
        pytest.skip(f"{name} does not build (frontend diagnostics, not the export's concern): "
                    + r.output.strip().splitlines()[-1])
    coverage = json.loads((out / "coverage.json").read_text())
    bindings = _bindings(out)
    if any(b.startswith("nexc_stdlib:") for b in bindings):  # NexAU built-ins the framework uses by name
        assert "nexc_stdlib.py" in coverage["files"]
    p = _import_isolated(out, [b for b in bindings if not b.startswith("nexau.")])  # NexAU's own are NexAU's
    assert p.returncode == 0, p.stderr
    entry = out / _entry_file(r.output)
    fw = nexc.load(entry)
    srv = FakeOpenAI([reply("done")])
    with srv as url:
        res = fw.run("Say done.", base_url=url, api_key="sk-test-key-000", model="fake-model")
    assert res.output == "done"


def _entry_file(output: str) -> str:
    """The entry agent's file, from ``nexc build``'s summary line (``entry agent: NAME.yaml``)."""
    return output.split("entry agent: ", 1)[1].split(";", 1)[0].strip()
