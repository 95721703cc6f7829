"""Benchmark of ``nexc gap run`` (run: ``python bench/gap.py [--items N] [--concurrency C]``).

A fake OpenAI-compatible server on loopback answers a one-tool framework (2 LLM calls per run). Rows, in one
process and one run: the runtime alone (``arun`` on every query under a semaphore, no files) against GAP end
to end (queries in → per-item trajectories and committed result lines out) at the same concurrency, as
runs/s and their ratio (aim ≥ 0.8); with 200 ms of fake latency per call, GAP's runs/s against the latency
ceiling c / (calls per run × latency) (aim ≥ 0.9); with every fifth call answered 429 + Retry-After, the
failed items (aim 0). Medians of ``--repeat`` runs.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SPEC = ('nex 1\nllm m { model = "fake" }\ntool add(a: int, b: int) -> int "Add." = python "tools:add"\n'
        'agent a "Adds." {\n  llm = m\n  prompt = "You add."\n  tools = [add]\n  max_iterations = 4\n}\n')


def handler(req):
    from nexc.testing import call, reply

    if any(m["role"] == "tool" for m in req.messages):
        return reply("done")
    return reply(tool_calls=[call("add", {"a": 1, "b": 2})])


def setup(d: Path, n: int) -> tuple[Path, Path]:
    (d / "s.nex").write_text(SPEC)
    (d / "tools.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    q = d / "q.jsonl"
    q.write_text("".join(json.dumps({"id": f"q{i}", "query": f"add {i}"}) + "\n" for i in range(n)))
    return d / "s.nex", q


def runtime_only(spec: Path, n: int, c: int, url: str) -> float:
    import nexc

    fw = nexc.load(spec)

    async def go():
        sem = asyncio.Semaphore(c)

        async def one(i):
            async with sem:
                await fw.arun(f"add {i}", base_url=url, api_key="k")
        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        await fw.runtime.llm.aclose()
        return n / (time.perf_counter() - t0)
    return asyncio.run(go())


def gap(spec: Path, q: Path, runs: Path, c: int, url: str) -> tuple[float, dict]:
    from nexc.gap.run import RunOptions, run_job

    t0 = time.perf_counter()
    counts = run_job(spec, q, runs, RunOptions(concurrency=c, base_url=url, api_key="k"))
    return (counts["done"] + counts["failed"]) / (time.perf_counter() - t0), counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from nexc.testing import FakeOpenAI, rate_limited, slow

    n, c = args.items, args.concurrency
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        spec, q = setup(Path(tmp), n)
        bare, full = [], []
        with FakeOpenAI(handler) as url:
            for k in range(args.repeat):
                bare.append(runtime_only(spec, n, c, url))
                full.append(gap(spec, q, Path(tmp) / f"r{k}", c, url)[0])
        b, f = statistics.median(bare), statistics.median(full)
        rows += [(f"runtime only, c={c}", f"{b:.1f} runs/s"), (f"gap run end to end, c={c}", f"{f:.1f} runs/s"),
                 ("ratio gap / runtime (aim >= 0.8)", f"{f / b:.2f}")]

        def latent(req):
            return slow(0.2, handler(req))
        m = min(n, 256)
        (Path(tmp) / "lat").mkdir()
        spec2, q2 = setup(Path(tmp) / "lat", m)
        with FakeOpenAI(latent) as url:
            rate, _ = gap(spec2, q2, Path(tmp) / "lat" / "runs", c, url)
        ceiling = c / (2 * 0.2)
        rows += [(f"gap run with 200 ms per call, c={c}", f"{rate:.1f} runs/s (ceiling {ceiling:.0f})"),
                 ("ratio to the latency ceiling (aim >= 0.9)", f"{rate / ceiling:.2f}")]
        count = {"i": 0}

        def limited(req):
            count["i"] += 1
            return rate_limited(0.05) if count["i"] % 5 == 0 else handler(req)
        with FakeOpenAI(limited) as url:
            _, counts = gap(spec, q, Path(tmp) / "rl", c, url)
        rows.append(("every 5th call 429 + Retry-After: failed items (aim 0)", f"{counts['failed']} of {n}"))
    w = max(len(k) for k, _ in rows)
    print(f"{'measure'.ljust(w)}  value\n{'-' * w}  {'-' * 24}")
    for k, v in rows:
        print(f"{k.ljust(w)}  {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
