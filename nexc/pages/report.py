"""``nexc gap report``: a GAP run folder → one HTML page of what happened, with inline SVG plots.

Read (never written: a torn last line of ``results.jsonl`` is skipped here, not cut off):

- ``RUNS/results.jsonl`` (one committed item per line, :mod:`nexc.gap.run`), ``RUNS/job.json``;
- each item's trajectory, for the time it finished (the latest ``ended_at`` in the file's last 64 KiB) when the
  result has no ``finished_at``;
- optionally the taxonomy the queries were drawn from (every node shown, the ones never run in red) and a
  ``nexc gap filter`` folder's ``report.json``: runs dropped per rule (``rules: {id: {"runs": n, …}}``; also read:
  a map rule → count at the top level or under ``by_rule``, ``dropped_by_rule``, ``drops`` or ``counts``, a
  count being a number or ``{"dropped"|"runs"|"count": n}``) and the judge's ``tokens``/``cost`` as a stage.

Shown: totals, coverage of the taxonomy as a tree coloured by count, stop reasons, filter drops by rule,
tokens and cost per stage (query synthesis stages from each query's ``provenance.stage_tokens`` and
``stage_cost``, the run from ``tokens`` and ``cost``; "—" where nothing carries a cost), and throughput over time.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nexc.pages import plots
from nexc.pages.html import esc, page

_RULE_KEYS = ("by_rule", "rules", "dropped_by_rule", "drops", "counts")


@dataclass
class Report:
    """The page and what it counted; ``problems`` are ``file:line:col: message`` lines for unusable input."""

    html: str
    items: int
    problems: list[str] = field(default_factory=list)


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def read_results(runs: Path, problems: list[str]) -> list[dict]:
    """The committed items of ``runs/results.jsonl`` (the last line of an id wins); bad lines are problems."""
    path = runs / "results.jsonl"
    out: dict[str, dict] = {}
    lines = path.read_bytes().split(b"\n")
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except ValueError as exc:
            if n == len(lines):
                continue  # torn last line of a killed run: not committed
            problems.append(f"{path}:{n}:{getattr(exc, 'colno', 1)}: not a JSON line; skipped (fix: repair or "
                            "delete the line)")
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("id"), str):
            problems.append(f"{path}:{n}:1: a result needs an 'id'; skipped (fix: delete the line)")
            continue
        out[rec["id"]] = rec
    return list(out.values())


def _finished(runs: Path, rec: dict) -> float | None:
    """When an item finished: ``finished_at``/``ended_at`` of the result, else of its trajectory's last records."""
    for key in ("finished_at", "ended_at"):
        if _num(rec.get(key)) is not None:
            return _num(rec[key])
    rel = rec.get("trajectory")
    path = runs / rel if isinstance(rel, str) else None
    if path is None or not path.is_file() or runs.resolve() not in path.resolve().parents:
        return None
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        tail = fh.read()
    best = None
    for raw in tail.split(b"\n"):
        try:
            end = _num(json.loads(raw).get("ended_at"))
        except (ValueError, AttributeError):
            continue
        if end is not None and (best is None or end > best):
            best = end
    return best


def coverage_rows(results: list[dict], tax=None) -> tuple[list[tuple[int, str, int, str]], int, int]:
    """Tree rows ``(depth, label, count, tooltip)``, the number of leaves and of leaves never run."""
    counts: Counter = Counter()
    drawn = []
    for r in results:
        path = (r.get("provenance") or {}).get("taxonomy_path") if isinstance(r.get("provenance"), dict) else None
        if isinstance(path, list) and path and all(isinstance(p, str) for p in path):
            drawn.append(tuple(path))
            for i in range(1, len(path) + 1):
                counts[tuple(path[:i])] += 1
    rows: list[tuple[int, str, int, str]] = []
    leaves = empty = 0
    if tax is not None:
        known = set()
        for node in tax.nodes():
            known.add(node.path)
            c = counts.get(node.path, 0)
            name = node.labels.get("en") or node.id
            rows.append((len(node.path) - 1, f"{name} ({node.id})" if name != node.id else name, c,
                         f"{tax.key(node.path)}: {c} runs"))
            if node.leaf:
                leaves += 1
                empty += c == 0
        unknown = sum(1 for p in drawn if p not in known)
        if unknown:
            rows.append((0, "(paths not in this taxonomy)", unknown, "runs whose taxonomy_path is not a node here"))
        return rows, leaves, empty
    paths = sorted(counts)
    for p in paths:
        rows.append((len(p) - 1, p[-1], counts[p], "→".join(p) + f": {counts[p]} runs"))
        if not any(q[:len(p)] == p and len(q) > len(p) for q in paths):
            leaves += 1
    return rows, leaves, 0


