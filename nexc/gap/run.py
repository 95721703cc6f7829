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
reason. A budget (tokens, or dollars at ``price``) stops starting new items; runs already going finish.

Commits are grouped: records finished while the previous ``fsync`` ran go out in one write and one ``fsync``,
in a worker thread, so the event loop never waits on the disk (an item counts as done once its line is
synced). The Ray executor (:mod:`nexc.gap.ray_exec`) runs :func:`run_items` in each worker and commits here.
"""
from __future__ import annotations

import asyncio
import collections
import hashlib
import json
import os
import re
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
    """The append-only commit log. :meth:`commit` queues a record; one writer writes every queued record in one
    ``os.write`` + ``fsync`` (in a thread) and then calls ``on_commit`` for each, in order."""

    def __init__(self, runs: Path, on_commit=None):
        self.runs = runs
        self.fd = os.open(runs / RESULTS, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.on_commit = on_commit or (lambda rec: None)
        self.pending: list[dict] = []
        self.wake: asyncio.Event | None = None
        self.writer: asyncio.Task | None = None
        self.closing = False

    def _write(self, recs: list[dict]) -> None:
        for r in recs:  # the trajectory is on disk before the line that commits it (runs write with fsync=never)
            try:
                fd = os.open(self.runs / r["trajectory"], os.O_RDONLY)
            except (KeyError, OSError):
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.write(self.fd, "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in recs).encode())
        os.fsync(self.fd)

    def commit(self, rec: dict) -> None:
        if self.wake is None:
            self.wake = asyncio.Event()
            self.writer = asyncio.get_running_loop().create_task(self._drain())
        self.pending.append(rec)
        self.wake.set()

    async def _drain(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.pending:
                recs, self.pending = self.pending, []
                await asyncio.to_thread(self._write, recs)
                for r in recs:
                    self.on_commit(r)
            if self.closing:
                return

    async def aclose(self) -> None:
        """Write what is queued, then close the file."""
        if self.writer is not None:
            self.closing = True
            self.wake.set()
            await self.writer
        os.close(self.fd)


class Limit:
    """An adaptive (AIMD) bound on concurrent runs. Waiters queue in order and exactly as many are woken as
    there are free slots (no thundering herd of thousands of waiting items)."""

    def __init__(self, start: int):
        self.max, self.value, self.active, self.credit = start, float(start), 0, 0.0
        self.waiters: collections.deque[asyncio.Future] = collections.deque()

    async def __aenter__(self):
        if self.active < int(self.value) and not self.waiters:
            self.active += 1
            return
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        await fut  # the slot was taken for us by _wake

    async def __aexit__(self, *exc):
        self.active -= 1
        self._wake()

    def _wake(self) -> None:
        while self.waiters and self.active < int(self.value):
            fut = self.waiters.popleft()
            if not fut.done():
                self.active += 1
                fut.set_result(None)

    def feedback(self, throttled: bool) -> None:
        if throttled:
            self.value = max(1.0, self.value / 2)
        else:
            self.credit += 1.0 / max(1.0, self.value)
            if self.credit >= 1.0:
                self.credit, self.value = 0.0, min(self.max, self.value + 1)
                self._wake()


_BUDGET = re.compile(r"^\s*(?:(?P<d1>\$)\s*(?P<n1>[0-9.]+)|(?P<n2>[0-9.]+)\s*(?P<unit>k|m|\$|usd)?)\s*$", re.I)


def parse_budget(text: str) -> tuple[str, float]:
    """``100000`` / ``100k`` / ``2m`` tokens, or ``$5`` / ``5$`` / ``5usd`` dollars: ``("tokens"|"usd", amount)``."""
    m = _BUDGET.match(str(text))
    if not m or not re.fullmatch(r"\d+(\.\d*)?|\.\d+", m.group("n1") or m.group("n2")) \
            or float(m.group("n1") or m.group("n2")) <= 0:
        raise ValueError(f"'{text}' is no budget: give tokens (100000, 100k, 2m) or dollars ($5, 5$, 5usd)")
    value, unit = float(m.group("n1") or m.group("n2")), (m.group("unit") or "").lower()
    if m.group("d1") or unit in ("$", "usd"):
        return "usd", value
    return "tokens", value * {"k": 1e3, "m": 1e6}.get(unit, 1)


def parse_price(text: str) -> tuple[float, float]:
    """``IN/OUT`` dollars per million prompt / completion tokens (``0.5/1.5``; one number for both)."""
    parts = str(text).replace("$", "").split("/")
    nums = [float(x) for x in parts if re.fullmatch(r"\s*(\d+(\.\d*)?|\.\d+)\s*", x)]
    if len(nums) != len(parts) or len(nums) not in (1, 2) or any(x < 0 for x in nums):
        raise ValueError(f"'{text}' is no price: write dollars per million prompt/completion tokens, e.g. 0.5/1.5")
    return (nums[0], nums[-1])


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
    budget_usd: float | None = None
    #: dollars per million prompt / completion tokens (``cost`` of each record; needed by ``budget_usd``)
    price: tuple[float, float] | None = None
    simulate_missing: bool = False
    simulation_cache: str | None = None
    #: MCP servers started for each run; the others start once per worker and serve all its runs
    mcp_per_run: tuple[str, ...] = ()
    executor: str = "local"
    workers: int = 2
    ray_address: str | None = None
    progress: object = None
    stats: dict = field(default_factory=dict)


def _shard_of(iid: str, n: int) -> int:
    return int(iid[2:10], 16) % n


def load_framework(spec: str | Path, opts: RunOptions):
    """The compiled framework, with MCP servers shared by the worker's runs (those not in ``mcp_per_run``)."""
    import nexc
    from nexc.api import Settings, SpecError

    try:
        # fsync=never: the commit writer syncs each trajectory, off the event loop, before committing it
        fw = nexc.load(spec, settings=Settings(simulation_cache=opts.simulation_cache, fsync="never"),
                       simulate_missing=opts.simulate_missing)
    except SpecError as exc:
        raise GapRunError(f"the framework '{spec}' does not compile:\n{exc}") from None
    import openai  # noqa: F401 - imported now, not by the first LLM call while every item's run waits on it

    rt = fw.runtime
    servers = {s.name: s for p in rt.plans.values() for s in p.mcp_servers}
    shared = [s for name, s in servers.items() if name not in opts.mcp_per_run]
    if shared:
        rt.shared_mcp = shared  # in the worker's session (run_items); a run opens one for its per-run servers only
    return fw


