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

Writing (``nexc mcp lock``, :func:`write_lock`): start each declared server once, list its tools, write the
file. Output is deterministic: servers and tools sorted by name, keys sorted, two-space indent, a final
newline. A lockfile is written only when every server asked for was listed: when one cannot start (its
command is not on ``PATH``, it exits, it does not answer) the old lockfile stays as it was. Only what the
servers report is written, and ``config``; never ``env`` or ``headers`` values.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from nexc.diagnostics import Reporter
from nexc.ir.base import Span
from nexc.version import MCP_LOCK_VERSION

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


def missing_command(srv, root_dir: str | Path) -> str | None:
    """Why the stdio server ``srv`` cannot be started, found before starting it: no command, a command
    that is not on ``PATH``, a path that is not an executable file. ``None`` when it may start."""
    from nexc.mcp.errors import resolve  # errors imports the runtime's ToolError: not at lint start-up

    if srv.transport != "stdio":
        return None
    command = resolve(srv.command)
    if not command:
        return "it has no command"
    command = str(command)
    if os.sep in command or (os.altsep and os.altsep in command):
        cwd = srv.cwd or "."
        base = Path(root_dir) / cwd if not os.path.isabs(cwd) else Path(cwd)
        p = Path(command) if os.path.isabs(command) else base / command
        if not p.is_file():
            return f"its command '{command}' does not exist (looked for '{p}')"
        if not os.access(p, os.X_OK):
            return f"its command '{command}' is not executable"
        return None
    if shutil.which(command) is None:
        return f"its command '{command}' is not on PATH; install it, or give its full path in the declaration"
    return None


def lock_data(fw, root_dir: str | Path, only: tuple[str, ...] = ()) -> tuple[dict, dict[str, str]]:
    """``(lock document, {server: error})`` for the framework's MCP servers (listed concurrently, each
    started once and stopped before this returns)."""
    from nexc.mcp.client import list_servers
    from nexc.mcp.errors import describe
    from nexc.mcp.tools import decl

    wanted = [s for s in sorted(fw.mcp_servers, key=lambda s: s.name) if not only or s.name in only]
    errors: dict[str, str] = {}
    for srv in wanted:
        why = missing_command(srv, root_dir)
        if why:
            errors[srv.name] = f"MCP server '{srv.name}' cannot start: {why} ({describe(srv)})"
    startable = [s for s in wanted if s.name not in errors]
    try:
        got = list_servers(startable, str(root_dir))
    except Exception as exc:  # noqa: BLE001 - the whole listing failed (deadline): every server reports it
        got = {s.name: exc for s in startable}
    servers: dict[str, dict] = {}
    for srv in startable:
        res = got[srv.name]
        if isinstance(res, BaseException):
            why = str(res) or type(res).__name__
            errors[srv.name] = (why if f"'{srv.name}'" in why else f"MCP server '{srv.name}': {why}") \
                + f" ({describe(srv)})"
            continue
        info, tools = res
        entry: dict = {"config": config_hash(srv)}
        if info is not None:
            entry["server"] = info
        entry["tools"] = [decl(t) for t in sorted(tools, key=lambda t: t.name)]
        servers[srv.name] = entry
    return {"version": MCP_LOCK_VERSION, "servers": servers}, errors


def bundled_lock(fw, root_dir: str | Path) -> str | None:
    """The lockfile a bundle carries: the fresh entries of ``fw``'s MCP servers (``None`` when there are
    none), so a built bundle knows its MCP tools' schemas without starting a server."""
    entries = load_entries(Path(root_dir)) or {}
    path = Path(root_dir) / LOCKFILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8")).get("servers", {}) if entries else {}
    except (OSError, ValueError, AttributeError):
        return None
    keep = {s.name: raw[s.name] for s in fw.mcp_servers if s.name in raw and is_fresh(entries.get(s.name), s)}
    return render({"version": MCP_LOCK_VERSION, "servers": dict(sorted(keep.items()))}) if keep else None


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_lock(fw, root_dir: str | Path, only: tuple[str, ...] = ()) -> tuple[Path, dict[str, str]]:
    """Write the lockfile, atomically, when every server asked for was listed; with ``only``, the other
    servers keep their previous entries. When a server fails nothing is written: the old lockfile (or
    its absence) stays. Returns (path, {server: error naming its command or URL})."""
    path = Path(root_dir) / LOCKFILE
    doc, errors = lock_data(fw, root_dir, only)
    if errors:
        return path, errors
    if only:
        try:
            old = json.loads(path.read_text(encoding="utf-8")).get("servers", {}) if path.is_file() else {}
        except (OSError, ValueError, AttributeError):
            old = {}
        declared = {s.name for s in fw.mcp_servers}
        for name, entry in (old.items() if isinstance(old, dict) else ()):
            if name not in doc["servers"] and name in declared and name not in only:
                doc["servers"][name] = entry
        doc["servers"] = dict(sorted(doc["servers"].items()))
    from nexc.fileio import write_atomic

    write_atomic(path, render(doc))
    return path, errors
