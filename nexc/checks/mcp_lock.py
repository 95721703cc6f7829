"""mcp_lock: the MCP lockfile against the spec, without starting any server. For every MCP server an agent
uses: no lock entry (NEX418), an entry locked from a different declaration (NEX419), and explicit
``server.tool`` references to tools the fresh entry does not list (NEX420) or that the server's ``deny``
policy hides (NEX421, from the locked annotations). Each is reported where an
agent first uses the server, never on the declaration's line (it may hold a secret that NEX416 masks). See
:mod:`nexc.mcp.lockfile` for the file and the declaration hash."""
from __future__ import annotations

import json

from nexc.mcp.lockfile import LOCKFILE, config_hash, is_fresh, load_entries
from nexc.mcp.names import denied_by
from nexc.ir.model import McpSelection


def check(fw, r, ctx) -> None:
    """Report MCP servers whose tools nexc cannot know from the lockfile, and unknown locked tools."""
    if ctx is None or not fw.mcp_servers:
        return
    used: dict[str, list[tuple]] = {}  # server → [(agent, selection)]
    for a in fw.agents:
        for e in a.tools:
            if isinstance(e, McpSelection):
                used.setdefault(e.server, []).append((a, e))
    if not used:
        return
    malformed = _Seen()
    entries = load_entries(ctx.root_dir, malformed)  # type: ignore[arg-type]
    if malformed.seen:  # NEX417, reported by name_clash
        return
    lock_cmd = f"nexc mcp lock {_spec(ctx)}"
    for srv in fw.mcp_servers:
        if srv.name not in used:
            continue
        entry = (entries or {}).get(srv.name)
        if entry is None:
            why = f"there is no {LOCKFILE} beside the root spec" if entries is None else f"{LOCKFILE} has no entry for it"
            r.report("NEX418", used[srv.name][0][1].span, f"MCP server '{srv.name}' is not locked: {why}",
                     notes=("its tools cannot be checked, and loading the framework starts the server to list them",
                            f"the server is declared at {srv.span}"),
                     fix=f"run `{lock_cmd}` and commit {LOCKFILE}")
        elif not is_fresh(entry, srv):
            r.report("NEX419", used[srv.name][0][1].span,
                     f"the lock entry of MCP server '{srv.name}' is stale: it was locked from a different declaration",
                     notes=(f"locked {entry['config']}, declared now {config_hash(srv)} (transport, command, args, cwd, "
                            f"url, env or header names changed)", f"the server is declared at {srv.span}"),
                     fix=f"run `{lock_cmd}` again")
        else:
            names = {t["name"]: t for t in entry["tools"]}
            for _agent, sel in used[srv.name]:
                for t in sel.tools or ():
                    why = denied_by(srv.deny, names[t].get("annotations")) if t in names else None
                    if why:
                        r.report("NEX421", sel.tool_span(t),
                                 f"MCP tool '{srv.name}.{t}' is never offered: the server denies {why} tools",
                                 notes=(f"its annotations in {LOCKFILE}: {_hints(names[t])}",),
                                 fix=f"remove '{srv.name}.{t}', or take '{why}' out of deny of MCP server '{srv.name}'")
                    if t not in names:
                        r.report("NEX420", sel.tool_span(t),
                                 f"MCP server '{srv.name}' has no tool '{t}' (per {LOCKFILE})",
                                 notes=(f"locked tools: {', '.join(sorted(names)) or 'none'}",),
                                 fix=f"use one of its tools, or run `{lock_cmd}` if the server has changed")


def _hints(decl: dict) -> str:
    ann = decl.get("annotations")
    return json.dumps(ann, sort_keys=True) if ann else "none (MCP defaults: a destructive, open-world write)"


def _spec(ctx) -> str:
    files = getattr(ctx, "files", None) or []
    if files:
        from nexc.source import display_path

        return display_path(files[0].path)
    return "SPEC"


class _Seen:
    """A reporter that only notes that something was reported."""

    seen = False

    def report(self, *args, **kwargs) -> None:
        self.seen = True
