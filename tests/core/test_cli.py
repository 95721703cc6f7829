"""The command line, run as a user runs it (a subprocess of ``python -m nexc``)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nexc.ir import strip_spans
from nexc.pipeline import compile_path
from tests.conftest import EXAMPLES, REPO

NEX_EXAMPLES = sorted(EXAMPLES.rglob("*.nex"))
YAML_EXAMPLES = sorted(EXAMPLES.rglob("*.nex.yaml"))


def nexc(*args, cwd=None, input=None):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "nexc", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or REPO, env=env, input=input, timeout=120)


def test_version():
    p = nexc("--version")
    assert p.returncode == 0 and p.stdout.startswith("nexc ")


def test_help_lists_commands():
    p = nexc("--help")
    assert p.returncode == 0
    for cmd in ("lint", "fmt", "convert", "schema", "build", "explain"):
        assert cmd in p.stdout


def test_lint_exit_codes(tmp_path):
    good = tmp_path / "good.nex"
    good.write_text('agent a { prompt = "hi" }\n')
    bad = tmp_path / "bad.nex"
    bad.write_text("agent a {\n  tools = [nothing]\n}\n")
    assert nexc("lint", good).returncode == 0
    p = nexc("lint", bad)
    assert p.returncode == 1 and "NEX301" in p.stdout
    assert nexc("lint").returncode == 2  # usage
    assert nexc("lint", "--format", "xml", good).returncode == 2


def test_lint_a_directory_finds_every_spec_and_reports_all_problems(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.nex").write_text("agent a {\n  llm = nope\n}\n")
    (tmp_path / "sub" / "b.nex.yaml").write_text("agents:\n  b:\n    max_iterations: x\n")
    (tmp_path / "notes.txt").write_text("not a spec")
    p = nexc("lint", tmp_path, "--format", "json")
    assert p.returncode == 1
    diags = json.loads(p.stdout)["diagnostics"]
    assert {d["code"] for d in diags} == {"NEX302", "NEX201"}
    assert {os.path.basename(d["file"]) for d in diags} == {"a.nex", "b.nex.yaml"}


@pytest.mark.parametrize("junk", [b"\x00\x01\x02binary\xff\xfe", b"agent a {" * 10, b"\t\tagent\n\t{", b""])
def test_bad_input_never_gives_a_traceback(tmp_path, junk):
    for name in ("x.nex", "x.nex.yaml"):
        f = tmp_path / name
        f.write_bytes(junk)
        p = nexc("lint", f)
        assert "Traceback" not in p.stderr + p.stdout
        assert p.returncode in (0, 1)


def test_a_10_mb_file_is_refused_with_a_diagnostic(tmp_path):
    f = tmp_path / "big.nex"
    f.write_bytes(b"# filler\n" * (10 * 1024 * 1024 // 9))
    p = nexc("lint", f, "--format", "json")
    assert p.returncode == 1
    assert json.loads(p.stdout)["diagnostics"][0]["code"] == "NEX003"


def test_missing_file():
    p = nexc("lint", "does/not/exist.nex", "--format", "json")
    assert p.returncode == 1
    assert json.loads(p.stdout)["diagnostics"][0]["code"] == "NEX001"


def test_explain():
    p = nexc("explain", "NEX301")
    assert p.returncode == 0 and "unknown-tool" in p.stdout and "## How to fix it" in p.stdout
    assert nexc("explain", "unknown-tool").stdout == p.stdout
    bad = nexc("explain", "NEX3O1")
    assert bad.returncode == 2 and "did you mean" in bad.stderr


def test_schema_prints_the_committed_schema():
    p = nexc("schema")
    assert p.returncode == 0
    assert json.loads(p.stdout) == json.loads((REPO / "specs" / "nexc.schema.json").read_text())


def test_build_writes_a_manifest_and_rebuild_changes_nothing(tmp_path):
    out = tmp_path / "out"
    spec = EXAMPLES / "deep_research" / "research.nex"
    p = nexc("build", spec, "--target", "manifest", "-o", out)
    assert p.returncode == 0, p.stderr
    m = json.loads((out / "manifest.json").read_text())
    assert m["schema_version"] and m["nexc_version"] and len(m["source"]["hash"]) == 64
    assert m["framework"]["entry"] == "researcher"
    first = (out / "manifest.json").read_bytes()
    p2 = nexc("build", spec, "--target", "manifest", "-o", out)
    assert "0 written" in p2.stdout and (out / "manifest.json").read_bytes() == first


def test_build_never_overwrites_a_file_it_did_not_write(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("mine")
    p = nexc("build", EXAMPLES / "deep_research" / "research.nex", "--target", "manifest", "-o", out)
    assert p.returncode == 2 and "--force" in p.stderr
    assert (out / "manifest.json").read_text() == "mine"


def test_build_of_a_bad_spec_writes_nothing(tmp_path):
    spec = tmp_path / "bad.nex"
    spec.write_text("agent a { llm = nope }\n")
    p = nexc("build", spec, "-o", tmp_path / "out")
    assert p.returncode == 1 and not (tmp_path / "out").exists()


@pytest.mark.parametrize("spec", NEX_EXAMPLES, ids=lambda p: p.name)
def test_fmt_check_passes_on_every_nex_file_in_the_repo(spec):
    p = nexc("fmt", "--check", spec)
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("spec", NEX_EXAMPLES + YAML_EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("to", ["nex", "yaml"])
def test_convert_round_trips_every_example(spec, to, tmp_path):
    suffix = ".nex" if to == "nex" else ".nex.yaml"
    out = spec.parent / f"_roundtrip_{tmp_path.name}{suffix}"  # beside the source so relative paths hold
    try:
        p = nexc("convert", spec, "--to", to, "-o", out)
        assert p.returncode == 0, p.stderr
        back = compile_path(out)
        assert back.ok, back.reporter.sorted()
        assert strip_spans(back.framework) == strip_spans(compile_path(spec).framework)
    finally:
        out.unlink(missing_ok=True)


def test_yaml_examples_match_their_nex_twins():
    assert YAML_EXAMPLES, "every example has a YAML twin"
    for y in YAML_EXAMPLES:
        twin = y.with_name(y.name.replace(".nex.yaml", ".nex"))
        assert twin.exists(), y
        assert strip_spans(compile_path(y).framework) == strip_spans(compile_path(twin).framework)


def test_build_optimise_drops_unreachable_agents_and_is_deterministic(tmp_path):
    spec = tmp_path / "fw.nex"
    spec.write_text('nex 1\nllm m { model = "x" }\ntool t(q: str) -> str "T." = python "m:t"\n'
                    'agent main "Main." { llm = m\n prompt = "p"\n tools = [t] }\n'
                    'agent orphan "Never started." { llm = m\n prompt = "p" }\nentry main\n')
    plain, opt = tmp_path / "plain", tmp_path / "opt"
    # the binding names a module that is not there: --no-check-imports builds it anyway
    assert nexc("build", spec, "--target", "manifest", "--no-check-imports", "-o", plain).returncode == 0
    p = nexc("build", spec, "--target", "manifest", "--no-check-imports", "-O", "--schema-target", "openai-strict",
             "-o", opt)
    assert p.returncode == 0, p.stderr
    def names(d):
        return [a["name"] for a in json.loads((d / "manifest.json").read_text())["framework"]["agents"]]

    assert names(plain) == ["main", "orphan"] and names(opt) == ["main"]
    tool = json.loads((opt / "manifest.json").read_text())["framework"]["tools"][0]
    assert tool["parameters"]["additionalProperties"] is False
    first = (opt / "manifest.json").read_bytes()
    assert "0 written" in nexc("build", spec, "--target", "manifest", "--no-check-imports", "-O", "--schema-target",
                               "openai-strict", "-o", opt).stdout
    assert (opt / "manifest.json").read_bytes() == first


def test_build_schema_target_needs_optimise(tmp_path):
    p = nexc("build", EXAMPLES / "deep_research" / "research.nex", "--schema-target", "openai-strict",
             "-o", tmp_path / "o")
    assert p.returncode == 2 and "-O" in p.stderr


def test_imports_stay_inside_the_project(tmp_path):
    """An import is read only inside the spec's project (the nearest folder with a project marker, else the
    spec's folder): a file above it is never opened, so its text cannot leak into diagnostics."""
    (tmp_path / "secret.nex").write_text("PRIVATE KEY material\n", encoding="utf-8")
    proj = tmp_path / "proj"
    (proj / "specs").mkdir(parents=True)
    (proj / "common.nex").write_text('nex 1\nllm m { model = "x" }\n', encoding="utf-8")
    spec = proj / "specs" / "main.nex"
    spec.write_text('nex 1\nimport "../common.nex"\nimport "../../secret.nex"\nagent a { llm = m\n prompt = "p" }\n',
                    encoding="utf-8")
    (proj / "specs" / ".nexc-root").write_text("", encoding="utf-8")  # the nearest marker wins
    p = nexc("lint", spec, cwd=tmp_path)
    assert p.returncode == 1 and p.stdout.count("NEX309") == 2 and "PRIVATE" not in p.stdout
    (proj / "specs" / ".nexc-root").unlink()
    (proj / "pyproject.toml").write_text("", encoding="utf-8")
    p = nexc("lint", spec, cwd=tmp_path)
    assert p.stdout.count("NEX309") == 1 and "../../secret.nex" in p.stdout and "PRIVATE" not in p.stdout


