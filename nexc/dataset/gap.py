"""GAP output into data: ``nexc gap run`` and ``nexc gap filter`` folders as build inputs, each sample's
provenance and judge verdict, and the ``--min-verdict`` gate.

Inputs the build recognises (anything else is read as trajectory files, :func:`records.expand_inputs`):

- a **runs folder** ``RUNS/`` (``trajectories/`` beside ``results.jsonl`` or ``job.json``, as ``nexc gap
  run`` writes it): its ``trajectories/*.jsonl``, each joined to the ``results.jsonl`` line that committed
  it (the line's ``trajectory``). A trajectory no line commits (the job was killed while it ran) is
  incomplete: its records are skipped (``uncommitted-run``) and the run counted;
- a **filter folder** ``FILTERED/`` (holding ``kept.jsonl``, as ``nexc gap filter`` writes it), or its
  ``kept.jsonl``: the kept records, with ``verdicts.jsonl`` and ``results.jsonl`` beside them if there are.

``--runs RUNS/`` (or a ``results.jsonl``) names results to join records to by ``trace_id`` when the
records do not sit in their runs folder (a filter's output, copies): records of every input whose trace
has no results line are then skipped as uncommitted. Results beside ``kept.jsonl`` and ``--runs`` are
merged. ``--verdicts FILE`` replaces a ``verdicts.jsonl`` found beside the input.

A joined sample's ``meta`` gains ``query_id``, ``stop_reason`` and ``provenance`` (the query's, as its
results line carries it) and, with verdicts, ``verdict`` (``nexc.gap.verdict``). ``--min-verdict V``
drops the samples of runs judged below ``V`` (``below-min-verdict``) and of runs without a verdict
(``no-verdict``: unjudged, or the judge failed on them).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from nexc.dataset.records import RecordProblem, Skip, expand_inputs
from nexc.gap.verdict import VERDICTS, at_least

RESULTS, TRAJECTORIES, JOB, KEPT, VERDICTS_FILE = "results.jsonl", "trajectories", "job.json", "kept.jsonl", \
    "verdicts.jsonl"


class GapInputError(Exception):
    """A results, verdicts or runs path that cannot be used (missing, or a verdict off the scale)."""


@dataclass
class Join:
    """The inputs' files and what joins their records to GAP results and verdicts."""

    files: list[Path] = field(default_factory=list)
    #: per file: None (plain trajectories), "file" (a runs folder's trajectory: joined by file name) or
    #: "trace" (joined by trace id)
    kinds: list[str | None] = field(default_factory=list)
    #: per file of kind "file": its results line (None: never committed)
    committed: dict[int, dict | None] = field(default_factory=dict)
    by_trace: dict[str, dict] = field(default_factory=dict)
    verdicts: dict[str, dict] | None = None
    min_verdict: str | None = None
    #: runs left out, by reason: the trace ids (or file indexes) seen
    runs: dict[str, set] = field(default_factory=dict)
    _meta: dict = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether any record gets joined (else the build runs as for plain trajectory files)."""
        return self.verdicts is not None or any(k is not None for k in self.kinds)

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in sorted(self.runs.items()) if v}

    def check_file(self, index: int) -> dict | None:
        """The results line of a runs folder's trajectory file ``index``; :class:`Skip` when none commits it
        (every line of it, a torn last one included, is skipped)."""
        if self.kinds[index] != "file":
            return None
        result = self.committed[index]
        if result is None:
            self.runs.setdefault("uncommitted", set()).add(("file", index))
            raise Skip("uncommitted-run", f"{self.files[index].name} is committed by no line of {RESULTS}")
        return result

    def meta(self, index: int, obj: dict) -> dict[str, Any]:
        """What a record of file ``index`` adds to its sample's ``meta``; :class:`Skip` for a record of an
        uncommitted run, :class:`RecordProblem` for one the verdict gate drops."""
        trace = obj.get("trace_id")
        trace = trace if isinstance(trace, str) else None if trace is None else str(trace)
        kind = self.kinds[index]
        result = None
        if kind == "file":
            result = self.check_file(index)
        elif kind == "trace":
            result = self.by_trace.get(trace) if trace is not None else None
            if result is None:
                self.runs.setdefault("uncommitted", set()).add(trace)
                raise Skip("uncommitted-run", f"run {trace} is committed by no line of the results given")
        verdict = self.verdicts.get(trace) if self.verdicts is not None and trace is not None else None
        word = verdict.get("verdict") if verdict is not None else None
        if self.min_verdict is not None:
            if word is None:
                self.runs.setdefault("no-verdict", set()).add(trace)
                raise RecordProblem("no-verdict", f"run {trace} has no judge verdict (--min-verdict "
                                                  f"{self.min_verdict})")
            if not at_least(word, self.min_verdict):
                self.runs.setdefault("below-min-verdict", set()).add(trace)
                raise RecordProblem("below-min-verdict", f"run {trace} was judged {word!r}, below "
                                                         f"{self.min_verdict!r}")
        key = (id(result), word)
        hit = self._meta.get(key)
        if hit is not None and hit[0] is result:
            return hit[1]
        out: dict[str, Any] = {}
        if result is not None:
            out = {"query_id": result.get("query_id"), "stop_reason": result.get("stop_reason"),
                   "provenance": result.get("provenance") if isinstance(result.get("provenance"), dict) else {}}
        if word is not None:
            out["verdict"] = word
        if len(self._meta) > 4096:
            self._meta.clear()
        self._meta[key] = (result, out)
        return out


def _lines(path: Path) -> Iterable[tuple[int, dict]]:
    """``(line number, object)`` of a JSON Lines file written by GAP; lines that are no object (a torn last
    line of a killed writer) are passed over."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(obj, dict):
                yield n, obj


