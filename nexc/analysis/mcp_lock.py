"""The MCP lockfile: the tools each MCP server offered when it was last listed (``nexc mcp lock``).

``nexc.mcp.lock.json`` beside the root spec (the framework's root folder)::

    {"version": 1,
     "servers": {"git": {"config": "sha256:…", "server": {"name": "…", "version": "…"},
                         "tools": [{"name": "git_status", "description": "…", "inputSchema": {…}}, …]}}}

A tool may also be written as a bare name string. ``config`` is :func:`config_hash` of the server's
declaration when it was locked; when the spec's declaration hashes differently the entry is stale
(NEX419). Entries without ``config`` (written by hand) are taken as they are. nexc reads the file and
never starts servers during checks: it gives the names behind ``server.*`` selections (clash checks),
their declarations (context-size estimates, the runtime's tool list, bundles). A malformed file is
reported as NEX417 and otherwise ignored.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from nexc.diagnostics import Reporter
from nexc.ir.base import Span

LOCKFILE = "nexc.mcp.lock.json"


def _text(value):
    if value is None or isinstance(value, str):
        return value
    name = getattr(value, "name", None)
    return {"env": name} if getattr(value, "kind", None) == "env" else str(value)


def server_config(server) -> dict:
    """What decides the tools a server offers: transport, command, args, cwd, url, and the *names* of its
    ``env`` and ``headers`` (never their values; ``env(...)`` references by variable name only)."""
    return {"transport": server.transport, "command": _text(server.command),
            "args": [_text(a) for a in server.args], "cwd": server.cwd, "url": _text(server.url),
            "env": sorted(server.env), "headers": sorted(k.lower() for k in server.headers)}


def config_hash(server) -> str:
    """``sha256:<16 hex>`` of :func:`server_config` (stable across runs and machines)."""
    text = json.dumps(server_config(server), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load_entries(root_dir: Path, reporter: Reporter | None = None) -> dict[str, dict] | None:
    """Server name → ``{"tools": [decl], "config": str | None, "server": dict | None}``; ``None`` when there is
    no lockfile, ``{}`` when it is malformed (reported as NEX417 when ``reporter`` is given)."""
    path = Path(root_dir) / LOCKFILE
    if not path.is_file():
        return None
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
    out: dict[str, dict] = {}
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
        config = entry.get("config")
        info = entry.get("server")
        out[str(name)] = {"tools": decls, "config": config if isinstance(config, str) else None,
                          "server": info if isinstance(info, dict) else None}
    return out


def load_lock(root_dir: Path, reporter: Reporter | None = None) -> dict[str, list[dict]]:
    """Server name → tool declarations (``{"name", "description"?, "inputSchema"?}``); empty when
    there is no lockfile or it is malformed (reported as NEX417 when ``reporter`` is given)."""
    return {k: v["tools"] for k, v in (load_entries(root_dir, reporter) or {}).items()}


def is_fresh(entry: dict | None, server) -> bool:
    """Whether a lock entry may stand for ``server``: present, and locked from the same declaration (or
    written without a ``config`` hash)."""
    return entry is not None and (entry.get("config") is None or entry["config"] == config_hash(server))


def fresh_lock(root_dir, servers) -> dict[str, list[dict]]:
    """Server name → locked tool declarations, for the ``servers`` whose lock entry is fresh."""
    entries = load_entries(Path(root_dir)) or {}
    return {s.name: entries[s.name]["tools"] for s in servers if is_fresh(entries.get(s.name), s)}


def lock_names(lock: dict[str, list[dict]]) -> dict[str, list[str]]:
    """Server name → tool names."""
    return {s: [t["name"] for t in tools] for s, tools in lock.items()}
