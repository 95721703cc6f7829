"""The tools an agent's model is offered, in toolset order: one definition for the runtime and for
static analysis.

Each entry of an agent's toolset becomes :class:`ToolDecl` s:

- a declared tool: its name, description and JSON Schema;
- a sub-agent: one tool whose name, parameter and description the profile decides
  (:meth:`nexc.view.profile.Profile.subagent_tool`);
- an MCP selection: one tool per MCP tool the server declares (the lockfile, or the live listing the
  runtime makes), named ``server__tool`` with ``[MCP server.tool]`` before its description; tools the
  server's ``include``/``exclude``/``deny`` keep back are left out;
- skills: after every other entry, one ``load_skill`` tool that names the agent's skills.

A name offered twice keeps its first entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from nexc.mcp.names import denied_by, exposed_name
from nexc.ir.model import Agent, AgentRef, Framework, McpSelection, SkillRef, ToolRef

LOAD_SKILL = "load_skill"
EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}

#: what a caller hands in for an MCP server: its tool declarations (``{"name", "description"?,
#: "inputSchema"?, "annotations"?}``), None when they are not known (no lockfile entry), or the
#: exception that kept them from being listed
McpDecls = Callable[[Any], "list[dict] | BaseException | None"]


@dataclass(frozen=True)
class ToolDecl:
    """One tool as the model sees it. ``kind``: ``tool``, ``agent``, ``mcp`` or ``skill``;
    ``ref``: the IR tool or agent name, the MCP ``(server, tool)``, or None for ``load_skill``."""

    name: str
    description: str
    parameters: dict
    kind: str
    ref: Any = None
    decl: dict | None = field(default=None, compare=False)  # an MCP tool's declaration

    @property
    def schema(self) -> dict:
        """The OpenAI ``tools`` entry."""
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": self.parameters}}


def skill_tool(names: list[str]) -> ToolDecl:
    """The built-in tool that loads a skill's instructions."""
    return ToolDecl(LOAD_SKILL, "Load a skill: its full instructions and the list of its files.",
                    {"type": "object", "properties": {"name": {"type": "string", "enum": sorted(names),
                                                               "description": "The skill's name."}},
                     "required": ["name"]}, "skill")


def mcp_tools(server, selection: tuple[str, ...] | None,
              decls: list[dict] | None) -> tuple[list[ToolDecl], list[str]]:
    """The tools of one MCP selection, and the selected names it cannot offer. Without declarations:
    the tools the selection names, with an empty schema (what lint knows of a server not locked)."""
    problems = []
    if decls is None:
        decls = [{"name": n} for n in selection or ()]
    elif selection is not None:
        have = {d["name"]: d for d in decls}
        for t in selection:
            why = denied_by(getattr(server, "deny", ()), have[t].get("annotations")) if t in have else None
            if t not in have:
                problems.append(f"MCP server '{server.name}' has no tool '{t}'")
            elif why:
                problems.append(f"MCP tool '{server.name}.{t}' is not offered: the server denies {why} tools")
    out = []
    for d in decls:
        remote = d["name"]
        if (server.include is not None and remote not in server.include) or remote in server.exclude:
            continue
        if selection is not None and remote not in selection:
            continue
        if denied_by(getattr(server, "deny", ()), d.get("annotations")):
            continue
        out.append(mcp_decl(server, d))
    return out, problems


def mcp_decl(server, d: dict) -> ToolDecl:
    """One MCP tool declaration as the model sees it: ``server__tool``, ``[MCP server.tool] …``."""
    schema = dict(d.get("inputSchema") or EMPTY_SCHEMA)
    schema.setdefault("type", "object")
    remote = d["name"]
    desc = f"[MCP {server.name}.{remote}] {d.get('description') or ''}".strip()
    return ToolDecl(exposed_name(server.name, remote), desc, schema, "mcp", (server.name, remote), d)


def agent_tools(fw: Framework, agent: Agent, profile, *, text_mode: bool,
                mcp: McpDecls | None = None, skill_names: list[str] | None = None) -> tuple[list[ToolDecl], list[str]]:
    """The agent's tools in toolset order, and what kept some from the model (unknown names, MCP
    servers that could not be listed)."""
    tools = {t.name: t for t in fw.tools}
    servers = {s.name: s for s in fw.mcp_servers}
    out: dict[str, ToolDecl] = {}
    problems: list[str] = []
    skills: list[str] = []
    for e in agent.tools:
        if isinstance(e, ToolRef):
            t = tools.get(e.name)
            if t is not None:
                out.setdefault(t.name, ToolDecl(t.name, t.description, t.parameters, "tool", t.name))
        elif isinstance(e, AgentRef):
            child = fw.agent(e.name)
            decl = profile.subagent_tool(e.name, child.description if child else "", text_mode)
            out.setdefault(decl.name, decl)
        elif isinstance(e, SkillRef):
            if skill_names is None or e.name in skill_names:
                skills.append(e.name)
        elif isinstance(e, McpSelection):
            server = servers.get(e.server)
            if server is None:
                problems.append(f"unknown MCP server '{e.server}'")
                continue
            decls = mcp(server) if mcp is not None else None
            if isinstance(decls, BaseException):
                problems.append(f"MCP server '{e.server}': {decls}")
                continue
            found, missing = mcp_tools(server, e.tools, decls)
            problems += missing
            for d in found:
                out.setdefault(d.name, d)
    if skills:
        out.setdefault(LOAD_SKILL, skill_tool(skills))
    return list(out.values()), problems
