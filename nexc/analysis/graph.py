"""The delegation graph of a framework: which agents an agent may start, what is reachable from
the entry, which cycles exist, and the names each agent's toolset offers the model."""
from __future__ import annotations

from typing import Iterable

from nexc.mcp.names import exposed_name
from nexc.ir.model import Agent, AgentRef, Framework, McpSelection, SkillRef, ToolRef


def children(agent: Agent) -> list[str]:
    """Names of the sub-agents in ``agent``'s toolset, in toolset order, each once."""
    return list(dict.fromkeys(e.name for e in agent.tools if isinstance(e, AgentRef)))


def delegation_graph(fw: Framework) -> dict[str, list[str]]:
    """Agent name → sub-agent names (only declared agents), for every agent of ``fw``."""
    names = {a.name for a in fw.agents}
    return {a.name: [c for c in children(a) if c in names] for a in fw.agents}


def reachable(fw: Framework) -> list[str]:
    """Agents reachable from the entry (the entry first, then depth-first in toolset order)."""
    graph = delegation_graph(fw)
    out: list[str] = []
    seen: set[str] = set()
    stack = [fw.entry] if fw.entry in graph else []
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        out.append(n)
        stack.extend(reversed(graph[n]))
    return out


def strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), each in graph order; deterministic."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph[nxt])))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                order = list(graph)
                out.append(sorted(comp, key=order.index))
    return out


def cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Components that contain a cycle (two or more agents, or one agent that delegates to itself)."""
    return [c for c in strongly_connected(graph) if len(c) > 1 or c[0] in graph[c[0]]]


def find_cycle(graph: dict[str, list[str]], members: Iterable[str]) -> list[str]:
    """One concrete cycle inside a strongly connected set ``members``, as a path ``a → … → a``."""
    members = list(members)
    inside = set(members)
    start = members[0]
    parent: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        n = queue.pop(0)
        for c in graph[n]:
            if c not in inside:
                continue
            if c == start:
                path = [n]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])  # type: ignore[arg-type]
                return [start] + list(reversed(path))[1:] + [start] if n != start else [start, start]
            if c not in parent:
                parent[c] = n
                queue.append(c)
    return [start, start]


def exposed_names(agent: Agent, lock: dict[str, list[str]] | None = None, fw: Framework | None = None
                  ) -> list[tuple[str, object]]:
    """The tool names ``agent``'s toolset offers the model, each with the entry that offers it.

    Declared tools and sub-agents keep their names; MCP tool ``T`` of server ``S`` is offered as
    ``exposed_name(S, T)`` (``S__T``), exactly as the runtime names it. ``server.*`` contributes names
    only when ``lock`` (server → tool names, from the MCP lockfile) lists the server, filtered by the
    server's ``include``/``exclude``. Skills are not tools.
    """
    out: list[tuple[str, object]] = []
    servers = {s.name: s for s in fw.mcp_servers} if fw is not None else {}
    for e in agent.tools:
        if isinstance(e, (ToolRef, AgentRef)):
            out.append((e.name, e))
        elif isinstance(e, McpSelection):
            if e.tools is not None:
                out.extend((exposed_name(e.server, t), e) for t in e.tools)
            elif lock and e.server in lock:
                srv = servers.get(e.server)
                for t in lock[e.server]:
                    if srv is not None and ((srv.include is not None and t not in srv.include) or t in srv.exclude):
                        continue
                    out.append((exposed_name(e.server, t), e))
        elif isinstance(e, SkillRef):
            continue
    return out


def depth_and_fanout(fw: Framework) -> dict:
    """Depth of the hierarchy from the entry (1 = the entry alone; ``None`` when a cycle makes it
    unbounded by structure) and fan-out (sub-agents per agent; the maximum)."""
    graph = delegation_graph(fw)
    reach = reachable(fw)
    cyc = {n for c in cycles({k: graph[k] for k in reach}) for n in c} if reach else set()
    depth: int | None
    if cyc:
        depth = None
    else:
        memo: dict[str, int] = {}

        def d(n: str) -> int:
            if n not in memo:
                memo[n] = 1 + max((d(c) for c in graph[n]), default=0)
            return memo[n]

        depth = d(fw.entry) if fw.entry in graph else 0
    fan = {n: len(graph[n]) for n in reach}
    return {"depth": depth, "fanout": fan, "max_fanout": max(fan.values(), default=0)}
