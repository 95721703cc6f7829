"""The Ray executor of ``nexc gap run --executor ray``: the job's items split into deterministic shards, one
per Ray actor; each actor loads the framework once and keeps its own asyncio event loop (its LLM clients and
shared MCP servers live as long as it does).

The driver feeds every actor batches of its shard (two batches in flight each, so an actor never idles between
them). An actor runs a batch with :func:`nexc.gap.run.run_items` into a scratch folder and sends back each
record with its trajectory's text; the driver writes the trajectory under ``RUNS/trajectories/`` and commits
the record to the one commit log, exactly as the local executor does. So a Ray run and a local run of one job
give the same set of records (item ids are content-addressed), a killed Ray run resumes like a local one, and
the workers need no shared file system. A budget stops the driver from sending new batches.

Ray is imported here only (``pip install 'nexc[ray]'``); the rest of nexc never imports it.
"""
from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from nexc.gap.run import TRAJ, GapRunError, Limit, Log, RunOptions, _shard_of, Counts, load_framework, run_items


class Worker:
    """One shard's runner (a Ray actor): the framework, an AIMD limit and an event loop of its own."""

    def __init__(self, spec: str, opts: RunOptions):
        self.fw = load_framework(spec, opts)
        self.opts = opts
        self.limit = Limit(opts.concurrency)
        self.scratch = Path(tempfile.mkdtemp(prefix="nexc-gap-ray-"))

    async def run(self, items: list[tuple[str, dict]]) -> list[tuple[dict, str]]:
        out: list[dict] = []
        await run_items(self.fw, items, self.scratch, self.opts, self.limit, out.append, asyncio.Event())
        sent = []
        for rec in out:
            p = self.scratch / f"{rec['id']}.jsonl"
            text = p.read_text(encoding="utf-8") if p.exists() else ""
            p.unlink(missing_ok=True)
            sent.append((rec, text))
        return sent


def _write_trajectory(runs: Path, rec: dict, text: str) -> None:
    path = runs / TRAJ / f"{rec['id']}.jsonl"
    tmp = path.with_suffix(".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # whole or absent: the commit writer syncs it before the record's line


def run_ray(spec, todo: list[tuple[str, dict]], runs: Path, opts: RunOptions, done: dict) -> dict:
    """Run ``todo`` on ``opts.workers`` Ray actors; commit into ``runs`` (see the module docstring)."""
    try:
        import ray
    except ImportError:
        raise GapRunError("--executor ray needs Ray: pip install 'nexc[ray]'") from None
    if not ray.is_initialized():
        kw = {"address": opts.ray_address} if opts.ray_address else {"include_dashboard": False,
                                                                      "num_cpus": max(2, opts.workers)}
        ray.init(log_to_driver=False, configure_logging=False, **kw)
    n = max(1, opts.workers)
    shards = [[it for it in todo if _shard_of(it[0], n) == k] for k in range(n)]
    batch = max(8, 2 * opts.concurrency)
    remote = ray.remote(num_cpus=1)(Worker)
    spec = str(Path(spec).resolve())
    ship = RunOptions(**{k: v for k, v in vars(opts).items() if k not in ("progress", "stats")})
    actors = [remote.remote(spec, ship) for _ in range(n)]
    return asyncio.run(_drive(actors, shards, batch, runs, opts, done))


async def _drive(actors, shards, batch: int, runs: Path, opts: RunOptions, done: dict) -> dict:
    import ray

    counts = Counts(sum(len(s) for s in shards) + len(done), done, opts)
    stopped = {"now": bool((opts.budget_tokens and counts["tokens"] >= opts.budget_tokens)
                           or (opts.budget_usd and counts["cost"] >= opts.budget_usd))}
    counts["budget_stopped"] = stopped["now"]

    log = Log(runs, counts.add)
    queues = [[s[i:i + batch] for i in range(0, len(s), batch)] for s in shards]
    flying: dict = {}

    def feed(k: int) -> None:
        if queues[k] and not stopped["now"]:
            flying[actors[k].run.remote(queues[k].pop(0))] = k

    for k in range(len(actors)):
        feed(k)
        feed(k)
    try:
        while flying:
            ready, _ = await asyncio.to_thread(ray.wait, list(flying), num_returns=1)
            k = flying.pop(ready[0])
            for rec, text in await asyncio.to_thread(ray.get, ready[0]):
                _write_trajectory(runs, rec, text)
                if counts.spent(rec):
                    stopped["now"] = True
                log.commit(rec)
            await asyncio.sleep(0)
            feed(k)
    finally:
        await log.aclose()
        for a in actors:
            ray.kill(a)
    return dict(counts)
