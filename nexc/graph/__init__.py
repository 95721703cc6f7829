"""Pictures of a framework (``nexc graph``): agents, delegation, tools, MCP servers, skills, stop tools,
limits and worst-case LLM calls, as SVG, a self-contained HTML page, Graphviz DOT or Mermaid.

    >>> from nexc.graph import render
    >>> svg = render(framework, "svg")            # analysis: nexc analyse's report, computed when None

:data:`FORMATS` is the registry of output formats (name → ``"module:function"``, each function taking a
:class:`~nexc.graph.model.Picture` and returning text); :data:`EXTENSIONS` maps file extensions to them.
The layout (:mod:`nexc.graph.layout`, :mod:`nexc.graph.place`) is nexc's own: no Graphviz is needed.
"""
from __future__ import annotations

import importlib

FORMATS: dict[str, str] = {
    "svg": "nexc.graph.svg:render",
    "html": "nexc.graph.html:render",
    "dot": "nexc.graph.dot:render",
    "mermaid": "nexc.graph.mermaid:render",
}

EXTENSIONS: dict[str, str] = {".svg": "svg", ".html": "html", ".htm": "html", ".dot": "dot", ".gv": "dot",
                              ".mmd": "mermaid", ".mermaid": "mermaid"}


def format_for(path: str) -> str | None:
    """The output format a file name implies by its extension, or None."""
    import os

    return EXTENSIONS.get(os.path.splitext(path)[1].lower())


def load_lock_for(root_dir) -> dict:
    """The MCP lockfile's server → tool declarations for a framework rooted at ``root_dir`` ({} if none)."""
    from nexc.mcp.lockfile import load_lock

    return load_lock(root_dir) if root_dir is not None else {}


def render(fw, fmt: str = "svg", analysis: dict | None = None, *, lock: dict | None = None) -> str:
    """The picture of ``fw`` (a resolved Framework) in ``fmt`` (a key of :data:`FORMATS`).

    ``analysis``: the report of :func:`nexc.analysis.report.analyse` (worst-case LLM calls, cycles, depth);
    when None the same numbers are computed. ``lock``: server → tool declarations from the MCP lockfile
    (:func:`load_lock_for`), for the tools of ``server.*`` selections. Same input, same bytes.
    """
    from nexc.graph.model import build

    if fmt not in FORMATS:
        raise ValueError(f"unknown graph format '{fmt}' (formats: {', '.join(FORMATS)})")
    mod, _, attr = FORMATS[fmt].partition(":")
    return getattr(importlib.import_module(mod), attr)(build(fw, analysis, lock))
