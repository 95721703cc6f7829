"""canonical_order: declarations in a canonical order, so equivalent specs give identical output.

Llms, tools, MCP servers and skills are sorted by name; agents start with the entry and follow in
breadth-first delegation order (sub-agents in toolset order), then any others by name. Orders the
model sees — a toolset, schema properties, ``required`` — are kept as written.
"""
from __future__ import annotations

from nexc.analysis.graph import delegation_graph


def optimise(fw, ctx=None):
    """``fw`` with its declarations in canonical order."""
    graph = delegation_graph(fw)
    order: list[str] = []
    queue = [fw.entry] if fw.entry in graph else []
    while queue:
        n = queue.pop(0)
        if n in order:
            continue
        order.append(n)
        queue.extend(graph[n])
    order += sorted(n for n in graph if n not in order)
    rank = {n: i for i, n in enumerate(order)}
    return fw.model_copy(update={
        "llms": tuple(sorted(fw.llms, key=lambda x: x.name)),
        "tools": tuple(sorted(fw.tools, key=lambda x: x.name)),
        "mcp_servers": tuple(sorted(fw.mcp_servers, key=lambda x: x.name)),
        "skills": tuple(sorted(fw.skills, key=lambda x: x.name)),
        "agents": tuple(sorted(fw.agents, key=lambda a: rank[a.name])),
    })