def test_hostile_paths_and_characters_are_diagnostics_not_internal_errors(tmp_path):
    """Found by fuzzing: output paths that cannot be written, a file name too long for the file
    system, a control character in NexAU YAML — each a message with exit 1 or 2, never NEX900."""
    spec = EXAMPLES / "coding_team" / "team.nex"
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    for args in (("convert", spec, "--to", "yaml", "-o", tmp_path / "nodir" / "x.nex.yaml"),
                 ("convert", spec, "--to", "yaml", "-o", tmp_path, "--force"),
                 ("build", spec, "-o", blocker), ("build", spec, "-o", blocker / "sub")):
        p = nexc(*args)
        assert p.returncode == 2 and "internal error" not in p.stderr and "Traceback" not in p.stderr, p.stderr
        assert "cannot write" in p.stderr or "is a folder" in p.stderr
    long_name = tmp_path / "long.nex"
    long_name.write_text('nex 1\nagent a "d" {\n  prompt = file("' + "a" * 300 + '")\n}\nentry a\n')
    p = nexc("check", long_name)
    assert p.returncode == 1 and "NEX308" in p.stdout + p.stderr and "NEX900" not in p.stdout + p.stderr
    control = tmp_path / "agent.yaml"
    control.write_bytes(b"type: agent\nname: a\x1b\n")
    p = nexc("check", control)
    out = p.stdout + p.stderr
    assert p.returncode == 1 and "agent.yaml:2:8" in out and "NEX104" in out and "U+001B" in out
