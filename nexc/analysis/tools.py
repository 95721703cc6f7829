"""The tool declarations an agent's model sees, as OpenAI function entries, built from the IR."""
from __future__ import annotations

from nexc.ir.model import Agent, AgentRef, Framework, McpSelection, ToolRef

#: The parameters a sub-agent takes when its parent calls it as a tool.
SUBAGENT_PARAMETERS = {
    "type": "object",
    "properties": {"task": {"type": "string", "description": "The task for the sub-agent, with all context it needs."}},
    "required": ["task"],
}


def agent_tool_decls(fw: Framework, agent: Agent, lock: dict[str, list[dict]] | None = None) -> list[dict]:
    """``[{"name", "description", "parameters"}]`` for every tool the agent offers its model, in
    toolset order: declared tools, sub-agents (one ``task`` string) and MCP tools known from the
    lockfile (``server.tool`` entries not in the lockfile get an empty object schema)."""
    tools = {t.name: t for t in fw.tools}
    agents = {a.name: a for a in fw.agents}
    out: list[dict] = []
    for e in agent.tools:
        if isinstance(e, ToolRef) and e.name in tools:
            t = tools[e.name]
            out.append({"name": t.name, "description": t.description, "parameters": t.parameters})
        elif isinstance(e, AgentRef) and e.name in agents:
            out.append({"name": e.name, "description": agents[e.name].description, "parameters": SUBAGENT_PARAMETERS})
        elif isinstance(e, McpSelection):
            listed = {t["name"]: t for t in (lock or {}).get(e.server, [])}
            names = list(listed) if e.tools is None else list(e.tools)
            for n in names:
                t = listed.get(n, {})
                out.append({"name": n, "description": str(t.get("description") or ""),
                            "parameters": t.get("inputSchema") or {"type": "object", "properties": {}}})
    return out
