"""Issue 18, the command line in the user's words: did-you-mean for commands and build targets, the
model folder of ``nexc train`` (item 6); ``nexc fmt`` on YAML and what it rewrote (item 10); the YAML
schema modeline and ``nexc mcp lock`` paths and failures (item 11)."""
from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from nexc.cli import cli
from nexc.resources import data_dir

SPEC = 'nex 1\n\nagent a {\n  prompt = "Answer."\n}\n'


def invoke(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in res.output, res.output
    return res


# item 6 ------------------------------------------------------------------------------------------------

def test_a_misspelt_command_gets_a_did_you_mean():
    res = invoke("biuld", "x.nex")
    assert res.exit_code == 2
    assert "no such command 'biuld'; did you mean 'build'?" in res.output
    assert "lint" in res.output.split("commands:")[1]


def test_an_unknown_build_target_lists_the_targets_with_a_did_you_mean(tmp_path):
    res = invoke("build", tmp_path / "x.nex", "--target", "bundel")
    assert res.exit_code == 2
    assert "unknown target 'bundel'; did you mean 'bundle'?" in res.output
    for t in ("manifest", "bundle", "nexau", "dataset"):
        assert t in res.output
    assert "NEX001" not in res.output  # the option is checked before the spec is read


def test_known_targets_still_build(tmp_path):
    (tmp_path / "s.nex").write_text(SPEC, encoding="utf-8")
    res = invoke("build", tmp_path / "s.nex", "--target", "manifest", "-o", tmp_path / "out")
    assert res.exit_code == 0, res.output


def test_train_names_the_missing_model_folder(tmp_path):
    res = invoke("train", tmp_path, "--model", tmp_path / "nope", "-o", tmp_path / "out")
    assert res.exit_code == 2
    assert f"model folder '{tmp_path / 'nope'}' does not exist" in res.output
    assert "--model" in res.output


def test_train_names_a_model_path_that_is_a_file(tmp_path):
    (tmp_path / "model.bin").write_text("x")
    res = invoke("train", tmp_path, "--model", tmp_path / "model.bin", "-o", tmp_path / "out")
    assert res.exit_code == 2 and "is not a folder" in res.output


# item 10 -----------------------------------------------------------------------------------------------

def test_fmt_says_it_formats_nex_files_when_given_yaml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.nex.yaml").write_text("agents:\n  a:\n    prompt: hi\n", encoding="utf-8")
    res = invoke("fmt", "x.nex.yaml")
    assert res.exit_code == 2
    assert "NEX100" not in res.output
    assert "x.nex.yaml" in res.output and "formats .nex files" in res.output
    assert (tmp_path / "x.nex.yaml").read_text() == "agents:\n  a:\n    prompt: hi\n"


def test_fmt_names_what_it_rewrote_and_counts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ugly = 'nex 1\nagent  a {\n prompt = "x"\n}\n'
    (tmp_path / "a.nex").write_text(ugly, encoding="utf-8")
    (tmp_path / "b.nex").write_text(ugly, encoding="utf-8")
    (tmp_path / "c.nex").write_text(SPEC, encoding="utf-8")
    res = invoke("fmt", "--check", ".")
    assert res.exit_code == 1
    assert "would reformat a.nex" in res.output and "would reformat b.nex" in res.output
    assert "c.nex" not in res.output
    assert "2 files would be reformatted, 1 already formatted" in res.output
    assert (tmp_path / "a.nex").read_text() == ugly
    res = invoke("fmt", ".")
    assert res.exit_code == 0
    assert "reformatted a.nex" in res.output and "2 files reformatted, 1 already formatted" in res.output
    assert (tmp_path / "a.nex").read_text() != ugly
    res = invoke("fmt", ".")
    assert res.exit_code == 0 and "3 files already formatted" in res.output


# item 11 -----------------------------------------------------------------------------------------------

def _modeline(path) -> str:
    first = path.read_text(encoding="utf-8").split("\n")[0]
    assert first.startswith("# yaml-language-server: $schema=")
    return first.split("=", 1)[1]


def test_yaml_modeline_does_not_depend_on_where_nexc_is_installed(tmp_path, monkeypatch):
    (tmp_path / ".nexc-root").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "s.nex").write_text(SPEC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = invoke("convert", "s.nex", "--to", "yaml", "-o", "sub/s.nex.yaml")
    assert res.exit_code == 0, res.output
    ref = _modeline(tmp_path / "sub" / "s.nex.yaml")
    assert ref == "../nexc.schema.json"  # the project's schema, relative to the output
    assert str(data_dir("specs")) not in ref and "site-packages" not in ref
    assert "nexc schema --install nexc.schema.json" in res.output  # it is not there yet: say how


def test_schema_install_writes_the_schema_that_convert_then_names(tmp_path, monkeypatch):
    (tmp_path / ".nexc-root").write_text("")
    (tmp_path / "specs").mkdir()
    (tmp_path / "s.nex").write_text(SPEC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = invoke("schema", "--install", "specs/")
    assert res.exit_code == 0, res.output
    installed = tmp_path / "specs" / "nexc.schema.json"
    assert json.loads(installed.read_text()) == json.loads(invoke("schema").output)
    res = invoke("convert", "s.nex", "--to", "yaml", "-o", "s.nex.yaml")
    assert res.exit_code == 0 and "does not exist" not in res.output, res.output
    assert _modeline(tmp_path / "s.nex.yaml") == "specs/nexc.schema.json"


def _mcp_spec(tmp_path, command: str, args=()) -> None:
    (tmp_path / ".nexc-root").write_text("")
    (tmp_path / "m.nex").write_text(
        f'nex 1\n\nmcp srv = stdio {json.dumps(command)} {json.dumps(list(args))} {{ connect_timeout = 5 }}\n\n'
        'agent a {\n  prompt = "x"\n  tools  = [srv.*]\n}\n', encoding="utf-8")


OLD_LOCK = '{"version": 1, "servers": {"srv": {"tools": ["kept"]}}}\n'


def test_mcp_lock_checks_the_command_is_on_path_and_keeps_the_old_lock(tmp_path, monkeypatch):
    _mcp_spec(tmp_path, "nexc-no-such-mcp-server-18")
    (tmp_path / "nexc.mcp.lock.json").write_text(OLD_LOCK, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = invoke("mcp", "lock", "m.nex")
    assert res.exit_code == 1
    assert "'nexc-no-such-mcp-server-18' is not on PATH" in res.output
    assert "MCP server 'srv'" in res.output
    assert "nexc.mcp.lock.json not written" in res.output and str(tmp_path) not in res.output
    assert (tmp_path / "nexc.mcp.lock.json").read_text() == OLD_LOCK


def test_mcp_lock_server_that_exits_names_its_command_and_keeps_the_old_lock(tmp_path, monkeypatch):
    _mcp_spec(tmp_path, sys.executable, ["-c", "import sys; sys.exit(3)"])
    (tmp_path / "nexc.mcp.lock.json").write_text(OLD_LOCK, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = invoke("mcp", "lock", "m.nex")
    assert res.exit_code == 1
    assert f"command: {sys.executable} -c" in res.output
    assert (tmp_path / "nexc.mcp.lock.json").read_text() == OLD_LOCK


def test_mcp_lock_prints_the_lockfile_relative_to_the_current_folder(tmp_path, monkeypatch):
    pytest.importorskip("mcp")
    from tests.conftest import REPO

    fixture = REPO / "tests" / "mcp" / "server_fixture.py"
    if not fixture.is_file():
        pytest.skip("the MCP fixture server is not in this checkout")
    (tmp_path / "proj").mkdir()
    _mcp_spec(tmp_path / "proj", sys.executable, [str(fixture)])
    monkeypatch.chdir(tmp_path)
    res = invoke("mcp", "lock", "proj/m.nex")
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[-1] == "wrote proj/nexc.mcp.lock.json"