def _price(usage: dict, price) -> float:
    return round((int(usage.get("prompt_tokens") or 0) * price[0]
                  + int(usage.get("completion_tokens") or 0) * price[1]) / 1e6, 8) if price else 0.0


async def run_items(fw, items: list[tuple[str, dict]], traj_dir: Path, opts: RunOptions, limit: Limit,
                    on_record, stop: asyncio.Event) -> None:
    """Run ``items`` (id, query) under ``limit``; each finished item's record goes to ``on_record`` (which
    commits it). Trajectories go to ``traj_dir/<id>.jsonl``. Nothing new starts once ``stop`` is set."""
    async def one(iid: str, q: dict) -> None:
        if stop.is_set():
            return
        async with limit:
            if stop.is_set():
                return
            path = traj_dir / f"{iid}.jsonl"
            rec, attempts = None, 0
            while attempts <= opts.retries:
                attempts += 1
                path.unlink(missing_ok=True)  # a retried or interrupted attempt leaves no half trajectory
                t0 = time.perf_counter()
                res = await fw.arun(q["query"], base_url=opts.base_url, api_key=opts.api_key, model=opts.model,
                                    trace_path=path, timeout=opts.timeout)
                usage = res.usage or {}
                tokens = int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0)
                limit.feedback(any((r.get("attempts") or 1) > 1 for r in res.records))
                rec = {"id": iid, "query_id": q["id"], "stop_reason": res.stop_reason.value, "output": res.output,
                       "error": res.error, "tokens": tokens, "cost": _price(usage, opts.price),
                       "seconds": round(time.perf_counter() - t0, 3), "attempts": attempts,
                       "llm_calls": len(res.records), "trace_id": res.trace_id,
                       "trajectory": f"{TRAJ}/{iid}.jsonl", "provenance": q.get("provenance") or {}}
                if res.stop_reason.value not in ("llm_error", "error"):
                    break
            rec["failed"] = rec["stop_reason"] in ("llm_error", "error")
            on_record(rec)

    shared = getattr(fw.runtime, "shared_mcp", None)
    from nexc.mcp.client import run_session  # no servers: no session, nothing started

    async with run_session(shared or (), fw.runtime.root_dir):
        await asyncio.gather(*(one(i, q) for i, q in items))


