"""unused: agents not reachable from the entry (NEX401) and tools, llms and MCP servers that no agent
uses (NEX402–NEX404). Only declarations in the root spec file are reported as unused.

When a reference could not be resolved (NEX301–NEX304, or NEX600/NEX601/NEX620 from the
compatibility frontends, were reported), the check is skipped: the
dropped reference would make its intended target look unused or unreachable, which is noise beside
the real error (``tools = [serch]`` must not also say "tool search is unused").
"""
from __future__ import annotations

from nexc.analysis.graph import reachable
from nexc.ir.model import McpSelection, ToolRef


#: Codes after which some references are missing from the IR (names, NexAU files, NexA4A workflow nodes).
_UNRESOLVED = frozenset(("NEX301", "NEX302", "NEX303", "NEX304", "NEX600", "NEX601", "NEX620"))


def _in_root(node, ctx) -> bool:
    if ctx is None or not ctx.files:
        return True
    return node.span.file == ctx.files[0].path


def check(fw, r, ctx) -> None:
    """Report unreachable agents and unused declarations of the root spec."""
    if any(d.code in _UNRESOLVED for d in r.diagnostics):
        return
    reach = set(reachable(fw))
    for a in fw.agents:
        if a.name not in reach:
            r.report("NEX401", a.span, f"agent '{a.name}' is not reachable from the entry agent '{fw.entry}'",
                     fix=f"add '{a.name}' to the tools of an agent that is reachable, or delete it")
    used_tools = {e.name for a in fw.agents for e in a.tools if isinstance(e, ToolRef)}
    used_tools |= {s for a in fw.agents for s in a.stop_tools}
    for t in fw.tools:
        if t.name not in used_tools and _in_root(t, ctx):
            r.report("NEX402", t.span, f"tool '{t.name}' is declared but no agent uses it",
                     fix=f"add '{t.name}' to an agent's tools, or delete it")
    used_llms = {a.llm for a in fw.agents if a.llm}
    if len(fw.llms) == 1 and any(a.llm is None for a in fw.agents):
        used_llms.add(fw.llms[0].name)
    for llm in fw.llms:
        if llm.name not in used_llms and _in_root(llm, ctx):
            r.report("NEX403", llm.span, f"llm '{llm.name}' is declared but no agent uses it",
                     fix=f"set `llm = {llm.name}` in an agent, or delete it")
    used_servers = {e.server for a in fw.agents for e in a.tools if isinstance(e, McpSelection)}
    used_servers |= {s.partition(".")[0] for a in fw.agents for s in a.stop_tools if "." in s}
    for s in fw.mcp_servers:
        if s.name not in used_servers and _in_root(s, ctx):
            r.report("NEX404", s.span, f"MCP server '{s.name}' is declared but no agent uses its tools",
                     fix=f"add '{s.name}.*' to an agent's tools, or delete it")
