"""Benchmark of `nexc lint`: 200 generated frameworks (1 to 34 agents each) linted in one process,
and the cold start of `nexc lint` on one small file (a fresh process each time, median of several) —
for `.nex`, for NexAU YAML (one agent file per agent, each with a tool YAML, sub-agents by
``config_path``) and for NexA4A framework configs (one file per framework, a prompt file per agent).

    python bench/lint.py [--frameworks 200] [--cold-runs 7] [--keep DIR]

Prints a table. Aims: 200 `.nex` frameworks under 5 s, 200 NexAU-YAML frameworks under 2 s; one small
file under 0.5 s cold (NexAU YAML: under 0.2 s).
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TYPES = ["str", "int", "float", "bool", "list[str]", '"fast" | "slow"', "str?"]


def framework(i: int, agents: int, rng: random.Random) -> str:
    """A .nex framework with ``agents`` agents in a delegation tree (fan-out 3), each with 1–4 tools of
    its own taking 0–3 parameters, a prompt of 1–8 sentences and a random tool-call format."""
    out = ["nex 1", f'framework bench_{i} "Generated framework {i}." {{}}', "",
           'llm main {\n  model = env("NEX_MODEL", "nex-n1")\n  api_key = env("OPENAI_API_KEY")\n}', ""]
    for a in range(agents):
        for t in range(rng.randint(1, 4)):
            params = ", ".join(f'p{k}: {rng.choice(TYPES)} "Parameter {k} of the tool."'
                               for k in range(rng.randint(0, 3)))
            out.append(f'tool t{a}_{t}({params}) -> str\n  "Tool {t} of agent {a}: does one specific thing well."\n'
                       f'  = python "bench_tools:t{a}_{t}"')
    out.append("")
    for a in reversed(range(agents)):
        kids = [c for c in range(1, agents) if (c - 1) // 3 == a]
        tools = [f"t{a}_{t}" for t in range(10) if f"tool t{a}_{t}(" in "\n".join(out)] + [f"a{c}" for c in kids]
        fmt = rng.choice(["openai", "qwen3_coder", "hermes", "glm45", "minimax_m2", "deepseek_v31"])
        prompt = ("You are agent %d. " % a) + "Think step by step and use the tools when needed. " * rng.randint(1, 8)
        out.append(f'agent a{a} "Agent {a} of the team." {{\n  llm = main\n  prompt = """{prompt}"""\n'
                   f'  tools = [{", ".join(tools)}]\n  max_iterations = {rng.randint(5, 60)}\n'
                   f'  tool_format = {fmt}\n}}\n')
    out.append("entry a0")
    return "\n".join(out) + "\n"


def nexau_framework(root: Path, agents: int, rng: random.Random) -> Path:
    """A NexAU-YAML framework in ``root``: one agent config per agent (a delegation tree of fan-out 3), each
    with one tool YAML of 0–3 parameters; returns the root agent's config."""
    (root / "tools").mkdir(parents=True, exist_ok=True)
    for a in range(agents):
        props = "\n".join(f"    p{k}: {{type: string, description: Parameter {k} of the tool.}}"
                          for k in range(rng.randint(0, 3)))
        (root / "tools" / f"t{a}.tool.yaml").write_text(
            f"type: tool\nname: t{a}\ndescription: Tool of agent {a}; does one specific thing well.\n"
            f"input_schema:\n  type: object\n  properties:\n{props or '    {}'}\n", encoding="utf-8")
        kids = [c for c in range(1, agents) if (c - 1) // 3 == a]
        subs = "".join(f"  - name: a{c}\n    config_path: ./a{c}.yaml\n" for c in kids)
        prompt = ("You are agent %d. " % a) + "Think step by step and use the tools when needed. " * rng.randint(1, 8)
        (root / f"a{a}.yaml").write_text(
            f"type: agent\nname: a{a}\ndescription: Agent {a} of the team.\nmax_iterations: {rng.randint(5, 60)}\n"
            f"system_prompt: \"{prompt}\"\nllm_config:\n  model: ${{env.LLM_MODEL}}\n  temperature: 0.6\n"
            f"tools:\n  - name: t{a}\n    yaml_path: ./tools/t{a}.tool.yaml\n    binding: bench_tools:t{a}\n"
            + (f"sub_agents:\n{subs}" if subs else ""), encoding="utf-8")
    return root / "a0.yaml"


def nexa4a_framework(root: Path, i: int, agents: int, rng: random.Random) -> Path:
    """A NexA4A framework config in ``root`` (with NexA4A's descriptive keys and one prompt file per agent,
    tools without their files, as NexA4A ships them)."""
    (root / "prompts").mkdir(parents=True, exist_ok=True)
    out = [f"framework:\n  name: Bench {i}\n  description_en: Generated framework {i}.\n  description_zh: 框架 {i}",
           f"framework_name: bench_{i}", "framework_entrance_agent: A0", "version: '1.0.0'",
           "llm_configs:\n  - {llm_name: l, provider: openai, model: nex, api_key: '${LLM_API_KEY}', "
           "base_url: '${LLM_BASE_URL}'}", "agents:"]
    edges = []
    for a in range(agents):
        (root / "prompts" / f"a{a}.md").write_text(f"You are agent {a}. " * rng.randint(1, 8), encoding="utf-8")
        out.append(f"  - agent_name: A{a}\n    description_en: Agent {a}.\n    description_zh: 代理 {a}\n"
                   f"    role: worker\n    layer: {a % 4}\n    capabilities: [c{a}]\n"
                   f"    sysprompt_path: prompts/a{a}.md\n    llm_config: l\n    tools: [bash, t{a}]")
        edges += [f"    - {{from: A{a}, to: A{c}, description: delegate}}" for c in range(1, agents) if (c - 1) // 3 == a]
    out.append("tools:\n  - {tool_name: bash, config_path: null, binding: 'nexau.archs.tool.builtin.bash_tool:bash_tool'}")
    out += [f"  - tool_name: t{a}\n    description: Tool {a}.\n    category: custom\n    config_path: tools/t{a}.yaml"
            for a in range(agents)]
    out.append("workflow:\n  name: wf\n  edges:" + ("\n" + "\n".join(edges) if edges else " []"))
    p = root / "framework_config.yaml"
    p.write_text("\n".join(out) + "\n", encoding="utf-8")
    return p


def _lint_all(files: list[Path]) -> tuple[float, list[float], int]:
    from nexc.lint.run import lint_paths

    per: list[float] = []
    problems = 0
    t0 = time.perf_counter()
    for f in files:
        s = time.perf_counter()
        problems += len(lint_paths([str(f)]))
        per.append(time.perf_counter() - s)
    return time.perf_counter() - t0, per, problems


def _cold(path: Path, runs: int) -> list[float]:
    out = []
    nexc = Path(sys.executable).parent / "nexc"
    cmd = [str(nexc)] if nexc.exists() else [sys.executable, "-m", "nexc"]
    for _ in range(runs):
        s = time.perf_counter()
        subprocess.run([*cmd, "lint", str(path)], capture_output=True, check=False)
        out.append(time.perf_counter() - s)
    return out


def main(argv: list[str] | None = None) -> int:
    """Generate, lint, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frameworks", type=int, default=200)
    ap.add_argument("--cold-runs", type=int, default=7)
    ap.add_argument("--keep", type=Path, help="write the generated specs here and keep them")
    args = ap.parse_args(argv)
    rng = random.Random(20240601)
    root = args.keep or Path(tempfile.mkdtemp(prefix="nexc-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    files, agents_total = [], 0
    for i in range(args.frameworks):
        n = 1 + (i * 33) // max(1, args.frameworks - 1)  # 1 … 34 agents, evenly spread
        agents_total += n
        p = root / f"fw_{i:03d}.nex"
        p.write_text(framework(i, n, rng), encoding="utf-8")
        files.append(p)
    small = root / "small.nex"
    small.write_text('nex 1\nllm main { model = "nex-n1" }\ntool search(q: str) -> str "Search." = python "t:s"\n'
                     'agent a "A." {\n  llm = main\n  prompt = "Work."\n  tools = [search]\n}\n', encoding="utf-8")

    total, per, problems = _lint_all(files)

    # the share of the checks (nexc.checks, in CHECKS order) on already-resolved frameworks
    import importlib

    from nexc.diagnostics import Reporter
    from nexc.pipeline import CHECKS, compile_path

    mods = [importlib.import_module(m) for m in CHECKS]
    saved = CHECKS
    import nexc.pipeline as pipeline

    pipeline.CHECKS = ()
    resolved = [compile_path(f) for f in files]
    pipeline.CHECKS = saved
    s = time.perf_counter()
    for res in resolved:
        for m in mods:
            m.check(res.framework, Reporter(), res.context)
    checks = time.perf_counter() - s
    size = sum(f.stat().st_size for f in files)

    cold = _cold(small, args.cold_runs)

    nexau_files, a4a_files = [], []
    for i in range(args.frameworks):
        n = 1 + (i * 33) // max(1, args.frameworks - 1)
        nexau_files.append(nexau_framework(root / "nexau" / f"fw_{i:03d}", n, rng))
        a4a_files.append(nexa4a_framework(root / "nexa4a" / f"fw_{i:03d}", i, n, rng))
    nexau_total, nexau_per, nexau_problems = _lint_all(nexau_files)
    a4a_total, a4a_per, a4a_problems = _lint_all(a4a_files)
    nexau_cold = _cold(nexau_framework(root / "nexau-small", 1, rng), args.cold_runs)

    rows = [
        ("frameworks linted (one process)", f"{len(files)} ({agents_total} agents, {problems} diagnostics)"),
        ("spec text", f"{size / 1e6:.2f} MB"),
        ("total", f"{total:.2f} s (aim < 5 s)"),
        (f"of which checks (all {len(mods)}, on resolved IR)", f"{checks:.2f} s"),
        ("per framework, median", f"{1000 * statistics.median(per):.1f} ms"),
        ("per framework, p90 / max", f"{1000 * sorted(per)[int(0.9 * len(per))]:.1f} / {1000 * max(per):.1f} ms"),
        ("first framework (warm-up)", f"{1000 * per[0]:.1f} ms"),
        (f"cold `nexc lint` small file, median of {len(cold)}", f"{statistics.median(cold):.3f} s (aim < 0.5 s)"),
        ("cold, min / max", f"{min(cold):.3f} / {max(cold):.3f} s"),
        ("NexAU YAML: frameworks linted", f"{len(nexau_files)} ({agents_total} agent files + as many tool YAMLs, "
                                         f"{nexau_problems} diagnostics)"),
        ("NexAU YAML: total", f"{nexau_total:.2f} s (aim < 2 s)"),
        ("NexAU YAML: per framework, median / max", f"{1000 * statistics.median(nexau_per):.1f} / "
                                                    f"{1000 * max(nexau_per):.1f} ms"),
        (f"NexAU YAML: cold `nexc lint` one file, median of {len(nexau_cold)}",
         f"{statistics.median(nexau_cold):.3f} s (aim < 0.2 s)"),
        ("NexA4A: frameworks linted", f"{len(a4a_files)} ({a4a_problems} diagnostics: the missing tool files)"),
        ("NexA4A: total", f"{a4a_total:.2f} s"),
        ("NexA4A: per framework, median / max", f"{1000 * statistics.median(a4a_per):.1f} / "
                                                f"{1000 * max(a4a_per):.1f} ms"),
    ]
    w = max(len(k) for k, _ in rows)
    print(f"{'measure'.ljust(w)}  value\n{'-' * w}  {'-' * 40}")
    for k, v in rows:
        print(f"{k.ljust(w)}  {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
