"""name_clash: two entries of one agent's toolset that offer the model the same tool name (NEX400)."""
from __future__ import annotations

from nexc.analysis.graph import exposed_names
from nexc.mcp.lockfile import load_lock, lock_names
from nexc.ir.model import AgentRef, McpSelection, ToolRef


def _describe(name: str, entry) -> str:
    if isinstance(entry, ToolRef):
        return f"tool '{name}'"
    if isinstance(entry, AgentRef):
        return f"sub-agent '{name}'"
    if isinstance(entry, McpSelection):
        return f"MCP tool '{name}' of server '{entry.server}'"
    return f"'{name}'"


def check(fw, r, ctx) -> None:
    """Report each name offered twice within one agent's toolset, at the later entry."""
    lock = lock_names(load_lock(ctx.root_dir, r)) if ctx is not None else {}
    for agent in fw.agents:
        first: dict[str, object] = {}
        for name, entry in exposed_names(agent, lock, fw):
            prev = first.get(name)
            if prev is None:
                first[name] = entry
                continue
            if prev is entry:
                continue
            r.report("NEX400", entry.span,
                     f"agent '{agent.name}' offers two tools named '{name}': {_describe(name, prev)} and "
                     f"{_describe(name, entry)}",
                     notes=(f"the first is at {prev.span}",),
                     fix="keep one of them, or rename one through a declared wrapper tool")
