"""The nexc YAML frontend (``*.nex.yaml``): positioned YAML → located values → surface IR.

Parsing and positions live in :mod:`nexc.frontend.yaml_loader`; the keys and types of the spec
language are checked by :func:`nexc.frontend.surface_builder.build_document`, shared with the ``.nex`` frontend.
"""
from __future__ import annotations

import re

from nexc.diagnostics import Reporter
from nexc.ir.surface import SourceFile

NAME = "yaml"

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*))?$", re.M)
#: Top-level keys that only the compatibility formats use (NexAU agent YAML, NexA4A framework YAML).
_FOREIGN = ("system_prompt", "system_prompt_type", "llm_config", "framework", "agent_name", "sub_agents",
            "framework_entrance_agent", "llm_configs", "tool_call_mode", "stop_tools", "input_schema")


def detect(path: str, text: str) -> bool:
    """True when ``text`` looks like a nexc YAML spec: a top-level ``nex:`` key, or ``agents:`` as a map
    without the top-level keys of NexAU agent YAML or NexA4A framework YAML."""
    head = text[:256 * 1024]
    top: dict[str, str] = {}
    for m in _TOP_KEY.finditer(head):
        top.setdefault(m.group(1), (m.group(2) or "").strip())
    if "nex" in top:
        return True
    if any(k in top for k in _FOREIGN) or "agents" not in top:
        return False
    inline = top["agents"].split(" #")[0].strip()
    if inline:
        return inline.startswith("{")
    m = re.search(r"^agents[ \t]*:[^\n]*\n((?:[ \t]*(?:#[^\n]*)?\n)*)([ \t]*)(\S)", head, re.M)
    if not m:
        return False
    return bool(m.group(2)) and m.group(3) != "-"


def load(path: str, text: str, reporter: Reporter) -> SourceFile | None:
    """Parse one nexc YAML spec into surface IR; every problem goes to ``reporter``."""
    from nexc.frontend.surface_builder import build_document
    from nexc.frontend.yaml_loader import load_yaml

    reporter.sources[path] = text  # also for text that was never a file (code frames, suppressions)
    doc = load_yaml(path, text, reporter)
    if doc is None:
        return None
    return build_document(doc, path, reporter)
