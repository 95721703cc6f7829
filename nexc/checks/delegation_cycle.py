"""delegation_cycle: delegation cycles that no ``max_depth`` bounds (NEX405).

A cycle is bounded when it passes through an agent with ``max_depth``. Removing every bounded agent
from the delegation graph leaves exactly the unbounded cycles; each strongly connected component
with a cycle is reported once, at its first agent, with one concrete cycle as the example.

For frameworks on the nexau profile (NexAU and NexA4A configs, which cannot say ``max_depth``, and NexAU
ships agents that list themselves as sub-agents) it is a warning: the runtime's default depth bound
(``Settings.max_depth``) stops the recursion.
"""
from __future__ import annotations

from nexc.analysis.graph import cycles, delegation_graph, find_cycle


def check(fw, r, ctx) -> None:
    """Report each group of agents that can recurse without a depth bound."""
    agents = {a.name: a for a in fw.agents}
    graph = delegation_graph(fw)
    unbounded = {n: [c for c in cs if agents[c].limits.max_depth is None]
                 for n, cs in graph.items() if agents[n].limits.max_depth is None}
    for comp in cycles(unbounded):
        path = find_cycle(unbounded, comp)
        a = agents[comp[0]]
        where = next((e.span for e in a.tools if getattr(e, "name", None) == path[1]), a.span)
        if fw.profile == "nexau":
            from nexc.runtime.types import Settings

            r.report("NEX405", where, f"agents delegate in a cycle with no depth bound: {' → '.join(path)}",
                     notes=(f"agents in the cycle: {', '.join(comp)}",
                            f"the runtime stops the recursion at its default depth bound: an agent runs at most "
                            f"{Settings().max_depth} times on one delegation stack (Settings.max_depth)"),
                     severity="warning")
            continue
        from nexc.lint.edits import setting_edit

        sources = ctx.sources if ctx is not None else r.sources
        r.report("NEX405", where,
                 f"agents delegate in a cycle with no depth bound: {' → '.join(path)}",
                 notes=(f"agents in the cycle: {', '.join(comp)}",),
                 fix=f"set `max_depth` on one of them, e.g. `max_depth = 3` in agent '{comp[0]}'",
                 edits=setting_edit(a.span, "max_depth", "3", sources))
