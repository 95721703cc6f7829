"""merge_identical: merge structurally identical tool definitions and sub-agents, rewriting references.

Two tools are identical when everything but their name and span is equal (description, parameters,
returns, binding, flags); two agents likewise (description, llm, prompt, toolset after earlier
merges, limits, format …). The entry agent is never merged away. Of each group the name that sorts
first survives; references (toolsets, stop tools, the entry) are rewritten and a toolset that now
names the survivor twice keeps it once. Merging repeats until nothing changes (merged tools can make
agents identical).
"""
from __future__ import annotations

import json

from nexc.ir.base import strip_spans
from nexc.ir.model import AgentRef, ToolRef


def _key(node) -> str:
    data = strip_spans(node)
    data.pop("name", None)
    return json.dumps(data, sort_keys=True, default=str)


def _groups(nodes, protected: str | None = None) -> dict[str, str]:
    """Name → surviving name for every node merged into another."""
    by_key: dict[str, list[str]] = {}
    for n in nodes:
        by_key.setdefault(_key(n), []).append(n.name)
    out = {}
    for names in by_key.values():
        if len(names) < 2:
            continue
        keep = protected if protected in names else min(names)
        out.update({n: keep for n in names if n != keep})
    return out


def _rewrite_agent(a, tools: dict[str, str], agents: dict[str, str]):
    entries, seen = [], set()
    for e in a.tools:
        if isinstance(e, ToolRef) and e.name in tools:
            e = e.model_copy(update={"name": tools[e.name]})
        elif isinstance(e, AgentRef) and e.name in agents:
            e = e.model_copy(update={"name": agents[e.name]})
        ident = (e.kind, getattr(e, "name", None) or getattr(e, "server", None), getattr(e, "tools", None))
        if ident in seen and e.kind in ("tool", "agent", "skill"):
            continue
        seen.add(ident)
        entries.append(e)
    renames = {**tools, **agents}
    stops = tuple(dict.fromkeys(renames.get(s, s) for s in a.stop_tools))
    return a.model_copy(update={"tools": tuple(entries), "stop_tools": stops})


def optimise(fw, ctx=None):
    """``fw`` with identical tools and agents merged (a fixpoint)."""
    for _ in range(len(fw.agents) + len(fw.tools) + 1):
        tools = _groups(fw.tools)
        agents = _groups(fw.agents, protected=fw.entry)
        if not tools and not agents:
            break
        fw = fw.model_copy(update={
            "tools": tuple(t for t in fw.tools if t.name not in tools),
            "agents": tuple(_rewrite_agent(a, tools, agents) for a in fw.agents if a.name not in agents),
        })
    return fw
