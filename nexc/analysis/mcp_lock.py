"""The MCP lockfile: the tools each MCP server offered when it was last listed.

``nexc.mcp.lock.json`` beside the root spec (the framework's root folder)::

    {"version": 1,
     "servers": {"git": {"tools": [{"name": "git_status", "description": "…", "inputSchema": {…}}, …]}}}

A tool may also be written as a bare name string. nexc reads the file (it never starts servers during
checks) to know the names behind ``server.*`` selections (clash checks) and their declarations
(context-size estimates). A malformed file is reported as NEX417 and otherwise ignored.
"""
from __future__ import annotations

import json
from pathlib import Path

from nexc.diagnostics import Reporter
from nexc.ir.base import Span

LOCKFILE = "nexc.mcp.lock.json"


def load_lock(root_dir: Path, reporter: Reporter | None = None) -> dict[str, list[dict]]:
    """Server name → tool declarations (``{"name", "description"?, "inputSchema"?}``); empty when
    there is no lockfile or it is malformed (reported as NEX417 when ``reporter`` is given)."""
    path = Path(root_dir) / LOCKFILE
    if not path.is_file():
        return {}
    from nexc.source import display_path

    shown = display_path(path)

    def bad(why: str) -> dict:
        if reporter is not None:
            reporter.report("NEX417", Span.point(shown), f"MCP lockfile '{shown}' {why}",
                            fix='write {"version": 1, "servers": {"NAME": {"tools": [{"name": "…"}]}}}')
        return {}

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return bad(f"is not valid JSON ({exc})")
    servers = data.get("servers") if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        return bad("has no 'servers' object")
    out: dict[str, list[dict]] = {}
    for name, entry in servers.items():
        tools = entry.get("tools") if isinstance(entry, dict) else None
        if not isinstance(tools, list):
            return bad(f"server '{name}' has no 'tools' list")
        decls = []
        for t in tools:
            if isinstance(t, str):
                t = {"name": t}
            if not isinstance(t, dict) or not isinstance(t.get("name"), str):
                return bad(f"server '{name}' lists a tool without a name")
            decls.append(t)
        out[str(name)] = decls
    return out


def lock_names(lock: dict[str, list[dict]]) -> dict[str, list[str]]:
    """Server name → tool names."""
    return {s: [t["name"] for t in tools] for s, tools in lock.items()}