def read_results(path: Path) -> list[dict]:
    """The committed items of a ``results.jsonl`` (lines with an ``id``)."""
    return [obj for _, obj in _lines(path) if obj.get("id") is not None]


def read_verdicts(path: Path) -> dict[str, dict]:
    """``trace_id`` → its ``verdicts.jsonl`` line; a verdict off the scale is a :class:`GapInputError`
    naming its line. Lines without a verdict (the judge failed on the run) stay: the run is unjudged."""
    out: dict[str, dict] = {}
    for n, obj in _lines(path):
        if obj.get("trace_id") is None:
            continue
        word = obj.get("verdict")
        if word is not None and word not in VERDICTS:
            raise GapInputError(f"{path}:{n}:1: unknown verdict {word!r}; a verdict is one of "
                                f"{', '.join(VERDICTS)} (nexc/gap/verdict.py): correct the line or remove it")
        out[str(obj["trace_id"])] = obj
    return out


def _results_file(path: Path) -> Path:
    p = path / RESULTS if path.is_dir() else path
    if not p.is_file():
        raise GapInputError(f"--runs {path}: no {RESULTS} there (give a `nexc gap run` output folder or its "
                            f"{RESULTS})")
    return p


def resolve(inputs: Iterable[str | Path], *, runs: Iterable[str | Path] = (), verdicts: str | Path | None = None,
            min_verdict: str | None = None) -> Join:
    """The files to read and how their records join (see the module docstring). FileNotFoundError for an
    input that is missing or holds no trajectory file; :class:`GapInputError` for bad ``runs``/``verdicts``."""
    if min_verdict is not None and min_verdict not in VERDICTS:
        raise GapInputError(f"unknown verdict {min_verdict!r} for --min-verdict; use one of {', '.join(VERDICTS)}")
    join = Join(min_verdict=min_verdict)
    results = [_results_file(Path(r)) for r in runs]
    beside_verdicts: list[Path] = []
    for p in map(Path, inputs):
        if p.is_dir() and (p / TRAJECTORIES).is_dir() and ((p / RESULTS).is_file() or (p / JOB).is_file()):
            files = sorted((p / TRAJECTORIES).glob("*.jsonl"))
            if not files:
                raise FileNotFoundError(f"runs folder {p} holds no trajectories ({TRAJECTORIES}/*.jsonl)")
            done = read_results(p / RESULTS) if (p / RESULTS).is_file() else []
            by_file = {Path(str(r.get("trajectory") or f"{r['id']}.jsonl")).name: r for r in done}
            for f in files:
                join.committed[len(join.files)] = by_file.get(f.name)
                join.files.append(f)
                join.kinds.append("file")
            continue
        kept = p / KEPT if p.is_dir() and (p / KEPT).is_file() else p if p.name == KEPT and p.is_file() else None
        if kept is not None:
            join.files.append(kept)
            join.kinds.append("trace")
            if (kept.parent / RESULTS).is_file():
                results.append(kept.parent / RESULTS)
            if (kept.parent / VERDICTS_FILE).is_file():
                beside_verdicts.append(kept.parent / VERDICTS_FILE)
            continue
        for f in expand_inputs([p]):
            join.files.append(f)
            join.kinds.append(None)
    for r in dict.fromkeys(results):
        for line in read_results(r):
            if line.get("trace_id") is not None:
                join.by_trace.setdefault(str(line["trace_id"]), line)
    if runs:  # the records come from those runs: every input is joined by trace id
        join.kinds = [k or "trace" for k in join.kinds]
    elif not join.by_trace:  # a filter folder with no results anywhere: nothing to join to, nothing skipped
        join.kinds = [None if k == "trace" else k for k in join.kinds]
    if verdicts is not None:
        if not Path(verdicts).is_file():
            raise GapInputError(f"--verdicts {verdicts}: no such file")
        join.verdicts = read_verdicts(Path(verdicts))
    elif beside_verdicts:
        join.verdicts = {}
        for v in beside_verdicts:
            join.verdicts.update(read_verdicts(v))
    if min_verdict is not None and join.verdicts is None:
        raise GapInputError(f"--min-verdict {min_verdict} needs judge verdicts: give --verdicts FILE, or build from "
                            f"a `nexc gap filter --judge` folder (its {VERDICTS_FILE})")
    return join
