"""drop_unreachable: remove agents that the entry can never start, and tools, llms, MCP servers and
skills that no remaining agent uses."""
from __future__ import annotations

from nexc.analysis.graph import reachable
from nexc.ir.model import McpSelection, SkillRef, ToolRef


def optimise(fw, ctx=None):
    """``fw`` without unreachable agents and unused declarations (order of the rest kept)."""
    keep = set(reachable(fw))
    agents = tuple(a for a in fw.agents if a.name in keep)
    tools = {e.name for a in agents for e in a.tools if isinstance(e, ToolRef)}
    tools |= {s for a in agents for s in a.stop_tools if "." not in s}
    skills = {e.name for a in agents for e in a.tools if isinstance(e, SkillRef)}
    servers = {e.server for a in agents for e in a.tools if isinstance(e, McpSelection)}
    servers |= {s.partition(".")[0] for a in agents for s in a.stop_tools if "." in s}
    llms = {a.llm for a in agents if a.llm}
    if any(a.llm is None for a in agents) and len(fw.llms) == 1:
        llms.add(fw.llms[0].name)  # the only llm is every llm-less agent's default
    return fw.model_copy(update={
        "agents": agents,
        "tools": tuple(t for t in fw.tools if t.name in tools),
        "skills": tuple(s for s in fw.skills if s.name in skills),
        "mcp_servers": tuple(s for s in fw.mcp_servers if s.name in servers),
        "llms": tuple(m for m in fw.llms if m.name in llms),
    })
