"""Time ``nexc build --target bundle`` of a generated 34-agent framework (target: under 1 s).

    .venv/bin/python bench/build.py [--repeat 7]

Prints the median of in-process builds (compile + emit + write) and of cold CLI runs (a fresh
``python -m nexc build`` process each time, import time included).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N_AGENTS = 34


def generate(root: Path, n: int = N_AGENTS) -> Path:
    """Write a framework of ``n`` agents (a lead delegating to the others), each with a prompt file."""
    (root / "prompts").mkdir(parents=True, exist_ok=True)
    (root / "tools_mod.py").write_text("def echo(text: str) -> str:\n    return text\n")
    lines = ["nex 1", "", 'framework bench_fw "A generated benchmark framework."', "",
             "llm main {", '  model = "fake"', "}", "",
             'tool echo(text: str "Text") -> str', '  "Echo the text."', '  = python "tools_mod:echo"', ""]
    for i in range(1, n):
        (root / "prompts" / f"a{i}.md").write_text(f"You are worker {i}. Use echo when asked.\n")
        lines += [f'agent worker{i} "Worker number {i}." {{', "  llm = main", f'  prompt = file("prompts/a{i}.md")',
                  "  tools = [echo]", "}", ""]
    (root / "prompts" / "lead.md").write_text("You coordinate the workers.\n")
    workers = ", ".join(f"worker{i}" for i in range(1, n))
    lines += ["agent lead {", "  llm = main", '  prompt = file("prompts/lead.md")', f"  tools = [{workers}]", "}", "",
              "entry lead", ""]
    spec = root / "bench.nex"
    spec.write_text("\n".join(lines))
    return spec


def in_process(spec: Path, out: Path) -> float:
    from click.testing import CliRunner

    from nexc.cli import cli

    t0 = time.perf_counter()
    r = CliRunner().invoke(cli, ["build", str(spec), "--target", "bundle", "-o", str(out), "--force"])
    dt = time.perf_counter() - t0
    assert r.exit_code == 0, r.output
    return dt


def cold(spec: Path, out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nexc", "build", str(spec), "--target", "bundle", "-o", str(out), "--force"],
                   check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spec = generate(Path(tmp) / "src")
        warm = [in_process(spec, Path(tmp) / f"w{i}") for i in range(args.repeat)]
        colds = [cold(spec, Path(tmp) / f"c{i}") for i in range(args.repeat)]
    rows = [("in-process (median)", statistics.median(warm)), ("in-process (min)", min(warm)),
            ("cold CLI (median)", statistics.median(colds)), ("cold CLI (min)", min(colds))]
    print(f"nexc build --target bundle, {N_AGENTS} agents, {args.repeat} runs each (target < 1 s)")
    print(f"{'measure':<22}{'seconds':>10}")
    for label, v in rows:
        print(f"{label:<22}{v:>10.3f}")
    print("PASS" if statistics.median(colds) < 1.0 else "SLOW")


if __name__ == "__main__":
    main()
