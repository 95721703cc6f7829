"""The tool declarations an agent's model sees, as OpenAI function entries, built from the IR."""
from __future__ import annotations

from nexc.analysis.mcp_names import exposed_name
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
    lockfile, named and described as the runtime offers them (``server__tool``, ``[MCP server.tool] …``;
    ``server.tool`` entries not in the lockfile get an empty object schema)."""
    tools = {t.name: t for t in fw.tools}
    agents = {a.name: a for a in fw.agents}
    servers = {s.name: s for s in fw.mcp_servers}
    out: list[dict] = []
    for e in agent.tools:
        if isinstance(e, ToolRef) and e.name in tools:
            t = tools[e.name]
            out.append({"name": t.name, "description": t.description, "parameters": t.parameters})
        elif isinstance(e, AgentRef) and e.name in agents:
            out.append({"name": e.name, "description": agents[e.name].description, "parameters": SUBAGENT_PARAMETERS})
        elif isinstance(e, McpSelection):
            srv = servers.get(e.server)
            listed = {t["name"]: t for t in (lock or {}).get(e.server, [])}
            names = list(listed) if e.tools is None else list(e.tools)
            for n in names:
                if srv is not None and ((srv.include is not None and n not in srv.include) or n in srv.exclude):
                    continue
                t = listed.get(n, {})
                desc = f"[MCP {e.server}.{n}] {t.get('description') or ''}".strip()  # as the runtime words it
                out.append({"name": exposed_name(e.server, n), "description": desc,
                            "parameters": t.get("inputSchema") or {"type": "object", "properties": {}}})
    return out
