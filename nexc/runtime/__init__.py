"""The nexc runtime: runs a compiled framework with NexAU semantics (see ``nexc.runtime.engine``).

Most users want :func:`nexc.api.load`::

    fw = nexc.api.load("team.nex")
    result = fw.run("What changed in MCP 2.0?", trace_path="runs/t.jsonl")
    result.output, result.stop_reason, result.trace_id

Names here are imported lazily so that ``import nexc.runtime`` (and the CLI) stays fast.
"""
from __future__ import annotations

_EXPORTS = {
    "Runtime": "nexc.runtime.engine",
    "RunResult": "nexc.runtime.types",
    "Settings": "nexc.runtime.types",
    "StopReason": "nexc.runtime.types",
    "GlobalStorage": "nexc.runtime.storage",
    "ToolContext": "nexc.runtime.tools",
    "current_context": "nexc.runtime.tools",
    "read_trajectory": "nexc.runtime.trace",
    "TrajectoryWriter": "nexc.runtime.trace",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'nexc.runtime' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(mod), name)
