"""``nexc gap filter``'s work: read trajectories, group them into runs, apply the rules, write the outputs.

Inputs are trajectory files, folders of them, or ``gap run`` folders (``RUNS/trajectories/*.jsonl`` plus
``RUNS/results.jsonl``, whose ``stop_reason`` per ``trace_id`` the ``stop-reason`` rule reads). Files are
read in the order given (a folder's files sorted by name); a run is every record sharing a ``trace_id``,
wherever it sits, in the order read. Outputs (in ``OUT/``):

- ``kept.jsonl``: the lines of every kept run, byte for byte, runs in input order;
- ``dropped.jsonl``: per dropped run ``{"trace_id", "source", "rules", "findings"}``;
- ``results.jsonl`` (when a ``results.jsonl`` was read): the result lines of the kept runs, as they were, so
  ``nexc dataset build OUT/`` finds each run's query provenance;
- ``report.json``: runs and records in/kept/dropped/uncommitted, per rule its code and how many runs and
  findings, records per second of the structural pass, the lines that were not records, and the judge's costs.

When a ``results.jsonl`` is read, a run it does not commit (an item of a ``gap run`` killed mid-run, retried
later under another trace) is incomplete: it is neither kept nor dropped, only counted as ``uncommitted``.

A line that is no trajectory record is a NEX840 warning with its file and line, never a traceback.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from nexc.fileio import write_atomic_bytes
from nexc.gap.filter.model import Run, parse_record
from nexc.gap.filter.registry import Config, Rule, select

_HEAD = re.compile(rb'^\{\s*(?:"schema"\s*:\s*"[^"\\]*"\s*,\s*)?"trace_id"\s*:\s*"([^"\\]+)"')


@dataclass
class Problem:
    """An input problem (a line that is no record, a rule that failed): a diagnostic for the command."""

    code: str
    file: str
    line: int
    message: str
    fix: str


@dataclass
class Inputs:
    runs: dict[str, Run] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    records: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: a ``results.jsonl`` was read: only runs it commits are complete (the others were killed mid-run)
    committed_only: bool = False


def input_files(paths) -> tuple[list[Path], list[Path]]:
    """(trajectory files, results files) named by ``paths`` (see the module docstring)."""
    files, results = [], []
    for p in map(Path, paths):
        if p.is_dir():
            if (p / "trajectories").is_dir():
                files += sorted((p / "trajectories").glob("*.jsonl"))
                if (p / "results.jsonl").is_file():
                    results.append(p / "results.jsonl")
            else:
                files += sorted(x for x in p.glob("*.jsonl") if x.name != "results.jsonl")
        else:
            files.append(p)
    return files, results


def read_inputs(paths) -> Inputs:
    """Every line of the inputs grouped by run (lines only: records are parsed when a run is checked)."""
    files, results = input_files(paths)
    got = Inputs()
    for f in files:
        data = f.read_bytes()
        lines = data.split(b"\n")
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            m = _HEAD.match(line)
            tid = m.group(1).decode("ascii", "replace") if m else None
            if tid is None:
                rec = parse_record(line)
                tid = rec["trace_id"] if rec is not None else None
            if tid is None:
                torn = n == len(lines) and not data.endswith(b"\n")
                got.problems.append(Problem(
                    "NEX840", str(f), n, "a torn last line (a writer was killed mid-record)" if torn else
                    "this line is no trajectory record (not a JSON object with a trace_id)",
                    "Nothing to do for a torn last line; otherwise correct or remove the line."))
                continue
            run = got.runs.get(tid)
            if run is None:
                run = got.runs[tid] = Run(tid)
                got.sources[tid] = str(f)
            run.lines.append(line)
            got.records += 1
    for r in results:
        for line in r.read_bytes().splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and rec.get("trace_id") in got.runs:
                got.runs[rec["trace_id"]].result = rec
                got.runs[rec["trace_id"]].result_line = line.rstrip(b"\r")
    got.committed_only = bool(results)
    return got


_MSGS, _TOOLS = b',"messages":[', b'],"tools":'
_AGENT = re.compile(rb'"agent_path":"([^"\\]*)"')


def load_records(run: Run) -> None:
    """Parse a run's lines into ``run.records`` (a line that no longer parses becomes an empty record).

    Each request repeats its agent's conversation so far, so a run's bytes grow with the square of its length.
    Where the trajectory writer's compact layout shows it (``"messages":[`` then ``],"tools":``), the bytes an
    agent's previous record already had are skipped instead of decoded again, and its decoded messages are
    shared; any line that does not fit this is decoded whole."""
    prev: dict[bytes, tuple[bytes, list]] = {}
    out = []
    for line in run.lines:
        rec, a = None, line.find(_MSGS)
        m = _AGENT.search(line, 0, a) if a >= 0 else None
        key = m.group(1) + line[:a].partition(b'"parent_span_id":')[2][:20] if m else None
        a += len(_MSGS)
        seen = prev.get(key) if key is not None else None
        if seen is not None and line.startswith(seen[0], a) and line[a + len(seen[0]):a + len(seen[0]) + 1] == b",":
            rec = parse_record(line[:a] + line[a + len(seen[0]) + 1:])
            if rec is not None and isinstance(rec.get("messages"), list):
                rec["messages"] = seen[1] + rec["messages"]
            else:
                rec = None
        if rec is None:
            rec = parse_record(line) or {"trace_id": run.trace_id}
        if key is not None and isinstance(rec.get("messages"), list):
            e = line.find(_TOOLS, a)
            if e >= 0:
                prev[key] = (line[a:e], rec["messages"])
        out.append(rec)
    run.records = out
    run._steps = None
    run.memo = {}


def check_runs(inputs: Inputs, rules: list[Rule], cfg: Config) -> dict[str, list]:
    """Findings per run (trace_id → findings, runs in input order); records are freed after each run."""
    corpus = [(r, r.corpus(cfg)) for r in rules if r.corpus is not None]
    per_run = [r for r in rules if r.check is not None]
    out: dict[str, list] = {}
    for tid, run in inputs.runs.items():
        load_records(run)
        found = []
        for r in per_run:
            found += _safe(r, r.check, (run, cfg), run, inputs)
        for r, index in corpus:
            found += _safe(r, index.check, (run,), run, inputs)
        out[tid] = found
        run.records, run._steps, run.memo = [], None, {}
    return out


def _safe(r: Rule, call, args: tuple, run: Run, inputs: Inputs) -> list:
    try:
        return list(call(*args) or ())
    except Exception as exc:  # noqa: BLE001 - one odd record must not stop a filter of thousands of runs
        inputs.problems.append(Problem("NEX841", inputs.sources.get(run.trace_id, "?"), 1,
                                       f"rule '{r.id}' failed on run {run.trace_id}: {type(exc).__name__}: {exc}",
                                       "Report this with the run; the run is kept unless another rule drops it."))
        return []


def filter_paths(paths, out, *, rule_ids=None, disable=(), cfg: Config | None = None, judge=None) -> dict:
    """Filter the runs of ``paths`` into ``out`` (see the module docstring); returns the report. ``judge``: a
    callable ``judge(kept_runs, out) -> dict`` run on the kept runs (:func:`nexc.gap.judge.judge_runs`)."""
    cfg = cfg or Config()
    rules = select(rule_ids, disable)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    inputs = read_inputs(paths)
    findings = check_runs(inputs, rules, cfg)
    seconds = time.perf_counter() - t0
    order = {r.id: i for i, r in enumerate(rules)}
    kept, dropped, by_rule = [], [], {r.id: {"code": r.code, "runs": 0, "findings": 0} for r in rules}
    uncommitted = []
    for tid, run in inputs.runs.items():
        if inputs.committed_only and run.result is None:  # a gap run killed before committing it: incomplete
            uncommitted.append(tid)
            continue
        fs = findings[tid]
        if not fs:
            kept.append(run)
            continue
        fs.sort(key=lambda f: (f.record, -1 if f.message is None else f.message, order[f.rule]))
        ids = sorted({f.rule for f in fs}, key=order.get)
        for i in ids:
            by_rule[i]["runs"] += 1
        for f in fs:
            by_rule[f.rule]["findings"] += 1
        dropped.append({"trace_id": tid, "source": inputs.sources[tid], "rules": ids,
                        "findings": [f.as_dict() for f in fs]})
    write_atomic_bytes(out / "kept.jsonl", b"".join(x + b"\n" for run in kept for x in run.lines))
    write_atomic_bytes(out / "dropped.jsonl", "".join(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n"
                                                 for d in dropped).encode("utf-8"))
    if inputs.committed_only:  # provenance travels with the kept runs, for `nexc dataset build OUT/`
        write_atomic_bytes(out / "results.jsonl", b"".join(r.result_line + b"\n" for r in kept if r.result_line))
    report = {"runs": {"in": len(inputs.runs), "kept": len(kept), "dropped": len(dropped),
                       "uncommitted": len(uncommitted)},
              "records": {"in": inputs.records, "kept": sum(len(r.lines) for r in kept)},
              "rules": by_rule, "bad_lines": sum(1 for p in inputs.problems if p.code == "NEX840"),
              "seconds": round(seconds, 3), "records_per_s": round(inputs.records / seconds, 1) if seconds else None}
    if judge is not None:
        report["judge"] = judge(kept, out)
    write_atomic_bytes(out / "report.json", (json.dumps(report, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    report["problems"] = inputs.problems
    return report
