"""The tool declarations an agent's model sees, for static analysis: the view's
(:func:`nexc.view.tools.agent_tools`), with MCP tools known from the lockfile."""
from __future__ import annotations

from nexc.ir.model import Agent, Framework
from nexc.view.agent import framework_profile
from nexc.view.tools import agent_tools


def agent_tool_decls(fw: Framework, agent: Agent, lock: dict[str, list[dict]] | None = None) -> list[dict]:
    """``[{"name", "description", "parameters"}]`` for every tool the agent offers its model, in the order
    and with the names and descriptions the runtime offers them; MCP tools come from the lockfile (a
    ``server.tool`` selection that is not locked gets an empty object schema)."""
    profile = framework_profile(fw)
    lock = lock or {}
    decls, _ = agent_tools(fw, agent, profile, text_mode=(agent.tool_format or "openai") != "openai",
                           mcp=lambda server: lock.get(server.name))
    return [{"name": d.name, "description": d.description, "parameters": d.parameters} for d in profile.order(decls)]
