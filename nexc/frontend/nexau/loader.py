"""NexAU agent YAML → one surface :class:`SourceFile` holding every agent, tool, skill and MCP server reachable
from the root config (``config_path`` and ``yaml_path`` followed; recursion and self-reference allowed; each
file read once).

Names live in nexc's single namespace (tools, agents, skills) and must be identifiers; names that are not, or
that two different definitions share, are renamed (NEX609) and the original is recorded in
``metadata["nexau"]["renamed"]`` so that the export restores it.
"""
from __future__ import annotations

import os
import re
from typing import Any

from nexc.diagnostics import Reporter
from nexc.frontend.keys import valid_identifier
from nexc.frontend.located import Loc, type_name
from nexc.frontend.nexau import values as v
from nexc.frontend.nexau.files import Parsed, child_path, read_yaml
from nexc.frontend.nexau.toolset import AgentToolset
from nexc.ir.base import Span, strip_spans
from nexc.ir.model import Llm
from nexc.ir.surface import Name, SourceFile, SurfaceAgent, SurfaceTool

#: Keys of an agent config that nexc maps.
AGENT_KEYS = ("type", "name", "description", "system_prompt", "system_prompt_type", "llm_config", "tools",
              "sub_agents", "skills", "mcp_servers", "stop_tools", "max_iterations", "max_context_tokens",
              "tool_call_mode", "global_storage", "middlewares", "after_model_hooks", "after_tool_hooks",
              "before_model_hooks", "before_tool_hooks", "tracers", "token_counter", "context", "initial_context",
              "variables", "source_id")
#: Keys NexAU reads that nexc cannot represent (reported with NEX610, then ignored).
UNSUPPORTED_AGENT_KEYS = {
    "sandbox_config": "sandboxes are a NexAU v0.4 feature nexc does not support yet",
    "plugins": "plugins are a NexAU v0.4 feature nexc does not support yet",
    "system_prompt_suffix": "a system prompt suffix is not supported yet; append it to the prompt",
    "initial_state": "initial agent state is not supported", "initial_config": "initial config is not supported",
    "error_handler": "error handlers are not supported", "timeout": "the agent-level timeout has no nexc equivalent",
    "retry_attempts": "set retries on the llm instead", "retry_backoff_max_seconds": "retry backoff is not configurable",
    "max_running_subagents": "nexc does not bound concurrent sub-agents per agent",
}
HOOK_KEYS = {"middlewares": ("middleware", None), "after_model_hooks": ("hook", "after_model"),
             "after_tool_hooks": ("hook", "after_tool"), "before_model_hooks": ("hook", "before_model"),
             "before_tool_hooks": ("hook", "before_tool"), "tracers": ("tracer", None)}
#: NexAU tool_call_mode → nexc tool format.
TOOL_CALL_MODES = {"xml": "nexau_xml", "openai": "openai", "structured": "openai", "anthropic": "openai",
                   "anthorpic": "openai"}


def sanitize(name: str) -> str:
    """``name`` as an identifier: non-word characters become ``_``, a leading digit or keyword gets ``_``."""
    s = re.sub(r"\W", "_", name, flags=re.ASCII) or "_"
    if s[0].isdigit():
        s = "_" + s
    return s if valid_identifier(s) else s + "_"


