"""The NexAU compatibility frontend: a NexAU agent YAML (v0.3.4, with v0.4 additions reported) and every tool
YAML, sub-agent config, prompt file, skill and MCP server it refers to become one surface :class:`SourceFile`.

``NAME``, :func:`detect` and :func:`load` are the frontend interface; :func:`load_with_root` also returns the
folder that the IR's paths are relative to (the common folder of every file read, since sub-agents often live
in sibling folders: ``config_path: ../doc_reader/agent.yaml``).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from nexc.diagnostics import Reporter
from nexc.ir.surface import SourceFile

NAME = "nexau"

_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:", re.M)
#: Keys that only NexAU agent configs have at the top level.
_MARKERS = {"system_prompt", "system_prompt_type", "llm_config", "sub_agents", "tool_call_mode", "max_context_tokens",
            "stop_tools", "middlewares", "global_storage", "mcp_servers", "after_model_hooks", "before_model_hooks",
            "tracers", "max_iterations"}


def detect(path: str, text: str) -> bool:
    """Whether ``text`` looks like a NexAU agent config (top-level keys such as system_prompt or llm_config)."""
    keys = set(_TOP_KEY.findall(text))
    if {"nex", "agents", "entry", "llms"} & keys or {"framework_entrance_agent", "llm_configs"} & keys:
        return False
    if re.search(r"^type\s*:\s*['\"]?agent['\"]?\s*$", text, re.M):
        return True
    return bool(keys & _MARKERS)


def load_with_root(path: str, text: str | None, reporter: Reporter) -> tuple[SourceFile | None, Path]:
    """Load the agent graph rooted at ``path``; the surface IR and the folder its paths are relative to."""
    from nexc.frontend.nexau.files import parse_text
    from nexc.frontend.nexau.loader import Loader

    loader = Loader(path, reporter)
    if text is not None:
        loader.files.add(path)
        loader.parsed[os.path.realpath(path)] = parse_text(path, text, reporter)
    entry = loader.load_agent(path, None)
    root_doc = loader.parsed.get(os.path.realpath(path))
    if root_doc is None or root_doc.doc is None:
        return None, Path(path).parent
    if entry is None:
        return None, Path(path).parent
    agent = loader.agents.get(entry)
    src = loader.source(entry, agent.name_span if agent else None, root_doc.doc.span)
    root = Path(loader.root_dir())
    from nexc.source import display_path

    src = src.model_copy(update={"root_dir": display_path(root)})
    return src, root


def load(path: str, text: str, reporter: Reporter) -> SourceFile | None:
    """The frontend interface: ``path`` (a NexAU agent YAML, with ``text`` already read) → surface IR."""
    return load_with_root(path, text, reporter)[0]
