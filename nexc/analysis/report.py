"""``nexc analyse``: everything static analysis knows about a framework, as data and as text."""
from __future__ import annotations

from nexc.analysis.context import all_formats, static_context
from nexc.analysis.cost import is_sequential, worst_case_calls
from nexc.analysis.graph import cycles, delegation_graph, depth_and_fanout, reachable
from nexc.mcp.lockfile import load_lock


def analyse(fw, ctx, formats: list[str] | None = None, context: dict | None = None) -> dict:
    """A JSON-ready report: hierarchy (depth, fan-out, cycles), worst-case LLM calls, and per agent its
    limits and static context size in every format (or ``formats``): the tokens of its first request's
    system message and tools, template prompts rendered with ``context`` as a run renders them."""
    root = ctx.root_dir if ctx is not None else None
    lock = load_lock(root) if root is not None else {}
    formats = formats or all_formats()
    graph = delegation_graph(fw)
    shape = depth_and_fanout(fw)
    cost = worst_case_calls(fw)
    agents = []
    for name in reachable(fw) + [a.name for a in fw.agents if a.name not in set(reachable(fw))]:
        a = fw.agent(name)
        sizes = {}
        for f in dict.fromkeys([a.tool_format] + list(formats)):
            try:
                sizes[f] = static_context(fw, a, f, root, lock, context=context, render=True)["total_tokens"]
            except Exception:  # noqa: BLE001 - an unknown or broken format is reported elsewhere
                continue
        own = sizes.get(a.tool_format)
        agents.append({
            "name": name, "reachable": name in cost["agents"], "tool_format": a.tool_format,
            "max_iterations": a.limits.max_iterations, "max_depth": a.limits.max_depth,
            "sequential": is_sequential(a), "sub_agents": graph[name], "tools": len(a.tools),
            "worst_case_llm_calls": cost["agents"].get(name),
            "context_tokens": a.limits.context_tokens, "static_tokens": own,
            "static_share": round(own / a.limits.context_tokens, 4) if own is not None else None,
            "static_tokens_by_format": sizes,
        })
    return {
        "framework": fw.name, "entry": fw.entry,
        "worst_case_llm_calls": cost["calls"], "worst_case_status": cost["status"],
        "depth": shape["depth"], "max_fanout": shape["max_fanout"],
        "cycles": [c for c in cycles(graph)],
        "token_estimate": "ceil(utf8_bytes / 4)",
        "agents": agents,
    }


def _calls(v, status: str = "bounded") -> str:
    if v is None:
        return "too large to compute" if status == "too-large" else "unbounded"
    return f"{v:,}"


def render_text(rep: dict) -> str:
    """A readable report: summary, then one table of agents and one of static context per format."""
    lines = [f"framework {rep['framework']} (entry {rep['entry']})",
             f"  worst-case LLM calls per run: {_calls(rep['worst_case_llm_calls'], rep['worst_case_status'])}",
             f"  hierarchy depth: {rep['depth'] if rep['depth'] is not None else 'unbounded (cycle)'}; "
             f"max fan-out: {rep['max_fanout']}"]
    for c in rep["cycles"]:
        lines.append(f"  delegation cycle: {' ↔ '.join(c)}")
    lines.append("")
    head = ("agent", "iters", "depth", "mode", "subs", "worst calls", "format", "static tok", "context", "share")
    rows = [head]
    for a in rep["agents"]:
        rows.append((a["name"] + ("" if a["reachable"] else " (unreachable)"), str(a["max_iterations"]),
                     str(a["max_depth"] or "-"), "seq" if a["sequential"] else "par", str(len(a["sub_agents"])),
                     _calls(a["worst_case_llm_calls"]) if a["reachable"] else "-", a["tool_format"],
                     f"{a['static_tokens']:,}" if a["static_tokens"] is not None else "?",
                     f"{a['context_tokens']:,}",
                     f"{100 * a['static_share']:.1f}%" if a["static_share"] is not None else "?"))
    lines += _table(rows)
    formats = sorted({f for a in rep["agents"] for f in a["static_tokens_by_format"]})
    if formats and rep["agents"]:
        lines += ["", f"static context per tool-call format (tokens, estimate {rep['token_estimate']}):"]
        rows = [("format",) + tuple(a["name"] for a in rep["agents"])]
        for f in formats:
            rows.append((f,) + tuple(f"{a['static_tokens_by_format'].get(f, 0):,}" for a in rep["agents"]))
        lines += _table(rows)
    return "\n".join(lines) + "\n"


def _table(rows) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        out.append("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                   .rstrip())
        if n == 0:
            out.append("  " + "  ".join("-" * w for w in widths))
    return out
