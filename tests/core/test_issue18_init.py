"""Issue 18 item 13: ``nexc init [DIR]`` scaffolds a framework that lints clean, builds into a bundle and
runs on the fake server out of the box, and never overwrites files without ``--force``."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from nexc.cli import cli
from nexc.commands.init import TASK
from nexc.testing import FakeOpenAI, call, reply

FILES = ["my_team.nex", "prompts/assistant.md", "my_team_tools.py", "fake_server.py", "README.md", ".gitignore"]


def init(*args):
    res = CliRunner().invoke(cli, ["init", *map(str, args)])
    assert "Traceback" not in res.output, res.output
    return res


def test_init_writes_a_framework_that_lints_clean_and_is_formatted(tmp_path, monkeypatch):
    target = tmp_path / "my-team"
    res = init(target)
    assert res.exit_code == 0, res.output
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == sorted(FILES)
    monkeypatch.chdir(target)
    lint = CliRunner().invoke(cli, ["lint", "."])
    assert lint.exit_code == 0 and "no problems found" in lint.output, lint.output
    assert CliRunner().invoke(cli, ["lint", "--check-imports", "."]).exit_code == 0
    assert CliRunner().invoke(cli, ["fmt", "--check", "."]).exit_code == 0


def test_init_builds_a_bundle_that_runs_on_the_fake_server(tmp_path):
    target = tmp_path / "my-team"
    assert init(target).exit_code == 0
    build = CliRunner().invoke(cli, ["build", str(target / "my_team.nex"), "--target", "bundle",
                                     "-o", str(tmp_path / "out")])
    assert build.exit_code == 0, build.output
    script = [reply(tool_calls=[call("word_count", {"text": "one two three"})]), reply("three words")]
    env = {**os.environ, "NO_COLOR": "1", "FAKE_KEY": "sk-fake"}
    srv = FakeOpenAI(script)
    with srv as url:
        p = subprocess.run([sys.executable, "-m", "my_team", TASK, "--base-url", url, "--api-key-env", "FAKE_KEY",
                            "--model", "fake", "--no-trace"], cwd=tmp_path / "out", capture_output=True, text=True,
                           env=env, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip() == "three words"
    tool_msgs = [m for m in srv.requests[1].body["messages"] if m.get("role") == "tool"]
    assert tool_msgs and tool_msgs[0]["content"].startswith("3")  # the bundled Python tool ran


def test_the_fake_server_script_runs_the_spec_and_records_a_replay(tmp_path):
    target = tmp_path / "t"
    assert init(target).exit_code == 0
    p = subprocess.run([sys.executable, "fake_server.py"], cwd=target, capture_output=True, text=True,
                       env={**os.environ, "NO_COLOR": "1"}, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip() == "'the quick brown fox' has 4 words."
    records = [json.loads(line) for line in (target / "replay.jsonl").read_text().splitlines() if line.strip()]
    tool_results = [m["content"] for r in records for m in r["messages"] if m.get("role") == "tool"]
    assert any(c.startswith("4") for c in tool_results), tool_results  # the Python tool ran
    replay = CliRunner().invoke(cli, ["run", str(target / "t.nex"), TASK, "--replay", str(target / "replay.jsonl")])
    assert replay.exit_code == 0 and "'the quick brown fox' has 4 words." in replay.output, replay.output


def test_init_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "proj"
    target.mkdir()
    (target / "README.md").write_text("mine\n")
    res = init(target)
    assert res.exit_code == 2
    assert "README.md" in res.output and "--force" in res.output
    assert sorted(p.name for p in target.iterdir()) == ["README.md"]  # nothing written
    assert (target / "README.md").read_text() == "mine\n"
    res = init(target, "--force")
    assert res.exit_code == 0 and (target / "README.md").read_text() != "mine\n"
    assert init(target).exit_code == 2


def test_init_names_and_bad_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert init("--name", "helper").exit_code == 0
    assert (tmp_path / "helper.nex").is_file() and (tmp_path / "helper_tools.py").is_file()
    res = init(tmp_path / "x", "--name", "not ok")
    assert res.exit_code == 2 and "not_ok" in res.output
    (tmp_path / "file").write_text("")
    assert init(tmp_path / "file").exit_code == 2
