"""The names MCP tools are offered to the model under: one definition for the runtime and for lint.

Tool ``T`` of server ``S`` is offered as ``S__T``; characters outside ``[A-Za-z0-9_-]`` become ``_`` and
the name is cut at 64 characters (the OpenAI limit), so tools of different servers never clash with each
other. The runtime keeps the original ``S.T`` in the tool's description (``[MCP S.T] …``), so the
mapping is in every trajectory that records the tool list.
"""
from __future__ import annotations

import re

#: separator between server and tool name in the names offered to the model
SEP = "__"
#: the longest tool name OpenAI-compatible endpoints accept
MAX_LEN = 64
_NAME_BAD = re.compile(r"[^A-Za-z0-9_-]")


def exposed_name(server: str, tool: str) -> str:
    """The collision-free name the model sees for ``tool`` of ``server``."""
    return _NAME_BAD.sub("_", f"{server}{SEP}{tool}")[:MAX_LEN]


def stop_name(name: str) -> str:
    """A ``stop`` entry as the model's tool name: ``server.tool`` becomes ``server__tool``; other names stay."""
    server, dot, tool = name.partition(".")
    return exposed_name(server, tool) if dot and server and tool else name


def denied_by(deny, annotations: dict | None) -> str | None:
    """Which entry of a server's ``deny`` keeps a tool with these MCP ``annotations`` from the model, or None.

    The MCP defaults apply to hints a server leaves out: ``readOnlyHint`` false, ``destructiveHint`` true,
    ``openWorldHint`` true — so an unannotated tool counts as a destructive, open-world write."""
    if not deny:
        return None
    a = annotations if isinstance(annotations, dict) else {}
    writes = a.get("readOnlyHint") is not True
    hits = {"write": writes, "destructive": writes and a.get("destructiveHint") is not False,
            "open_world": a.get("openWorldHint") is not False}
    return next((d for d in deny if hits.get(d)), None)
