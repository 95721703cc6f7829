"""Benchmark of ``nexc dataset build`` (run: ``python bench/dataset.py``).

Generates ``--records`` trajectory records (runtime shape, one per LLM call; agent runs of 2–5
calls, every third with a sub-agent run), then for each ``--format``, in fresh child processes:

- **nexc**: the whole build (read, normalise, validate incl. JSON Schema and representability,
  render, spans, write; text and spans from the format's Python renderer, as ``nexc dataset
  build`` does without ``--verify``) — samples per second and peak RSS;
- **transformers**: ``render_jinja_template`` (what ``apply_chat_template`` runs) rendering the
  same conversations with the same chat template, text only, no masks — conversations per second
  (only the rendering calls are timed; reading and decoding the file is not) and peak RSS.

Peak memory is also measured at a quarter of the input, to show it is flat in the input size.

A second table compares what the loss modes give on the same input (``--modes-only`` prints just it):
``--granularity call`` with ``--loss all`` (the default: every earlier turn of a run is trained again in
each later call's sample), with ``--loss last-turn`` (each turn trained once), and ``--granularity run``:
samples, output size, assistant turns carrying loss and trained characters, each against call/all.
Times are CPU seconds of the child process (``time.process_time``: steady on a shared machine);
figures are medians over ``--repeat`` runs.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_nexc(path: str, fmt: str, out: str) -> dict:
    from nexc.dataset import build_dataset

    start = time.process_time()
    report = build_dataset([path], [fmt], out)
    elapsed = time.process_time() - start
    stats = next(iter(report.formats.values()))
    return {"seconds": elapsed, "items": stats.written, "dropped": sum(stats.dropped.values()), "rss_mb": _rss_mb()}


def child_hf(path: str, fmt: str) -> dict:
    from transformers.utils.chat_template_utils import render_jinja_template

    from nexc.dataset.records import load, parse_record
    from nexc.dataset.render import default_template_kwargs
    from nexc.formats import get_format

    f = get_format(fmt)
    source, kwargs = f.chat_template, default_template_kwargs(f)
    elapsed, n = 0.0, 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            rec = parse_record(load(line))
            start = time.process_time()
            render_jinja_template(conversations=[rec.messages], tools=rec.tools, chat_template=source, **kwargs)
            elapsed += time.process_time() - start
            n += 1
    return {"seconds": elapsed, "items": n, "rss_mb": _rss_mb()}


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _records(path: Path, n: int) -> int:
    """Write generated runs until ``n`` records; returns the count."""
    import random

    from nexc.testing.records import run_records

    rng = random.Random("bench")
    written = 0
    with open(path, "w", encoding="utf-8") as fh:
        i = 0
        while written < n:
            for rec in run_records(rng, calls=rng.randint(2, 5), sub_agent=i % 3 == 0):
                if written >= n:
                    break
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                written += 1
            i += 1
    return written


def modes_table(path: Path, fmt: str, tmp: Path) -> list[tuple[str, ...]]:
    """Rows of the loss-mode table for ``fmt`` (see the module docstring)."""
    from nexc.dataset import build_dataset
    from nexc.dataset.manifest import format_dir
    from nexc.formats import get_format

    rows, base = [], None
    for name, kw in (("call, loss all", {}), ("call, loss last-turn", {"loss": "last-turn"}),
                     ("run, loss all", {"granularity": "run"})):
        out = tmp / f"modes-{format_dir(fmt)}-{len(rows)}"
        report = build_dataset([path], [fmt], out, **kw)
        stats = next(iter(report.formats.values()))
        data = out / format_dir(get_format(fmt).id) / "data.jsonl"
        chars = 0
        with open(data, encoding="utf-8") as fh:
            for line in fh:
                chars += sum(b - a for a, b in json.loads(line)["assistant_spans"])
        got = (stats.written, data.stat().st_size, stats.trained_turns, chars)
        base = base or got
        rows.append((f"{fmt}: {name}", f"{got[0]:,}", f"{got[1] / 2**20:,.1f}", f"{got[1] / base[1]:.2f}x",
                     f"{got[2]:,}", f"{got[2] / base[2]:.2f}x", f"{got[3] / 2**20:,.1f}", f"{got[3] / base[3]:.2f}x"))
    return rows


def _print(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--format", dest="formats", action="append")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--modes-only", action="store_true", help="Only the loss-mode table.")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        print(json.dumps(child_nexc(*rest) if kind == "nexc" else child_hf(*rest)))
        return
    formats = args.formats or ["qwen3_coder", "hermes:qwen3", "openai"]
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.jsonl", Path(tmp) / "small.jsonl"
        n = _records(big, args.records)
        _records(small, max(1, args.records // 4))
        mb = big.stat().st_size / 2**20
        print(f"{n} records, {mb:.0f} MiB; medians of {args.repeat} runs; python {sys.version.split()[0]}")
        if not args.modes_only:
            rows = [("format", "nexc samples/s", "hf renders/s", "ratio", "nexc RSS MiB (1/4 → full)", "hf RSS MiB")]
            for fmt in formats:
                ours, theirs = [], []
                for r in range(args.repeat):
                    ours.append(_child(["nexc", str(big), fmt, str(Path(tmp) / f"out-{fmt}-{r}".replace(":", "-"))]))
                    theirs.append(_child(["hf", str(big), fmt]))
                quarter = _child(["nexc", str(small), fmt, str(Path(tmp) / f"out-small-{fmt}".replace(":", "-"))])
                rate = statistics.median(o["items"] / o["seconds"] for o in ours)
                hf_rate = statistics.median(t["items"] / t["seconds"] for t in theirs)
                rss = statistics.median(o["rss_mb"] for o in ours)
                rows.append((fmt, f"{rate:,.0f}", f"{hf_rate:,.0f}", f"{rate / hf_rate:.2f}x",
                             f"{quarter['rss_mb']:.0f} → {rss:.0f}",
                             f"{statistics.median(t['rss_mb'] for t in theirs):.0f}"))
                print(f"  {fmt}: dropped {ours[0]['dropped']} of {ours[0]['items'] + ours[0]['dropped']}",
                      file=sys.stderr)
            _print(rows)
            print()
        rows = [("loss mode", "samples", "output MiB", "ratio", "trained turns", "ratio", "trained MiB", "ratio")]
        for fmt in formats:
            rows += modes_table(big, fmt, Path(tmp))
        print(f"loss modes (input {mb:.0f} MiB; trained = characters inside assistant_spans; ratios to call/all)")
        _print(rows)


if __name__ == "__main__":
    main()
