"""Benchmark of A4A (run: ``python bench/a4a.py [--base-url URL --model M] [--limit N]``).

With ``--base-url``, runs ``nexc a4a``'s batch mode against that endpoint over ``bench/data/
a4a_descriptions.jsonl`` (32 descriptions, 1–34 agents) and prints compile rates, repair rounds and tokens
per stage. Without it, a scripted fake server on loopback plays the model: for each description it writes a
hierarchy of the description's size with one planted defect (an unknown tool) and repairs it in one edit —
so the table measures nexc's own work per round: compiling the draft and turning its diagnostics into JSON
(``judge``), against the bare compile of the same spec in the same run. Aim: under 50 ms per round for a
34-agent framework. Medians.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO / "bench" / "data" / "a4a_descriptions.jsonl"


def spec(n: int, planted: bool) -> str:
    """A hierarchy of ``n`` agents (fan-out 3), each with one typed Python tool."""
    out = ['nex 1', 'framework bench "Generated." {}', 'llm main {\n  model = env("NEXC_MODEL", "nex-n1")\n}']
    for a in range(n):
        out.append(f'tool t{a}(x: int "A number") -> str\n  "Tool {a}."\n  = python "tools.bench_tools:t{a}"')
    for a in reversed(range(n)):
        kids = [f"a{c}" for c in range(1, n) if (c - 1) // 3 == a]
        extra = ["nope_tool"] if planted and a == 0 else []
        out.append(f'agent a{a} "Agent {a}." {{\n  llm = main\n  prompt = "You are agent {a}."\n'
                   f'  tools = [{", ".join([f"t{a}"] + kids + extra)}]\n  max_iterations = 10\n}}')
    out.append("entry a0")
    return "\n\n".join(out) + "\n"


def tools(n: int) -> str:
    return "".join(f"def t{a}(x: int) -> str:\n    return str(x + {a})\n\n\n" for a in range(n))


def fake_handler(sizes: dict[str, int]):
    from nexc.testing import reply

    def handle(req):
        task = req.messages[-1]["content"]
        if req.system.startswith("You design"):
            return reply('```json\n{"name": "bench", "pattern": "hierarchy"}\n```')
        if req.system.startswith("You write"):
            n = next((v for k, v in sizes.items() if k in task), 3)
            ex = json.dumps({"t0": [{"arguments": {"x": 1}}]})
            return reply(f"```nex file=bench.nex\n{spec(n, True)}```\n\n```python file=tools/bench_tools.py\n"
                         f"{tools(n)}```\n\n```json file=tools/bench_tools.examples.json\n{ex}\n```")
        return reply(json.dumps({"edits": [{"file": "bench.nex", "old": ", nope_tool]", "new": "]"}]}))
    return handle


def overhead(n: int, runs: int) -> tuple[float, float]:
    """Median ms of ``judge`` (compile + checks + tool checks + diagnostics JSON) and of the bare compile."""
    from nexc.a4a.draft import Draft
    from nexc.a4a.judge import judge
    from nexc.pipeline import compile_path

    d = Draft({"bench.nex": spec(n, True), "tools/bench_tools.py": tools(n)})
    with tempfile.TemporaryDirectory() as tmp:
        j, c = [], []
        for i in range(runs):
            t0 = time.perf_counter()
            judge(d, Path(tmp) / "w")
            j.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            compile_path(Path(tmp) / "w" / "bench.nex")
            c.append((time.perf_counter() - t0) * 1000)
    return statistics.median(j), statistics.median(c)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url")
    ap.add_argument("--api-key")
    ap.add_argument("--model")
    ap.add_argument("--limit", type=int, default=0, help="only the first N descriptions")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--runs", type=int, default=7, help="repetitions of the per-round overhead measurement")
    args = ap.parse_args()
    from nexc.a4a.batch import run_batch, summary
    from nexc.a4a.loop import A4AOptions

    lines = [json.loads(x) for x in DATA.read_text().splitlines() if x.strip()]
    if args.limit:
        lines = lines[:args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "d.jsonl"
        batch.write_text("".join(json.dumps({"id": x["id"], "description": x["description"]}) + "\n" for x in lines))
        t0 = time.perf_counter()
        if args.base_url:
            opts = A4AOptions(base_url=args.base_url, api_key=args.api_key, model=args.model)
            results = run_batch(batch, Path(tmp) / "out", opts, concurrency=args.concurrency)
        else:
            from nexc.testing import FakeOpenAI

            with FakeOpenAI(fake_handler({x["description"]: x["agents"] for x in lines})) as url:
                opts = A4AOptions(base_url=url, api_key="k", model="fake")
                results = run_batch(batch, Path(tmp) / "out", opts, concurrency=args.concurrency)
        wall = time.perf_counter() - t0
    rows = summary(results) + [("wall time of the batch", f"{wall:.1f} s ({'endpoint' if args.base_url else 'fake server'})")]
    for n in (1, 10, 34):
        j, c = overhead(n, args.runs)
        rows.append((f"per round, {n} agents: judge / bare compile (median ms)",
                     f"{j:.1f} / {c:.1f}" + (" (aim < 50 ms)" if n == 34 else "")))
    w = max(len(k) for k, _ in rows)
    print(f"{'measure'.ljust(w)}  value\n{'-' * w}  {'-' * 30}")
    for k, v in rows:
        print(f"{k.ljust(w)}  {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
