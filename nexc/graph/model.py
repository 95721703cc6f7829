"""What a picture of a framework shows, independent of how it is drawn.

:func:`build` turns a resolved :class:`~nexc.ir.model.Framework` into a :class:`Picture`: one box per
agent (name, description, tool-call format, limits, worst-case LLM calls, tools, stop tools, skills, MCP
selections, middleware and other extensions) and per MCP server (transport and the tools it offers: the
lockfile's list, filtered by the server's include/exclude/deny, when the server is locked; else the tools
the agents name), and the links between them (delegation, MCP use). The worst-case numbers come from
:mod:`nexc.analysis` — the report of ``nexc analyse`` when the caller has one, else :func:`summary`,
which calls the same functions.
Every string in a box has been through :func:`nexc.graph.text.printable`.
"""
from __future__ import annotations

from dataclasses import dataclass

from nexc.analysis.cost import worst_case_calls
from nexc.analysis.graph import cycles, delegation_graph, depth_and_fanout, reachable
from nexc.graph.text import MAX_CELLS, cut, printable, wrap_items
from nexc.ir.model import Agent, Framework, McpSelection, SkillRef, ToolRef


@dataclass(frozen=True)
class Line:
    """One line of text in a box; ``style`` is ``title``, ``meta``, ``note`` or ``item``."""

    text: str
    style: str = "item"


@dataclass(frozen=True)
class Box:
    """An agent or MCP server. ``id`` is a safe identifier (``a0``, ``m0``); ``name`` the raw user name."""

    id: str
    kind: str
    name: str
    lines: tuple[Line, ...]
    tags: tuple[str, ...] = ()
    tooltip: str = ""


@dataclass(frozen=True)
class Link:
    """A delegation (``delegate``: agent starts sub-agent) or an MCP use (``mcp``: agent → server)."""

    src: str
    dst: str
    kind: str


@dataclass(frozen=True)
class Picture:
    """Everything drawn: a header, the boxes (entry first) and the links."""

    name: str
    header: tuple[str, ...]
    boxes: tuple[Box, ...]
    links: tuple[Link, ...]


def summary(fw: Framework) -> dict:
    """The part of ``nexc analyse``'s report a picture shows, from the same analysis functions."""
    cost = worst_case_calls(fw)
    return {"worst_case_llm_calls": cost["calls"], "worst_case_status": cost["status"],
            "depth": depth_and_fanout(fw)["depth"], "cycles": cycles(delegation_graph(fw)),
            "agents": [{"name": n, "worst_case_llm_calls": v} for n, v in cost["agents"].items()]}


def _calls(v, status: str = "bounded") -> str:
    if v is None:
        return "too many to compute" if status == "too-large" else "unbounded"
    return f"{v:,}"


def _mcp_tools(server, lock: dict | None, named: list[str], wants_all: bool) -> tuple[list[str], bool]:
    """The tool names to show for ``server`` and whether they come from the lockfile."""
    if lock and server.name in lock:
        from nexc.mcp.names import denied_by

        out = []
        for decl in lock[server.name]:
            t = decl["name"] if isinstance(decl, dict) else str(decl)
            if server.include is not None and t not in server.include or t in server.exclude:
                continue
            if denied_by(server.deny, decl.get("annotations") if isinstance(decl, dict) else None):
                continue
            if wants_all or t in named:
                out.append(t)
        return out, True
    return list(dict.fromkeys(named)), False


def _agent_lines(a: Agent, calls: str | None, reach: bool) -> list[Line]:
    lines = [Line(cut(printable(a.name)), "title")]
    if a.description:
        lines.append(Line(cut(printable(" ".join(a.description.split()))), "note"))
    lim = a.limits
    meta = f"{printable(a.tool_format)} · ≤{lim.max_iterations:,} iterations"
    lines.append(Line(cut(meta), "meta"))
    ctx = f"context {lim.context_tokens:,} tokens" + (f" · depth ≤{lim.max_depth}" if lim.max_depth else "")
    lines.append(Line(cut(ctx), "meta"))
    lines.append(Line(f"worst case {calls} LLM calls" if reach else "unreachable from the entry", "meta"))
    stops = list(dict.fromkeys(a.stop_tools))
    tools = [e.name for e in a.tools if isinstance(e, ToolRef) and e.name not in stops]
    mcp = [f"{e.server}.*" if e.tools is None else f"{e.server}.{t}"
           for e in a.tools if isinstance(e, McpSelection) for t in (e.tools or ("*",))]
    mcp = [m for m in mcp if m not in stops]
    skills = [e.name for e in a.tools if isinstance(e, SkillRef)]
    plugged = {}
    for x in a.extensions:  # middleware, hooks, tracers: the class or function name
        plugged.setdefault(x.kind, []).append(x.target.replace(":", ".").rsplit(".", 1)[-1])
    groups = [("tools", tools), ("mcp", mcp), ("stop", stops), ("skills", skills)] + sorted(plugged.items())
    for label, items in groups:
        if items:
            shown = [printable(i) for i in dict.fromkeys(items)]
            lines += [Line(t) for t in wrap_items(label, shown, MAX_CELLS)]
    return lines


