"""MCP tools as runtime tools: where their declarations come from, argument checks, observations.

Declarations. A server's tools come from the MCP lockfile (``nexc mcp lock``) when it has a fresh entry
for the server, so loading a framework starts nothing; otherwise the server is started once per loaded
framework to list them (all pages) and stopped again. Calls go to the run's own connection
(:mod:`nexc.mcp.client`).

Naming. Tool ``T`` of server ``S`` is offered to the model as ``S__T``
(:func:`nexc.mcp.names.exposed_name`, the same function lint uses); the description starts
with ``[MCP S.T]`` so the original names stay visible in the trajectory.

Calls. Arguments are validated against the tool's ``inputSchema`` (jsonschema) before the call.
``structured_content`` is preferred for the observation; otherwise text content is joined and other
content (images, audio, resources) is described. ``is_error`` results and ``MCPError`` become
``Error: …`` observations.
"""
from __future__ import annotations

import json
from typing import Any

from nexc.mcp.client import call_tool, list_servers
from nexc.mcp.errors import McpUnavailable
from nexc.mcp.errors import describe_exc as _describe
from nexc.runtime.tools import ToolError, ToolImpl, schema_problems, schema_validator
from nexc.view.tools import mcp_decl
from nexc.view.tools import mcp_tools as offered


def observation(result) -> str:
    """A ``CallToolResult`` as observation text (raises :class:`ToolError` for ``is_error``)."""
    if result.structured_content is not None and not result.is_error:
        return json.dumps(result.structured_content, ensure_ascii=False)
    parts = []
    for block in result.content or ():
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind in ("image", "audio"):
            parts.append(f"[{kind} {getattr(block, 'mime_type', '')}, {len(getattr(block, 'data', '') or '')} "
                         f"base64 chars]")
        elif kind == "resource":
            res = block.resource
            parts.append(getattr(res, "text", None) or f"[resource {res.uri}]")
        elif kind == "resource_link":
            parts.append(f"[resource {block.uri}]")
        else:
            parts.append(str(block))
    text = "\n".join(parts)
    if result.is_error:
        raise ToolError(text or "the MCP tool reported an error")
    return text


def make_tool(server, root_dir: str | None, decl: dict) -> ToolImpl:
    """The runtime tool for one MCP tool declaration ``{"name", "description"?, "inputSchema"?}``."""
    view = mcp_decl(server, decl)
    schema, remote, name, desc = view.parameters, decl["name"], view.name, view.description
    validator = schema_validator(schema)

    async def call_mcp(**args):
        if validator is not None:
            problem = schema_problems(validator, args)
            if problem:
                raise ToolError(f"invalid arguments for '{name}': {problem}")
        return observation(await _call(server, root_dir, remote, args))

    call_mcp.__name__ = name
    impl = ToolImpl(name, desc, schema, fn=call_mcp)
    impl.annotations = dict(decl.get("annotations") or {})  # the server's hints, kept for policy and callers
    impl.required = ()  # jsonschema checks required keys with a better message
    impl.validator = False  # ... in call_mcp, whichever the profile
    return impl


async def _call(server, root_dir, tool: str, args: dict):
    from mcp.shared.exceptions import MCPError

    try:
        return await call_tool(server, root_dir, tool, args)
    except McpUnavailable:
        raise
    except MCPError as exc:
        raise ToolError(f"MCP server '{server.name}' refused the call to '{tool}': {exc.error.message}") from None


def decl(tool) -> dict:
    d: dict[str, Any] = {"name": tool.name}
    if tool.description:
        d["description"] = tool.description
    d["inputSchema"] = tool.input_schema
    ann = getattr(tool, "annotations", None)
    if ann is not None:
        kept = ann.model_dump(by_alias=True, exclude_none=True, mode="json")
        if kept:
            d["annotations"] = kept
    return d


def listed(server, root_dir: str | None) -> list[dict]:
    """Start ``server``, list every tool (all pages), stop it. Raises :class:`McpUnavailable`."""
    got = list_servers([server], root_dir)[server.name]
    if isinstance(got, BaseException):
        raise got if isinstance(got, McpUnavailable) else McpUnavailable(_describe(got))
    return [decl(t) for t in got[1]]


def declarations(fw, server, root_dir: str, cache: dict | None = None):
    """The tool declarations of ``server`` (a fresh lockfile entry, else listed now; once per
    ``cache``), or the exception that kept them from being known (never raises)."""
    from nexc.mcp.lockfile import fresh_lock

    cache = {} if cache is None else cache
    key = ("mcp", server.name)
    if key not in cache:
        try:
            locked = fresh_lock(root_dir, [server]).get(server.name)
            cache[key] = locked if locked is not None else listed(server, root_dir)
        except Exception as exc:  # noqa: BLE001
            cache[key] = exc if isinstance(exc, (ToolError, McpUnavailable)) else McpUnavailable(_describe(exc))
    return cache[key]


def tools_for(server, selection_tools, root_dir: str | None, declared: list[dict] | None = None) -> list[ToolImpl]:
    """The runtime tools of one ``McpSelection`` (``selection_tools``: the names, ``None`` for all), made
    from ``declared`` (locked declarations) or, without them, listed now. Which tools are offered is
    :func:`nexc.view.tools.mcp_tools`'s to say."""
    decls = declared if declared is not None else listed(server, root_dir)
    found, _ = offered(server, selection_tools, decls)
    return [make_tool(server, root_dir, d.decl) for d in found]


def provide(fw, entry, root_dir: str, cache: dict | None = None) -> tuple[list[ToolImpl], list[str]]:
    """The tools of an ``McpSelection`` and problems (never raises). Declarations come from a fresh
    lockfile entry, else from listing the server (once per ``cache``)."""
    server = next((s for s in fw.mcp_servers if s.name == entry.server), None)
    if server is None:
        return [], [f"unknown MCP server '{entry.server}'"]
    decls = declarations(fw, server, root_dir, cache)
    if isinstance(decls, BaseException):
        return [], [f"MCP server '{entry.server}': {decls}"]
    found, problems = offered(server, entry.tools, decls)
    return [make_tool(server, root_dir, d.decl) for d in found], problems
