"""``nexc gap filter`` end to end: a ``gap run`` folder and loose trajectory files in, kept runs' lines byte for
byte out, one dropped line per run with its findings, counts per rule; bad lines named with file and line."""
from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from nexc.cli import cli
from nexc.testing.planted import build, good_conv, plant


def _line(rec: dict) -> bytes:
    return json.dumps(rec, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _runs_folder(tmp_path: Path) -> tuple[Path, dict]:
    """A gap run folder: 6 good runs, one unknown-tool run, one max_iterations run (a results.jsonl fact)."""
    rng = random.Random(5)
    runs = tmp_path / "RUNS"
    (runs / "trajectories").mkdir(parents=True)
    lines, results = {}, []
    for i in range(8):
        conv = good_conv(rng, text_mode=i % 2 == 1, sub_agent=i == 2)
        if i == 4:
            plant(conv, "unknown-tool", rng)
        recs = build(conv, rng)
        tid = recs[0]["trace_id"]
        data = b"".join(_line(r) for r in recs)
        (runs / "trajectories" / f"w-{i:02d}.jsonl").write_bytes(data)
        lines[tid] = data
        results.append({"id": f"w-{i:02d}", "trace_id": tid, "stop_reason": "max_iterations" if i == 6 else
                        "completed", "provenance": {"i": i}})
    (runs / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in results))
    return runs, {"lines": lines, "results": results}


def test_a_runs_folder_is_filtered_into_kept_dropped_and_report(tmp_path):
    runs, facts = _runs_folder(tmp_path)
    out = tmp_path / "OUT"
    res = CliRunner().invoke(cli, ["gap", "filter", str(runs), "-o", str(out)])
    assert res.exit_code == 0, res.output
    tids = [r["trace_id"] for r in facts["results"]]
    kept = [t for i, t in enumerate(tids) if i not in (4, 6)]
    assert (out / "kept.jsonl").read_bytes() == b"".join(facts["lines"][t] for t in kept)  # unchanged lines
    dropped = [json.loads(x) for x in (out / "dropped.jsonl").read_text().splitlines()]
    assert [d["trace_id"] for d in dropped] == [tids[4], tids[6]]
    assert dropped[0]["rules"] == ["unknown-tool"] and dropped[1]["rules"] == ["stop-reason"]
    f = dropped[0]["findings"][0]
    assert (f["rule"], f["record"], f["message"]) == ("unknown-tool", 0, 2) and "offered: analyst" in f["evidence"]
    assert dropped[1]["findings"][0]["evidence"] == "stop_reason=max_iterations"
    report = json.loads((out / "report.json").read_text())
    assert report["runs"] == {"in": 8, "kept": 6, "dropped": 2, "uncommitted": 0}
    carried = [json.loads(x)["trace_id"] for x in (out / "results.jsonl").read_text().splitlines()]
    assert carried == kept  # the kept runs' result lines travel with them (provenance for dataset build)
    assert report["rules"]["unknown-tool"] == {"code": "NEX822", "runs": 1, "findings": 1}
    assert report["rules"]["stop-reason"]["runs"] == 1 and report["rules"]["truncated"]["runs"] == 0
    assert report["records"]["kept"] == sum(facts["lines"][t].count(b"\n") for t in kept)
    assert report["records_per_s"] > 0


def test_rules_can_be_switched_off_and_unknown_ones_are_refused(tmp_path):
    runs, _ = _runs_folder(tmp_path)
    res = CliRunner().invoke(cli, ["gap", "filter", str(runs), "-o", str(tmp_path / "a"), "--disable", "stop-reason"])
    assert res.exit_code == 0
    assert json.loads((tmp_path / "a" / "report.json").read_text())["runs"]["dropped"] == 1
    res = CliRunner().invoke(cli, ["gap", "filter", str(runs), "-o", str(tmp_path / "b"), "--rules", "truncated"])
    assert json.loads((tmp_path / "b" / "report.json").read_text())["runs"]["dropped"] == 0
    bad = CliRunner().invoke(cli, ["gap", "filter", str(runs), "-o", str(tmp_path / "c"), "--rules", "unknwn-tool"])
    assert bad.exit_code == 2 and "did you mean unknown-tool" in bad.output
    listed = CliRunner().invoke(cli, ["gap", "filter", "--list-rules"])
    assert listed.exit_code == 0 and "duplicate-task" in listed.output and "NEX830" in listed.output


def test_a_run_split_over_files_is_one_run_and_bad_lines_are_named(tmp_path):
    rng = random.Random(9)
    conv = good_conv(rng, sub_agent=True)
    plant(conv, "placeholder-output", rng)
    recs = build(conv, rng)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_bytes(b"".join(_line(r) for r in recs[:2]) + b"not json\n")
    b.write_bytes(b"".join(_line(r) for r in recs[2:]) + b'{"torn": tru')
    out = tmp_path / "OUT"
    res = CliRunner().invoke(cli, ["gap", "filter", str(a), str(b), "-o", str(out)])
    assert res.exit_code == 0
    assert f"{a}:3:1: warning[NEX840 filter-bad-line]" in res.output and f"{b}:{len(recs) - 1}:1" in res.output
    assert "torn last line" in res.output
    dropped = [json.loads(x) for x in (out / "dropped.jsonl").read_text().splitlines()]
    assert len(dropped) == 1 and dropped[0]["rules"] == ["placeholder-output"]
    assert json.loads((out / "report.json").read_text())["bad_lines"] == 2
    assert (out / "kept.jsonl").read_bytes() == b""


def test_the_codes_are_explained():
    res = CliRunner().invoke(cli, ["explain", "NEX826"])
    assert res.exit_code == 0 and "traj-unsupported-claim" in res.output and "unsupported-claim" in res.output


def test_records_read_incrementally_equal_records_decoded_whole(tmp_path):
    from nexc.gap.filter.runner import load_records, read_inputs
    from nexc.testing.planted import corpus

    records, _ = corpus(21, 30, 1, near_misses=0.5)
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"".join(_line(r) for r in records))  # the writer's compact layout: the prefix is skipped
    runs = read_inputs([path]).runs
    n = 0
    for run in runs.values():
        load_records(run)
        for line, rec in zip(run.lines, run.records):
            whole = json.loads(line)
            whole.pop("request")  # no rule reads it: cut before decoding
            assert rec == whole
            n += 1
    assert n == len(records)
