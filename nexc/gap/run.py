"""``nexc gap run``: a framework over every query, concurrent, resumable, rate-aware (local executor).

Work items have content-addressed ids (query id, spec hash, model, seed). Each runs on the compiled framework
in one asyncio event loop, its trajectory going to ``RUNS/trajectories/<item>.jsonl`` as the runtime writes it
(crash-safe lines). A finished item is committed by one appended, fsynced line of ``RUNS/results.jsonl``
(``id``, ``query_id``, ``stop_reason``, ``output``, ``tokens``, ``seconds``, ``attempts``, ``provenance``
copied from the query). On restart the log is read (a torn last line is cut off), uncommitted items' partial
trajectories are removed and those items run again — so nothing is lost and no trajectory is duplicated.

Rate awareness: the runtime honours ``Retry-After``; on top, an AIMD limit on concurrent runs halves when
a run met rate limiting (a record with more than one attempt) and grows by one per ``limit`` successes. A
failed run (``llm_error``/``error``) is retried up to ``retries`` times, then committed as failed with its
reason. ``budget_tokens`` stops starting new items.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

RESULTS, TRAJ, META = "results.jsonl", "trajectories", "job.json"


class GapRunError(Exception):
    pass


def read_queries(path: str | Path) -> list[dict]:
    """``queries.jsonl`` records (``id`` and ``query`` at least), or plain lines (ids are their hashes)."""
    out, seen = [], set()
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = None
        if line.lstrip().startswith("{"):
            try:
                item = json.loads(line)
            except ValueError:
                item = None
        if not isinstance(item, dict):
            item = {"id": "t-" + hashlib.sha256(line.strip().encode()).hexdigest()[:16], "query": line.strip()}
        if not isinstance(item.get("query"), str) or not item.get("id"):
            raise GapRunError(f"{path}:{n}: a query record needs 'id' and 'query'")
        if item["id"] in seen:
            continue
        seen.add(item["id"])
        out.append(item)
    return out


def item_id(query_id: str, spec_hash: str, model: str | None, seed: int) -> str:
    return "w-" + hashlib.sha256(f"{query_id}\0{spec_hash}\0{model or ''}\0{seed}".encode()).hexdigest()[:20]


def read_log(runs: Path) -> dict[str, dict]:
    """Committed items by id; a torn last line (killed mid-write) is cut off the file."""
    p = runs / RESULTS
    if not p.exists():
        return {}
    data = p.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with open(p, "r+b") as f:
            f.truncate(cut)
        data = data[:cut]
    out = {}
    for line in data.splitlines():
        try:
            rec = json.loads(line)
            out[rec["id"]] = rec
        except (ValueError, KeyError, TypeError):
            continue
    return out


class Log:
    """The append-only commit log: one ``os.write`` + ``fsync`` per committed item."""

    def __init__(self, runs: Path):
        self.fd = os.open(runs / RESULTS, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def commit(self, rec: dict) -> None:
        os.write(self.fd, (json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


class Limit:
    """An adaptive (AIMD) bound on concurrent runs."""

    def __init__(self, start: int):
        self.max, self.value, self.active, self.credit = start, start, 0, 0.0
        self.cond = asyncio.Condition()

    async def __aenter__(self):
        async with self.cond:
            await self.cond.wait_for(lambda: self.active < int(self.value))
            self.active += 1

    async def __aexit__(self, *exc):
        async with self.cond:
            self.active -= 1
            self.cond.notify_all()

    def feedback(self, throttled: bool) -> None:
        if throttled:
            self.value = max(1.0, self.value / 2)
        else:
            self.credit += 1.0 / max(1.0, self.value)
            if self.credit >= 1.0:
                self.credit, self.value = 0.0, min(self.max, self.value + 1)


@dataclass
class RunOptions:
    concurrency: int = 16
    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None
    seed: int = 0
    shard: tuple[int, int] = (0, 1)
    timeout: float | None = None
    retries: int = 2
    budget_tokens: int | None = None
    progress: object = None
    stats: dict = field(default_factory=dict)


def _shard_of(iid: str, n: int) -> int:
    return int(iid[2:10], 16) % n


async def _run_all(fw, items: list[tuple[str, dict]], runs: Path, opts: RunOptions, done: dict) -> dict:
    log = Log(runs)
    limit = Limit(opts.concurrency)
    counts = {"done": 0, "failed": 0, "skipped": len(done), "tokens": sum(r.get("tokens", 0) for r in done.values()),
              "total": len(items) + len(done), "started": time.time()}
    stop = asyncio.Event()

    async def one(iid: str, q: dict) -> None:
        if stop.is_set():
            return
        async with limit:
            if stop.is_set():
                return
            path = runs / TRAJ / f"{iid}.jsonl"
            rec, attempts = None, 0
            while attempts <= opts.retries:
                attempts += 1
                path.unlink(missing_ok=True)  # a retried or interrupted attempt leaves no half trajectory
                t0 = time.perf_counter()
                res = await fw.arun(q["query"], base_url=opts.base_url, api_key=opts.api_key, model=opts.model,
                                    trace_path=path, timeout=opts.timeout)
                usage = res.usage or {}
                tokens = int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0)
                throttled = any((r.get("attempts") or 1) > 1 for r in res.records)
                limit.feedback(throttled)
                rec = {"id": iid, "query_id": q["id"], "stop_reason": res.stop_reason.value, "output": res.output,
                       "error": res.error, "tokens": tokens, "seconds": round(time.perf_counter() - t0, 3),
                       "attempts": attempts, "llm_calls": len(res.records), "trace_id": res.trace_id,
                       "trajectory": f"{TRAJ}/{iid}.jsonl", "provenance": q.get("provenance") or {}}
                if res.stop_reason.value not in ("llm_error", "error"):
                    break
            rec["failed"] = rec["stop_reason"] in ("llm_error", "error")
            log.commit(rec)
            counts["failed" if rec["failed"] else "done"] += 1
            counts["tokens"] += rec["tokens"]
            if opts.budget_tokens and counts["tokens"] >= opts.budget_tokens:
                stop.set()
            if opts.progress is not None:
                opts.progress(counts)

    try:
        await asyncio.gather(*(one(i, q) for i, q in items))
    finally:
        log.close()
        close = getattr(fw.runtime.llm, "aclose", None)
        if close is not None:
            await close()
    counts["budget_stopped"] = stop.is_set()
    return counts


def run_job(spec: str | Path, queries: str | Path, runs: str | Path, opts: RunOptions) -> dict:
    """Run the framework at ``spec`` on every query not committed in ``runs`` yet (see the module docstring)."""
    import nexc
    from nexc.api import SpecError

    runs = Path(runs)
    (runs / TRAJ).mkdir(parents=True, exist_ok=True)
    try:
        fw = nexc.load(spec)
    except SpecError as exc:
        raise GapRunError(f"the framework '{spec}' does not compile:\n{exc}") from None
    spec_hash = "sha256:" + hashlib.sha256(Path(spec).read_bytes()).hexdigest()[:16]
    qs = read_queries(queries)
    i, n = opts.shard
    items = [(item_id(q["id"], spec_hash, opts.model, opts.seed), q) for q in qs]
    items = [(iid, q) for iid, q in items if _shard_of(iid, n) == i]
    meta = {"spec": str(spec), "spec_hash": spec_hash, "queries": str(queries), "items": len(items),
            "shard": list(opts.shard), "model": opts.model, "seed": opts.seed}
    (runs / META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    done = read_log(runs)
    todo = [(iid, q) for iid, q in items if iid not in done]
    committed = {iid: done[iid] for iid, _ in items if iid in done}
    for p in (runs / TRAJ).glob("*.jsonl"):  # trajectories of items that never committed: re-run from scratch
        if p.stem not in done:
            p.unlink()
    return asyncio.run(_run_all(fw, todo, runs, opts, committed))


def status(runs: str | Path) -> dict:
    runs = Path(runs)
    meta = json.loads((runs / META).read_text(encoding="utf-8")) if (runs / META).exists() else {}
    log = read_log(runs)
    failed = [r for r in log.values() if r.get("failed")]
    return {"items": meta.get("items"), "committed": len(log), "failed": len(failed),
            "tokens": sum(r.get("tokens", 0) for r in log.values()),
            "stop_reasons": {s: sum(1 for r in log.values() if r["stop_reason"] == s)
                             for s in sorted({r["stop_reason"] for r in log.values()})},
            "failures": [{"id": r["id"], "query_id": r.get("query_id"), "error": r.get("error")} for r in failed[:20]]}
