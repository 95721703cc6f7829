"""stop_tools: stop tools that are not in the agent's own toolset (NEX412)."""
from __future__ import annotations

from nexc.ir.model import AgentRef, McpSelection, ToolRef


def check(fw, r, ctx) -> None:
    """Report each ``stop`` entry the agent's model cannot call."""
    for a in fw.agents:
        names = {e.name for e in a.tools if isinstance(e, (ToolRef, AgentRef))}
        mcp = {e.server: e.tools for e in a.tools if isinstance(e, McpSelection)}
        for s in a.stop_tools:
            if "." in s:
                server, _, tool = s.partition(".")
                ok = server in mcp and (mcp[server] is None or tool in mcp[server])
            else:
                ok = s in names or any(tools is not None and s in tools for tools in mcp.values())
            if not ok:
                r.report("NEX412", a.stop_tool_span(s), f"stop tool '{s}' of agent '{a.name}' is not in its tools",
                         notes=("the model only sees the tools in `tools`, so it can never call this one",),
                         fix=f"add '{s}' to the tools of '{a.name}'")