class Counts(dict):
    """done / failed / skipped / tokens / cost / total / started; ``add`` a committed record, and say whether
    the budget is spent."""

    def __init__(self, total: int, done: dict, opts: RunOptions):
        super().__init__(done=0, failed=0, skipped=len(done), tokens=sum(r.get("tokens", 0) for r in done.values()),
                         cost=round(sum(r.get("cost") or 0 for r in done.values()), 6), total=total,
                         started=time.time(), budget_stopped=False)
        self.opts = opts

    def spent(self, rec: dict) -> bool:
        """Count a finished run's tokens and cost (as soon as it ends, not when its line is synced); whether
        the budget is now spent."""
        self["tokens"] += rec["tokens"]
        self["cost"] = round(self["cost"] + (rec.get("cost") or 0), 6)
        o = self.opts
        out = bool((o.budget_tokens and self["tokens"] >= o.budget_tokens)
                   or (o.budget_usd and self["cost"] >= o.budget_usd))
        self["budget_stopped"] = self["budget_stopped"] or out
        return out

    def add(self, rec: dict) -> None:
        """A committed record."""
        self["failed" if rec["failed"] else "done"] += 1
        if self.opts.progress is not None:
            self.opts.progress(self)


async def _run_all(fw, items: list[tuple[str, dict]], runs: Path, opts: RunOptions, done: dict) -> dict:
    counts = Counts(len(items) + len(done), done, opts)
    stop = asyncio.Event()
    if ((opts.budget_tokens and counts["tokens"] >= opts.budget_tokens)
            or (opts.budget_usd and counts["cost"] >= opts.budget_usd)):
        stop.set()
        counts["budget_stopped"] = True

    log = Log(runs, counts.add)

    def finished(rec: dict) -> None:
        if counts.spent(rec):
            stop.set()
        log.commit(rec)
    try:
        await run_items(fw, items, runs / TRAJ, opts, Limit(opts.concurrency), finished, stop)
    finally:
        await log.aclose()
        close = getattr(fw.runtime.llm, "aclose", None)
        if close is not None:
            await close()
    return dict(counts)


def prepare(spec: str | Path, queries: str | Path, runs: Path, opts: RunOptions):
    """The job's items of this shard, those already committed, and the uncommitted ones (whose partial
    trajectories are removed); writes ``job.json``."""
    (runs / TRAJ).mkdir(parents=True, exist_ok=True)
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
    for p in (runs / TRAJ).glob("*.part"):  # the Ray executor's half-written copies
        p.unlink()
    return todo, committed


def run_job(spec: str | Path, queries: str | Path, runs: str | Path, opts: RunOptions) -> dict:
    """Run the framework at ``spec`` on every query not committed in ``runs`` yet (see the module docstring)."""
    runs = Path(runs)
    if opts.budget_usd and not opts.price:
        raise GapRunError("a dollar budget needs the model's price: add --price IN/OUT (dollars per million "
                          "prompt/completion tokens, e.g. --price 0.5/1.5), or give the budget in tokens")
    fw = load_framework(spec, opts)
    todo, committed = prepare(spec, queries, runs, opts)
    if opts.executor == "ray":
        from nexc.gap.ray_exec import run_ray

        return run_ray(spec, todo, runs, opts, committed)
    return asyncio.run(_run_all(fw, todo, runs, opts, committed))


def status(runs: str | Path) -> dict:
    runs = Path(runs)
    meta = json.loads((runs / META).read_text(encoding="utf-8")) if (runs / META).exists() else {}
    log = read_log(runs)
    failed = [r for r in log.values() if r.get("failed")]
    return {"items": meta.get("items"), "committed": len(log), "failed": len(failed),
            "tokens": sum(r.get("tokens", 0) for r in log.values()),
            "cost": round(sum(r.get("cost") or 0 for r in log.values()), 6),
            "stop_reasons": {s: sum(1 for r in log.values() if r["stop_reason"] == s)
                             for s in sorted({r["stop_reason"] for r in log.values()})},
            "failures": [{"id": r["id"], "query_id": r.get("query_id"), "error": r.get("error")} for r in failed[:20]]}