def filter_drops(folder: Path | None) -> tuple[list[tuple[str, float]], str | None]:
    """Drops per rule from ``folder/report.json`` (largest first), and a note when it cannot be read."""
    if folder is None:
        return [], None
    path = folder / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [], f"{path}: cannot be read ({exc})"
    if not isinstance(data, dict):
        return [], f"{path}: not a JSON object"
    table = next((data[k] for k in _RULE_KEYS if isinstance(data.get(k), dict)), data)
    out = []
    for rule, v in table.items():
        n = _num(v) if not isinstance(v, dict) else next(
            (_num(v[k]) for k in ("dropped", "runs", "count") if _num(v.get(k)) is not None), None)
        if n is not None:
            out.append((str(rule), n))
    return sorted(out, key=lambda kv: (-kv[1], kv[0])), None


def judge_stage(folder: Path | None) -> tuple[str, int, float | None] | None:
    """The filter judge's ``(stage, tokens, cost)`` from ``folder/report.json``, when it has them."""
    try:
        judge = json.loads((folder / "report.json").read_text(encoding="utf-8")).get("judge") if folder else None
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(judge, dict) or _num(judge.get("tokens")) is None:
        return None
    return "filter: judge", int(_num(judge["tokens"]) or 0), _num(judge.get("cost"))


def stages(results: list[dict]) -> list[tuple[str, int, float | None]]:
    """``(stage, tokens, cost)`` rows: the synthesis stages, then ``run``; cost None where nothing carries it."""
    tokens: Counter = Counter()
    cost: dict[str, float] = {}
    for r in results:
        prov = r.get("provenance") if isinstance(r.get("provenance"), dict) else {}
        for k, v in (prov.get("stage_tokens") or {}).items() if isinstance(prov.get("stage_tokens"), dict) else ():
            if _num(v) is not None:
                tokens[f"synthesis: {k}"] += int(v)
        for k, v in (prov.get("stage_cost") or {}).items() if isinstance(prov.get("stage_cost"), dict) else ():
            if _num(v) is not None:
                cost[f"synthesis: {k}"] = cost.get(f"synthesis: {k}", 0.0) + float(v)
        tokens["run"] += int(_num(r.get("tokens")) or 0)
        if _num(r.get("cost")) is not None:
            cost["run"] = cost.get("run", 0.0) + float(r["cost"])
    names = sorted(k for k in tokens if k != "run") + ["run"]
    return [(k, tokens[k], cost.get(k)) for k in names]


def _unit(seconds: float) -> tuple[float, str]:
    """A time unit for a span of ``seconds``: its size in seconds and its name."""
    return (1.0, "seconds") if seconds < 120 else (60.0, "minutes") if seconds < 7200 else (3600.0, "hours")


def throughput(runs: Path, results: list[dict]) -> tuple[list[tuple[float, float]], str]:
    """Items finished over time ``(time, cumulative items)`` and what the time axis is."""
    times = [(t, r) for r in results if (t := _finished(runs, r)) is not None]
    if times:
        start = min(t - (_num(r.get("seconds")) or 0) for t, r in times)
        ordered = sorted(t - start for t, _ in times)
        size, name = _unit(ordered[-1])
        return [(0.0, 0.0)] + [(t / size, i + 1) for i, t in enumerate(ordered)], f"{name} since the start"
    acc, spans = 0.0, []
    for r in results:
        acc += _num(r.get("seconds")) or 0
        spans.append(acc)
    size, name = _unit(acc)
    return ([(0.0, 0.0)] + [(t / size, i + 1) for i, t in enumerate(spans)],
            f"{name} of run time, one after another (no finish times recorded)")

