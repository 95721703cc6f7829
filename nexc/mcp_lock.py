"""Writing the MCP lockfile (``nexc mcp lock``): start each declared MCP server once, list its tools and
write ``nexc.mcp.lock.json`` beside the root spec, in the format :func:`nexc.analysis.mcp_lock.load_lock`
reads::

    {"version": 1,
     "servers": {"git": {"config": "sha256:…", "server": {"name": "…", "version": "…"},
                         "tools": [{"name": "status", "description": "…", "inputSchema": {…}}]}}}

Output is deterministic: servers and tools sorted by name, keys sorted, two-space indent, a final
newline. Only what the servers report is written, and ``config``, the hash of the server's declaration
(:func:`nexc.analysis.mcp_lock.config_hash`) that tells lint when the entry is stale; never ``env`` or
``headers`` values.
"""
from __future__ import annotations

import json
from pathlib import Path

from nexc.analysis.mcp_lock import LOCKFILE


def lock_data(fw, root_dir: str | Path, only: tuple[str, ...] = ()) -> tuple[dict, dict[str, str]]:
    """``(lock document, {server: error})`` for the framework's MCP servers (listed concurrently, each
    started once and stopped before this returns)."""
    from nexc.analysis.mcp_lock import config_hash
    from nexc.runtime.mcp import list_servers
    from nexc.runtime.mcp_tools import _decl

    wanted = [s for s in sorted(fw.mcp_servers, key=lambda s: s.name) if not only or s.name in only]
    try:
        got = list_servers(wanted, str(root_dir))
    except Exception as exc:  # noqa: BLE001 - the whole listing failed (deadline): every server reports it
        got = {s.name: exc for s in wanted}
    servers: dict[str, dict] = {}
    errors: dict[str, str] = {}
    for srv in wanted:
        res = got[srv.name]
        if isinstance(res, BaseException):
            errors[srv.name] = str(res) or type(res).__name__
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
    """Write the lockfile; servers that fail (or are not in ``only``) keep their previous entry, if any.
    Returns (path, {server: error})."""
    path = Path(root_dir) / LOCKFILE
    doc, errors = lock_data(fw, root_dir, only)
    if errors or only:
        try:
            old = json.loads(path.read_text(encoding="utf-8")).get("servers", {}) if path.is_file() else {}
        except (OSError, ValueError, AttributeError):
            old = {}
        declared = {s.name for s in fw.mcp_servers}
        for name, entry in (old.items() if isinstance(old, dict) else ()):
            if name not in doc["servers"] and name in declared and (name in errors or name not in only):
                doc["servers"][name] = entry
        doc["servers"] = dict(sorted(doc["servers"].items()))
    path.write_text(render(doc), encoding="utf-8")
    return path, errors
