"""``nexc a4a`` and ``--batch``: exit codes, the summary table, resuming a batch without redoing work."""
from __future__ import annotations

import json

from click.testing import CliRunner

from nexc.cli import cli
from nexc.testing import FakeOpenAI

from . import scripts


def test_one_description_from_the_cli(tmp_path):
    handler = scripts.script(scripts.files(scripts.GOOD_SPEC, scripts.GOOD_TOOLS))
    with FakeOpenAI(handler) as url:
        out = CliRunner().invoke(cli, ["a4a", "A weather desk.", "-o", str(tmp_path / "o"), "--base-url", url,
                                       "--api-key", "k", "--model", "fake"])
    assert out.exit_code == 0, out.output
    assert "weather_desk.nex" in out.output and "2 agents" in out.output


def test_a_framework_that_never_compiles_exits_1_with_its_diagnostics(tmp_path):
    handler = scripts.script(scripts.files(scripts.BAD_SPEC, scripts.BAD_TOOLS), repair_replies=('{"edits": []}',))
    with FakeOpenAI(handler) as url:
        out = CliRunner().invoke(cli, ["a4a", "A weather desk.", "-o", str(tmp_path / "o"), "--base-url", url,
                                       "--max-repairs", "1"])
    assert out.exit_code == 1 and "NEX301" in out.output and "a4a-rejects.jsonl" in out.output


def test_a_batch_resumes_where_it_stopped(tmp_path):
    handler = scripts.script(scripts.files(scripts.GOOD_SPEC, scripts.GOOD_TOOLS))
    batch = tmp_path / "d.jsonl"
    batch.write_text('{"id": "a", "description": "weather one"}\n{"id": "b", "description": "weather two"}\n')
    with FakeOpenAI(handler) as url:
        out = CliRunner().invoke(cli, ["a4a", "--batch", str(batch), "-o", str(tmp_path / "o"), "--base-url", url,
                                       "--concurrency", "2"])
        assert out.exit_code == 0, out.output
        assert "compiled after repair" in out.output and "2 (100 %)" in out.output
        builds = handler.state["builds"]
        batch.write_text(batch.read_text() + '"weather three"\n')
        out = CliRunner().invoke(cli, ["a4a", "--batch", str(batch), "-o", str(tmp_path / "o"), "--base-url", url])
    assert out.exit_code == 0, out.output
    assert handler.state["builds"] == builds + 1  # only the new description ran
    results = [json.loads(x) for x in (tmp_path / "o" / "a4a-results.jsonl").read_text().splitlines()]
    assert sorted(r["id"] for r in results) == ["3", "a", "b"] and all(r["ok"] for r in results)
    assert (tmp_path / "o" / "a" / "weather_desk.nex").is_file()


def test_the_a4a_bench_runs_on_the_fake_server():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "bench" / "a4a.py"
    out = subprocess.run([sys.executable, str(script), "--limit", "2", "--runs", "1"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "compiled after repair" in out.stdout and "2 (100 %)" in out.stdout