def _table(head: list[str], rows: list[list[Any]], numeric: set[int]) -> str:
    th = "".join(f'<th{" class=n" if i in numeric else ""}>{esc(h)}</th>' for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{esc(c)}</td>' for i, c in enumerate(r))
                   + "</tr>" for r in rows)
    return f'<table class="data"><tr>{th}</tr>{body}</table>'


def build(runs_dir: str | Path, *, tax=None, filter_dir: str | Path | None = None) -> Report:
    """The report of the GAP run folder ``runs_dir`` (``FileNotFoundError`` without ``results.jsonl``)."""
    runs = Path(runs_dir)
    if not (runs / "results.jsonl").is_file():
        raise FileNotFoundError(f"{runs} holds no results.jsonl: is it a `nexc gap run` folder?")
    problems: list[str] = []
    results = read_results(runs, problems)
    job: Any = {}
    if (runs / "job.json").exists():
        try:
            job = json.loads((runs / "job.json").read_text(encoding="utf-8"))
        except ValueError:
            problems.append(f"{runs / 'job.json'}:1:1: not JSON; ignored (fix: rerun `nexc gap run`)")
    job = job if isinstance(job, dict) else {}
    failed = sum(1 for r in results if r.get("failed"))
    st = stages(results)
    judged = judge_stage(Path(filter_dir) if filter_dir else None)
    st += [judged] if judged else []
    total_cost = sum(c for _, _, c in st if c is not None)
    parts = [(f'<header class="top"><h1>GAP run report: {esc(runs.name)}</h1><div class="sub">'
              f"{len(results)} items committed of {esc(job.get('items', '?'))} · {failed} failed · spec "
              f"{esc(job.get('spec', '?'))} · model {esc(job.get('model') or 'default')}</div></header>"),
             '<main style="padding: 0 16px 24px">']
    parts.append("<h2>Totals</h2>" + _table(["items", "failed", "tokens", "cost", "LLM calls"], [[
        len(results), failed, f"{sum(t for _, t, _ in st):,}", f"{total_cost:.4f}" if any(
            c is not None for _, _, c in st) else "—", sum(int(_num(r.get("llm_calls")) or 0) for r in results)]],
        {0, 1, 2, 3, 4}))
    rows, leaves, empty = coverage_rows(results, tax)
    parts.append(f'<h2 id="coverage">Coverage of the taxonomy</h2><p class="muted">{leaves} leaves'
                 + (f", {empty} never run" if tax is not None else " (give --taxonomy to see the nodes never run)")
                 + "</p>" + plots.tree_chart(rows, title="Runs per problem type"))
    reasons = Counter(str(r.get("stop_reason")) for r in results)
    parts.append('<h2 id="stop-reasons">Stop reasons</h2>' + plots.bar_chart(
        sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])), title="Items by stop reason"))
    drops, note = filter_drops(Path(filter_dir) if filter_dir else None)
    if filter_dir is not None:
        parts.append('<h2 id="filter">Filter drops by rule</h2>' + (f'<p class="muted">{esc(note)}</p>' if note else
                     plots.bar_chart(drops, title="Trajectories dropped per rule", colour=plots.PALETTE[4])))
    parts.append('<h2 id="stages">Tokens and cost per stage</h2>' + _table(
        ["stage", "tokens", "cost"], [[s, f"{t:,}", "—" if c is None else f"{c:.4f}"] for s, t, c in st], {1, 2})
        + plots.bar_chart([(s, t) for s, t, _ in st], title="Tokens per stage", colour=plots.PALETTE[2]))
    pts, axis = throughput(runs, results)
    parts.append('<h2 id="throughput">Throughput</h2>' + plots.line_chart(
        [("items finished", [("items finished", pts)])], title="Items finished over time", x_label=axis))
    fails = [r for r in results if r.get("failed")][:20]
    if fails:
        parts.append("<h2>Failures (first 20)</h2>" + _table(["query", "stop reason", "error"], [
            [r.get("query_id"), r.get("stop_reason"), str(r.get("error") or "")[:300]] for r in fails], set()))
    parts.append("</main>")
    return Report(page(f"GAP report: {runs.name}", "\n".join(parts), source=str(runs)), len(results), problems)
