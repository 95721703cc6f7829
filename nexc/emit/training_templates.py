"""``nexc build --target dataset``: the training-data templates of a framework.

For every chosen format (``ctx.options.formats``, else the ``tool_format`` of every agent) it
writes ``formats/<fmt>/chat_template.jinja`` (with ``{% generation %}`` markers around assistant
output) and one ``dataset.yaml`` (kind ``templates``, ``specs/dataset.schema.json``) naming the
formats, their template variables, and the tools each agent offers its model — what the training
backend reads, and what ``nexc dataset build`` fills with data.
"""
from __future__ import annotations

from typing import Any

from nexc.dataset import manifest as mf
from nexc.emit.manifest import source_hash
from nexc.emit.result import EmitResult
from nexc.formats.registry import get_format
from nexc.ir.model import Framework, McpSelection, SkillRef
from nexc.version import __version__


def chosen_formats(fw: Framework, ctx) -> list[str]:
    """The format ids to emit: the ``formats`` option, else every agent's ``tool_format``; canonical ids,
    sorted, each once."""
    opt = ctx.options.formats if ctx is not None else ()
    names = list(opt) if opt else [a.tool_format for a in fw.agents]
    return sorted({get_format(n.strip()).id for n in names})


def _agent_entry(fw: Framework, agent, lock: dict) -> dict[str, Any]:
    from nexc.analysis.tools import agent_tool_decls

    tools = [{"type": "function", "function": d} for d in agent_tool_decls(fw, agent, lock)]
    entry: dict[str, Any] = {"name": agent.name, "tool_format": get_format(agent.tool_format).id,
                             "entry": agent.name == fw.entry, "tools": tools}
    mcp = [{"server": e.server, "tools": None if e.tools is None else list(e.tools), "locked": e.server in lock}
           for e in agent.tools if isinstance(e, McpSelection)]
    if mcp:
        entry["mcp"] = mcp
    skills = [e.name for e in agent.tools if isinstance(e, SkillRef)]
    if skills:
        entry["skills"] = skills
    return entry


def templates_manifest(fw: Framework, ctx, format_ids: list[str]) -> dict[str, Any]:
    """The ``templates`` manifest as a dict."""
    try:
        from nexc.mcp.lockfile import load_lock

        lock = load_lock(ctx.root_dir)
    except Exception:  # noqa: BLE001 - no lockfile support: MCP tools stay unlisted
        lock = {}
    formats = []
    for fid in format_ids:
        entry = mf.format_entry(get_format(fid), f"formats/{mf.format_dir(fid)}")
        entry["agents"] = sorted(a.name for a in fw.agents if get_format(a.tool_format).id == fid)
        formats.append(entry)
    return {"schema_version": mf.SCHEMA_VERSION, "kind": "templates", "nexc_version": __version__,
            "framework": {"name": fw.name, "entry": fw.entry, "source_hash": source_hash(fw, ctx)},
            "formats": formats, "agents": [_agent_entry(fw, a, lock) for a in fw.agents]}


def emit(fw: Framework, ctx, out) -> EmitResult:
    """Stage ``dataset.yaml`` and one ``chat_template.jinja`` per format into ``out``."""
    ids = chosen_formats(fw, ctx)
    manifest = templates_manifest(fw, ctx, ids)
    for entry in manifest["formats"]:
        out.add(entry["chat_template"], get_format(entry["id"]).chat_template)
    out.add(mf.MANIFEST, mf.dump(manifest))
    return EmitResult(f"dataset templates for {', '.join(ids)}")