def build(fw: Framework, analysis: dict | None = None, lock: dict | None = None) -> Picture:
    """The picture of ``fw``; ``analysis`` is ``nexc analyse``'s report (or :func:`summary`'s, or what
    :func:`~nexc.analysis.cost.worst_case_calls` returns), ``lock`` the MCP lockfile's server → tool
    declarations."""
    rep = analysis if analysis is not None else summary(fw)
    if "calls" in rep and isinstance(rep.get("agents"), dict):  # worst_case_calls() itself
        rep = {"worst_case_llm_calls": rep["calls"], "worst_case_status": rep.get("status", "bounded"),
               "agents": [{"name": n, "worst_case_llm_calls": v} for n, v in rep["agents"].items()],
               "depth": depth_and_fanout(fw)["depth"], "cycles": cycles(delegation_graph(fw))}
    per = {a["name"]: a.get("worst_case_llm_calls") for a in rep.get("agents", ())}
    status = rep.get("worst_case_status", "bounded")
    reach = reachable(fw)
    order = reach + [a.name for a in fw.agents if a.name not in set(reach)]
    in_cycle = {n for c in rep.get("cycles", ()) for n in c}
    ids = {name: f"a{i}" for i, name in enumerate(order)}
    boxes: list[Box] = []
    links: list[Link] = []
    graph = delegation_graph(fw)
    for name in order:
        a = fw.agent(name)
        tags = tuple(t for t, on in (("entry", name == fw.entry), ("unreachable", name not in set(reach)),
                                     ("cycle", name in in_cycle)) if on)
        desc = " ".join(a.description.split())
        tip = printable(a.name) + (f" — {printable(desc)}" if desc else "")
        lines = _agent_lines(a, _calls(per.get(name)), name in reach)
        boxes.append(Box(ids[name], "agent", a.name, tuple(lines), tags, tip))
        links += [Link(ids[name], ids[c], "delegate") for c in graph[name]]
    used: dict[str, list[str]] = {}
    for name in order:
        for e in fw.agent(name).tools:
            if isinstance(e, McpSelection):
                used.setdefault(e.server, [])
                if ids[name] not in used[e.server]:
                    used[e.server].append(ids[name])
    for i, srv in enumerate(fw.mcp_servers):
        sels = [e for a in fw.agents for e in a.tools if isinstance(e, McpSelection) and e.server == srv.name]
        named = [t for e in sels for t in (e.tools or ())]
        wants_all = any(e.tools is None for e in sels)
        tools, locked = _mcp_tools(srv, lock, named, wants_all)
        lines = [Line(cut(printable(srv.name)), "title"),
                 Line(f"MCP server · {srv.transport}" + (" · locked" if locked else ""), "meta")]
        if tools:
            lines += [Line(t) for t in wrap_items("tools", [printable(t) for t in tools], MAX_CELLS, 8)]
        elif wants_all:
            lines.append(Line("all its tools (not locked: nexc mcp lock)", "note"))
        mid = f"m{i}"
        tags = () if sels else ("unused",)
        boxes.append(Box(mid, "mcp", srv.name, tuple(lines), tags, printable(srv.name)))
        links += [Link(src, mid, "mcp") for src in used.get(srv.name, ())]
    depth = str(rep["depth"]) if rep.get("depth") is not None else "unbounded (cycle)"
    plural = "s" * (len(fw.agents) != 1)
    calls = _calls(rep.get("worst_case_llm_calls"), status)
    header = [f"{printable(fw.name)}: {len(fw.agents)} agent{plural}, entry {printable(fw.entry)}",
              f"worst case {calls} LLM calls per run · depth {depth}"]
    for c in rep.get("cycles", ()):
        ring = " ↔ ".join(printable(n) for n in c) if len(c) > 1 else f"{printable(c[0])} → itself"
        header.append(cut("delegation cycle: " + ring, 100))
    return Picture(fw.name, tuple(header), tuple(boxes), tuple(links))
