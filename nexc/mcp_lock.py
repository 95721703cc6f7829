"""Writing the MCP lockfile (``nexc mcp lock``): start each declared MCP server once, list its tools and
write ``nexc.mcp.lock.json`` beside the root spec, in the format :func:`nexc.analysis.mcp_lock.load_lock`
reads::

    {"version": 1,
     "servers": {"git": {"server": {"name": "…", "version": "…"},
                         "tools": [{"name": "status", "description": "…", "inputSchema": {…}}]}}}

Output is deterministic: servers and tools sorted by name, keys sorted, two-space indent, a final
newline. Only what the servers report is written; never ``env`` or ``headers`` values.
"""
from __future__ import annotations

import json
from pathlib import Path

from nexc.analysis.mcp_lock import LOCKFILE


def lock_data(fw, root_dir: str | Path, only: tuple[str, ...] = ()) -> tuple[dict, dict[str, str]]:
    """``(lock document, {server: error})`` for the framework's MCP servers."""
    from nexc.runtime.mcp import list_server

    servers: dict[str, dict] = {}
    errors: dict[str, str] = {}
    for srv in sorted(fw.mcp_servers, key=lambda s: s.name):
        if only and srv.name not in only:
            continue
        try:
            got = list_server(srv, str(root_dir))
        except Exception as exc:  # noqa: BLE001 - reported per server
            errors[srv.name] = str(exc) or type(exc).__name__
            continue
        entry: dict = {}
        if got["server"] is not None:
            entry["server"] = got["server"]
        entry["tools"] = got["tools"]
        servers[srv.name] = entry
    return {"version": 1, "servers": servers}, errors


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_lock(fw, root_dir: str | Path, only: tuple[str, ...] = ()) -> tuple[Path, dict[str, str]]:
    """Write the lockfile; servers that fail keep their previous entry (if any). Returns (path, errors)."""
    from nexc.analysis.mcp_lock import load_lock

    path = Path(root_dir) / LOCKFILE
    doc, errors = lock_data(fw, root_dir, only)
    if errors or only:
        old = {}
        if path.is_file():
            try:
                old = json.loads(path.read_text(encoding="utf-8")).get("servers", {})
            except (OSError, ValueError, AttributeError):
                old = {}
        if load_lock(Path(root_dir)) or old:
            for name, entry in old.items():
                if name not in doc["servers"] and (name in errors or (only and name not in only)):
                    doc["servers"][name] = entry
        doc["servers"] = dict(sorted(doc["servers"].items()))
    path.write_text(render(doc), encoding="utf-8")
    return path, errors