class Loader:
    """Loads a NexAU agent graph; :meth:`source` returns the surface IR."""

    def __init__(self, root: str, r: Reporter) -> None:
        self.root, self.r = root, r
        self.files: set[str] = set()
        self.parsed: dict[str, Parsed] = {}
        self.agent_keys: dict[tuple[str, str], str] = {}        # (real path, name override) → final name
        self.order: list[str] = []
        self.agents: dict[str, SurfaceAgent] = {}
        self.llms: list[Llm] = []
        self.names: dict[str, tuple[str, Any, Span]] = {}       # tool/agent/skill namespace: kind, fingerprint, span
        self.tools: dict[str, SurfaceTool] = {}
        self.skills: dict[str, Any] = {}
        self.mcp: dict[str, Any] = {}
        self.mcp_fp: dict[str, tuple[Any, Span]] = {}
        self.renamed: dict[str, str] = {}
        self.hook_points: dict[str, list[str]] = {}

    # ------------------------------------------------------------ files and names

    def parse(self, path: str, ref: Span | None, what: str) -> Parsed:
        real = os.path.realpath(path)
        if real not in self.parsed:
            self.files.add(path)
            self.parsed[real] = read_yaml(path, self.r, ref, what)
        return self.parsed[real]

    def ident(self, name: str, span: Span, what: str) -> str:
        """``name`` made an identifier (NEX609 when it changes)."""
        new = sanitize(name)
        if new != name:
            self.r.report("NEX609", span, f"{what} name '{name}' is not an identifier; nexc calls it '{new}'",
                          fix=f"rename it to '{new}'")
            self.renamed.setdefault(new, name)
        return new

    def claim(self, name: str, kind: str, fingerprint: Any, span: Span, original: str | None = None) -> tuple[str, bool]:
        """Reserve ``name`` in the shared namespace. Returns (final name, already defined identically)."""
        if name in self.names:
            k, fp, first = self.names[name]
            if k == kind and fp == fingerprint:
                return name, True
            n = 2
            while f"{name}_{n}" in self.names:
                n += 1
            new = f"{name}_{n}"
            what = "a different definition" if k == kind else f"a {k}"
            self.r.report("NEX609", span, f"{kind} name '{name}' is already used by {what}; nexc calls this one '{new}'",
                          notes=(f"first defined at {first}",
                                 "nexc keeps tools, agents and skills in one namespace"))
            self.renamed[new] = self.renamed.get(name, original or name)
            name = new
        self.names[name] = (kind, fingerprint, span)
        return name, False

    # ------------------------------------------------------------ agents

    def load_agent(self, path: str, ref: Span | None, override: tuple[str, Span] | None = None) -> str | None:
        """Load the agent config at ``path`` (once per name) and everything it refers to; its final name."""
        parsed = self.parse(path, ref, "NexAU agent config")
        doc = parsed.doc
        if doc is None:
            return None
        if not is_agent_doc(doc):
            self.r.report("NEX601", ref or doc.span, f"'{path}' is not a NexAU agent config ({describe(doc)})",
                          fix="point config_path at an agent YAML (one with system_prompt, llm_config, tools …)")
            return None
        own = doc.value.get("name")
        if override:
            written, span = override
        elif own is not None and isinstance(own.value, str):
            written, span = own.value, own.span
        else:
            written, span = os.path.basename(path).split(".")[0], doc.span
            if own is not None:
                v.wrong(own, "name", "a string", self.r)
        key = (os.path.realpath(path), written)
        if key in self.agent_keys:
            return self.agent_keys[key]
        b = v.keys(doc, AGENT_KEYS, "the agent config", self.r, unsupported=UNSUPPORTED_AGENT_KEYS)
        name = self.ident(written, span, "agent")
        name, _ = self.claim(name, "agent", key, span, original=written)
        self.agent_keys[key] = name
        self.order.append(name)
        self.agents[name] = self._agent(name, span, doc, b, path)
        return name

    def _agent(self, name: str, name_span: Span, doc: Loc, b: dict[str, Loc], path: str) -> SurfaceAgent:
        r = self.r
        f: dict[str, Any] = {}
        if "type" in b and b["type"].value != "agent":
            r.report("NEX203", b["type"].span, f"'type' of an agent config must be 'agent', not {b['type'].value!r}")
        if "description" in b:
            f["description"] = v.text_str(b["description"], "description", r)
        prompt = v.prompt(b, path, r)
        if prompt is not None:
            f["prompt"] = prompt
        if "llm_config" not in b:
            r.report("NEX611", name_span, f"agent '{name}' has no 'llm_config'; NexAU refuses to load it",
                     fix="add `llm_config: {}` to take the model from LLM_MODEL / LLM_BASE_URL / LLM_API_KEY")
        llm = v.llm(f"{name}_llm", b.get("llm_config"), doc.span, r)
        self.llms.append(llm)
        f["llm"] = Name(span=llm.span, value=llm.name)
        ts = AgentToolset(self, name, path)
        ts.tools(b.get("tools"))
        ts.sub_agents(b.get("sub_agents"))
        ts.skills(b.get("skills"))
        ts.mcp_servers(b.get("mcp_servers"))
        f["tools"] = tuple(ts.entries)
        if "stop_tools" in b:
            f["stop_tools"] = ts.stop_tools(b["stop_tools"])
        if "max_iterations" in b:
            f["max_iterations"] = v.integer(b["max_iterations"], "max_iterations", r)
        if "max_context_tokens" in b:
            f["context_tokens"] = v.integer(b["max_context_tokens"], "max_context_tokens", r)
        if "tool_call_mode" in b:
            mode = v.text_str(b["tool_call_mode"], "tool_call_mode", r)
            if mode is not None:
                f["tool_format"] = Name(span=b["tool_call_mode"].span, value=TOOL_CALL_MODES.get(mode.lower(), mode))
        if "global_storage" in b:
            f["storage_seed"] = v.json_map(b["global_storage"], "global_storage", r)
        ctx = b.get("context") or b.get("initial_context")
        if ctx is not None:
            f["context"] = v.json_map(ctx, "context", r)
        exts, points = [], []
        for key, (kind, point) in HOOK_KEYS.items():
            if key not in b:
                continue
            for item in v.items(b[key], key, r):
                e = v.extension(item, key, kind, r)
                if e is not None:
                    exts.append(e)
                    if kind == "hook":
                        points.append(point)
        if "token_counter" in b:
            e = v.extension(b["token_counter"], "token_counter", "token_counter", r)
            if e is not None:
                exts.append(e)
        if points:
            self.hook_points[name] = points
        f["extensions"] = tuple(exts)
        f = {k: val for k, val in f.items() if val is not None}
        return SurfaceAgent(span=doc.span, name=name, name_span=name_span, **f)

    # ------------------------------------------------------------ result

    def source(self, entry: str | None, entry_span: Span | None, root_span: Span) -> SourceFile:
        meta: dict[str, Any] = {}
        if self.renamed:
            meta["renamed"] = dict(sorted(self.renamed.items()))
        if self.hook_points:
            meta["hook_points"] = dict(self.hook_points)
        return SourceFile(
            span=root_span, path=self.root, name=entry, metadata={"nexau": meta} if meta else {},
            profile=Name(span=root_span, value="nexau"),
            llms=tuple(self.llms), tools=tuple(self.tools.values()), mcp_servers=tuple(self.mcp.values()),
            skills=tuple(self.skills.values()), agents=tuple(self.agents[n] for n in self.order if n in self.agents),
            entry=Name(span=entry_span or root_span, value=entry) if entry else None)

    def root_dir(self) -> str:
        """The folder below which every file this load read lies (paths in the IR are relative to it)."""
        dirs = [os.path.dirname(os.path.abspath(p)) for p in self.files | self.extra_files()]
        return os.path.commonpath(dirs) if dirs else os.path.dirname(os.path.abspath(self.root))

    def extra_files(self) -> set[str]:
        out = set()
        for a in self.agents.values():
            if a.prompt is not None and a.prompt.file:
                out.add(child_path(a.prompt.file, a.prompt.span.file))
        for s in self.skills.values():
            out.add(os.path.join(child_path(s.path, s.span.file), "SKILL.md"))
        return out


def is_agent_doc(doc: Loc) -> bool:
    """Whether a parsed YAML document looks like a NexAU agent config."""
    d = doc.value
    if not isinstance(d, dict):
        return False
    t = d.get("type")
    if t is not None and t.value != "agent":
        return False
    if "input_schema" in d or "framework_entrance_agent" in d or "llm_configs" in d:
        return False
    markers = set(AGENT_KEYS) - {"type", "name", "description", "variables", "source_id"}
    return bool(markers & set(d)) or t is not None


def describe(doc: Loc) -> str:
    d = doc.value
    if not isinstance(d, dict):
        return f"it is a {type_name(doc)}"
    if "input_schema" in d or (d.get("type") is not None and d["type"].value == "tool"):
        return "it is a tool YAML"
    if "framework_entrance_agent" in d or "llm_configs" in d:
        return "it is a NexA4A framework config"
    return "it has none of the agent keys"


def fingerprint(node) -> Any:
    """A definition's content, without spans or its own name."""
    d = strip_spans(node)
    d.pop("name", None)
    d.pop("name_span", None)
    return d

