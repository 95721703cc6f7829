"""Writing the MCP lockfile (``nexc mcp lock``): start each declared MCP server once, list its tools and
write ``nexc.mcp.lock.json`` beside the root spec, in the format :func:`nexc.analysis.mcp_lock.load_lock`
reads::

    {"version": 1,
     "servers": {"git": {"config": "sha256:…", "server": {"name": "…", "version": "…"},
                         "tools": [{"name": "status", "description": "…", "inputSchema": {…}}]}}}

Output is deterministic: servers and tools sorted by name, keys sorted, two-space indent, a final
newline. A lockfile is written only when every server asked for was listed: when one cannot start
(its command is not on ``PATH``, it exits, it does not answer) the old lockfile stays as it was. Only what the servers report is written, and ``config``, the hash of the server's declaration
(:func:`nexc.analysis.mcp_lock.config_hash`) that tells lint when the entry is stale; never ``env`` or
``headers`` values.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from nexc.analysis.mcp_lock import LOCKFILE


def _resolve(value):
    if getattr(value, "kind", None) == "env":
        got = os.environ.get(value.name)
        return got if got is not None else value.default
    return value


def describe(srv) -> str:
    """How server ``srv`` is reached, for messages: its command line (stdio) or its URL."""
    if srv.transport == "stdio":
        parts = [str(_resolve(srv.command) or "")] + [str(_resolve(a)) for a in srv.args]
        line = " ".join(p if p and " " not in p else json.dumps(p) for p in parts)
        return f"command: {line[:200]}"
    return f"url: {_resolve(srv.url)}"


def missing_command(srv, root_dir: str | Path) -> str | None:
    """Why the stdio server ``srv`` cannot be started, found before starting it: no command, a command
    that is not on ``PATH``, a path that is not an executable file. ``None`` when it may start."""
    if srv.transport != "stdio":
        return None
    command = _resolve(srv.command)
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
    from nexc.analysis.mcp_lock import config_hash
    from nexc.runtime.mcp import list_servers
    from nexc.runtime.mcp_tools import _decl

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
        entry["tools"] = [_decl(t) for t in sorted(tools, key=lambda t: t.name)]
        servers[srv.name] = entry
    return {"version": 1, "servers": servers}, errors


def bundled_lock(fw, root_dir: str | Path) -> str | None:
    """The lockfile a bundle carries: the fresh entries of ``fw``'s MCP servers (``None`` when there are
    none), so a built bundle knows its MCP tools' schemas without starting a server."""
    from nexc.analysis.mcp_lock import is_fresh, load_entries

    entries = load_entries(Path(root_dir)) or {}
    path = Path(root_dir) / LOCKFILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8")).get("servers", {}) if entries else {}
    except (OSError, ValueError, AttributeError):
        return None
    keep = {s.name: raw[s.name] for s in fw.mcp_servers if s.name in raw and is_fresh(entries.get(s.name), s)}
    return render({"version": 1, "servers": dict(sorted(keep.items()))}) if keep else None


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
    from nexc.commands.common import write_atomic

    write_atomic(path, render(doc))
    return path, errors
