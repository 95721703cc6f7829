"""Start-up time of the CLI: ``nexc --version`` and a cold ``nexc lint`` of one small file.

Prints a table of medians over N runs (default 21), with ``python -c pass`` as the bare baseline
measured in the same run. Usage: python bench/startup.py [N]
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def median_seconds(cmd: list[str], n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    with tempfile.TemporaryDirectory() as d:
        spec = Path(d) / "small.nex"
        spec.write_text('llm main { model = env("M", "m") }\nagent a {\n  llm = main\n  prompt = "hi"\n}\n')
        rows = [
            ("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
            ("nexc --version", [sys.executable, "-m", "nexc", "--version"]),
            ("nexc lint small.nex (cold)", [sys.executable, "-m", "nexc", "lint", str(spec)]),
        ]
        results = [(name, median_seconds(cmd, n)) for name, cmd in rows]
    base = results[0][1]
    print(f"{'command':<32} {'median s':>9} {'× baseline':>11}   (n={n})")
    for name, t in results:
        print(f"{name:<32} {t:>9.3f} {t / base:>11.1f}")


if __name__ == "__main__":
    main()
