"""Benchmark of `nexc gap filter` (issue 23): the structural rules' throughput, the chunked judge's token
overhead, and each rule's precision and recall on a held-back planted set.

    python bench/filter.py [--records 20000] [--repeats 3] [--seed 1001]

1. records/s of the structural pass (read, group into runs, every rule, write kept/dropped/report) on two generated
   sets of at least ``--records`` nexc trajectory records each (short runs of 4–8 calls; long runs of 30)
   (``nexc.testing.planted``: requests included, as the runtime writes them), median of ``--repeats``; the
   baseline, measured in the same run, is decoding every line with ``json.loads`` (what any reader of the file
   pays). Aim: ≥ 5,000 records/s.
2. The judge's tokens sent (prompt, carried state and chunk, for every call) against one pass over the trace
   (the prompt once, every step once), for long runs at the stdlib judge's context and at smaller ones, on the
   fake server with valid scripted replies. Aim: ≤ 1.3× at the stdlib context.
3. Precision and recall of each rule on a planted set with another seed than the tests' (half its good runs
   carry a near miss: a retried error, a result mentioning TODO, the same tool with other arguments …): a
   finding counts as right only at the planted rule, record and message.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nexc.gap.filter import Config, filter_paths
from nexc.testing.planted import KINDS, Turn, build, corpus, good_conv


def _write(records: list[dict], path: Path) -> None:
    path.write_text("".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in records))


def throughput(records: int, repeats: int, seed: int, tmp: Path) -> list[tuple]:
    recs, _ = corpus(seed, max(1, records // 5), max(1, records // 400))
    while len(recs) < records:
        more, _ = corpus(seed + len(recs), records // 10, 1)
        recs += more
    rows = _measure(recs, repeats, tmp, "short runs (4–8 calls)")
    rng = random.Random(seed)
    long_recs: list[dict] = []
    while len(long_recs) < records:  # long runs: 30 calls each, so each request repeats a long conversation
        conv = good_conv(rng, search=False, sub_agent=False)
        for i in range(28):
            conv.turns.insert(1, Turn(f"Checking source {i}.", [("search", {"query": f"{rng.random():.6f}"})],
                                      [{"role": "tool", "name": "search", "content": f"source {i}: " +
                                        " ".join(rng.choice(["alpha", "beta", "gamma"]) for _ in range(60))}]))
        long_recs += build(conv, rng)
    return rows + _measure(long_recs, repeats, tmp, "long runs (30 calls)")


def _measure(recs: list[dict], repeats: int, tmp: Path, what: str) -> list[tuple]:
    path = tmp / "set.jsonl"
    _write(recs, path)
    size = path.stat().st_size
    base, filt = [], []
    for i in range(repeats):
        t0 = time.perf_counter()
        for line in path.read_bytes().split(b"\n"):
            if line:
                json.loads(line)
        base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        filter_paths([path], tmp / f"out{i}")
        filt.append(time.perf_counter() - t0)
    b, f = statistics.median(base), statistics.median(filt)
    return [(f"{what}: json.loads every line (baseline)", len(recs), size, b, len(recs) / b, 1.0),
            (f"{what}: nexc gap filter, all rules", len(recs), size, f, len(recs) / f, f / b)]


def _long_conv(rng: random.Random, tokens: int):
    conv = good_conv(rng, search=False, sub_agent=True)
    i = 0
    while sum(len(r.get("content") or "") for t in conv.turns for r in t.results) < tokens * 4:
        words = " ".join(f"{rng.choice(['alpha', 'beta', 'gamma', 'delta'])}{rng.randint(0, 999)}"
                         for _ in range(rng.randint(100, 900)))
        conv.turns.insert(1, Turn(f"Reading section {i}.", [("search", {"query": f"section {i}"})],
                                  [{"role": "tool", "name": "search", "content": f"section {i}: {words}"}]))
        i += 1
    return conv


def overhead(tmp: Path, seed: int) -> list[tuple]:
    from nexc.gap.filter.model import Run
    from nexc.gap.judge import JudgeOptions, judge_runs
    from nexc.testing import FakeOpenAI, reply

    rng = random.Random(seed)
    runs = []
    for n, size in enumerate((60_000, 150_000, 300_000)):
        recs = build(_long_conv(rng, size), rng)
        runs.append(Run(recs[0]["trace_id"], lines=[json.dumps(r).encode() for r in recs]))
    state = {"open_claims": [{"claim": "the population figure comes from the lookup", "step": 3}],
             "unverified_results": [{"result": "the growth figure", "step": 9}],
             "plan_progress": "looked the population up and converted the amount; reading the sources"}

    def judge(req):
        return reply(json.dumps({"state": state, "findings": [], "verdict": "good"}))

    rows = []
    with FakeOpenAI(judge) as url:
        for context in (None, 16_000, 8_000):
            out = tmp / f"judge-{context}"
            out.mkdir()
            s = judge_runs(runs, out, JudgeOptions(base_url=url, api_key="k", context=context, concurrency=3))
            rows.append((s["context"], s["runs"], s["chunks"], s["one_pass_tokens"], s["sent_tokens"], s["overhead"]))
    return rows


def precision_recall(seed: int, n_good: int, per_kind: int, tmp: Path) -> list[tuple]:
    recs, labels = corpus(seed, n_good, per_kind, near_misses=0.5)
    path = tmp / "held.jsonl"
    _write(recs, path)
    filter_paths([path], tmp / "held-out", cfg=Config())
    got: dict[str, set] = {k: set() for k in KINDS}
    for line in (tmp / "held-out" / "dropped.jsonl").read_text().splitlines():
        d = json.loads(line)
        for f in d["findings"]:
            got[f["rule"]].add((d["trace_id"], f["record"], f["message"]))
    want: dict[str, set] = {k: set() for k in KINDS}
    for tid, items in labels.items():
        for rule, rec, msg in items:
            want[rule].add((tid, rec, msg))
    rows = []
    for k in KINDS:
        tp = len(got[k] & want[k])
        rows.append((k, len(want[k]), len(got[k]), tp, tp / len(got[k]) if got[k] else 1.0,
                     tp / len(want[k]) if want[k] else 1.0))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1001)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(f"## structural rules (median of {a.repeats})")
        print(f"{'case':<62} {'records':>8} {'MB':>7} {'seconds':>8} {'records/s':>10} {'× baseline':>10}")
        for name, n, size, s, rate, ratio in throughput(a.records, a.repeats, a.seed, tmp):
            print(f"{name:<62} {n:>8} {size / 1e6:>7.1f} {s:>8.2f} {rate:>10,.0f} {ratio:>10.2f}")
        print("\n## judge tokens against one pass over the trace (3 long runs: ~60k, 150k, 300k tokens)")
        print(f"{'context':>8} {'runs':>5} {'chunks':>7} {'one pass':>10} {'sent':>10} {'overhead':>9}")
        for ctx, runs, chunks, base, sent, ov in overhead(tmp, a.seed):
            print(f"{ctx:>8} {runs:>5} {chunks:>7} {base:>10,} {sent:>10,} {ov:>8.3f}×")
        print(f"\n## precision / recall per rule (held-back planted set, seed {a.seed + 7}: 3,000 good runs, "
              "half with a near miss; 100 per defect)")
        print(f"{'rule':<20} {'planted':>8} {'found':>6} {'right':>6} {'precision':>10} {'recall':>7}")
        for k, want, got, tp, p, r in precision_recall(a.seed + 7, 3000, 100, tmp):
            print(f"{k:<20} {want:>8} {got:>6} {tp:>6} {p:>10.3f} {r:>7.3f}")


if __name__ == "__main__":
    main()
