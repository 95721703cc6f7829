"""resolve: surface IR (one or more files) → resolved IR.

The only pass that crosses from what was written to what it means: it merges imported files, checks
that every name is declared once and every reference points at something (with did-you-mean), turns
toolset names into typed references, fills stdlib tool definitions, normalises file paths to the
framework's root directory, and picks the entry agent.
"""
from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import Iterable

from nexc.diagnostics import Reporter
from nexc.ir.base import Span
from nexc.ir.model import (
    Agent, AgentRef, Framework, Limits, McpSelection, Prompt, Skill, SkillRef, Tool, ToolRef,
)
from nexc.ir.surface import Name, SourceFile, SurfaceAgent, SurfaceTool

def known_formats() -> tuple[str, ...]:
    """Names of the registered tool-call formats (the built-in ones when a plugin fails to load)."""
    from nexc.formats import list_formats

    try:
        ids = list_formats()
    except Exception:  # a broken plugin must not break resolution
        ids = list_formats(include_plugins=False)
    return tuple(sorted({str(f).split(":")[0] for f in ids} | {"openai"}))


class _Scope:
    """Declarations by name, remembering where each was first declared."""

    def __init__(self, r: Reporter, what: str) -> None:
        self.r, self.what, self.items = r, what, {}
        self.broken: frozenset[str] = frozenset()  # declared, but did not parse or load

    def add(self, name: str, node, span: Span, kind: str) -> bool:
        if name in self.items:
            _, first_span, first_kind = self.items[name]
            self.r.report("NEX300", span, f"{kind} '{name}' is declared twice"
                          + (f" (first as a {first_kind})" if first_kind != kind else ""),
                          notes=(f"first declared at {first_span}",), fix=f"rename one of the two '{name}'")
            return False
        self.items[name] = (node, span, kind)
        return True

    def kind(self, name: str) -> str | None:
        return self.items[name][2] if name in self.items else None

    def names(self) -> list[str]:
        return list(self.items)


def _file_of(node_span: Span, fallback: str) -> str:
    return node_span.file if node_span.file and not node_span.file.startswith("<") else fallback


def normalise_path(path: str, declared_in: str, root_dir: Path, span: Span, r: Reporter, *,
                   must_exist: str | None) -> str | None:
    """``path`` (relative to the declaring file) as a POSIX path relative to ``root_dir``. Reports paths
    that escape the root (NEX309) and, when ``must_exist`` is "file" or "dir", missing ones (NEX308)."""
    if "\x00" in path:
        r.report("NEX308", span, "the path contains a NUL byte, which no file name can hold",
                 fix="remove the \\0 from the path")
        return None
    base = Path(declared_in).parent
    target = Path(os.path.normpath(base / path)) if not os.path.isabs(path) else Path(os.path.normpath(path))
    try:
        rel = Path(os.path.relpath(target.resolve(), root_dir.resolve()))
    except ValueError:
        rel = Path("..")
    if os.path.isabs(path) or rel.parts[:1] == ("..",):
        r.report("NEX309", span, f"path '{path}' is outside the project root '{root_dir}'",
                 fix="move the file inside the project directory")
        return None
    try:
        missing = (must_exist == "file" and not target.is_file()) or (must_exist == "dir" and not target.is_dir())
    except OSError as exc:  # e.g. a name too long for the file system
        r.report("NEX308", span, f"{'folder' if must_exist == 'dir' else 'file'} '{path[:200]}' cannot be "
                 f"looked up: {exc.strerror or exc}")
        return None
    if missing:
        r.report("NEX308", span, f"{'folder' if must_exist == 'dir' else 'file'} '{path}' does not exist "
                 f"(looked for '{target}')")
    return PurePosixPath(*rel.parts).as_posix() if rel.parts else "."


def _tool(t: SurfaceTool, r: Reporter) -> Tool | None:
    fields = {k: v for k, v in {
        "description": t.description, "parameters": t.parameters, "returns": t.returns, "binding": t.binding,
        "parallel": t.parallel, "extra_kwargs": t.extra_kwargs or None, "lazy": t.lazy,
        "schema_spans": t.schema_spans or None,
    }.items() if v is not None}
    if t.binding is not None and t.binding.kind == "stdlib":
        from nexc.stdlib_catalog import stdlib_tools

        lib = stdlib_tools()
        spec = lib.get(t.binding.target)
        if spec is None:
            r.unknown_name("NEX307", t.binding.span, "stdlib tool", t.binding.target, lib)
            return None
        fields.setdefault("description", spec.get("description", ""))
        fields.setdefault("parameters", spec.get("parameters") or {"type": "object", "properties": {}})
    elif t.parameters is None and t.binding is None:
        r.report("NEX202", t.name_span or t.span, f"tool '{t.name}' has neither parameters nor a binding",
                 fix='add a signature, parameters = {…}, or = python "module:function"')
    return Tool(span=t.span, name=t.name, **fields)


def _toolset(a: SurfaceAgent, names: _Scope, servers: _Scope, r: Reporter) -> tuple:
    out, seen_all = [], {}
    for n in a.tools:
        entry = _toolset_entry(n, names, servers, r)
        if entry is None:
            continue
        if isinstance(entry, McpSelection):
            prev = seen_all.get(entry.server)
            if prev is not None and prev.tools is None:
                continue  # server.* already selects everything
            if prev is not None and entry.tools is not None:
                spans = dict(zip(prev.tools, prev.tool_spans))
                for t, sp in zip(entry.tools, entry.tool_spans):
                    spans.setdefault(t, sp)  # a tool named twice keeps the first place it was named
                merged = prev.model_copy(update={"tools": tuple(spans), "tool_spans": tuple(spans.values())})
                out[out.index(prev)] = merged
                seen_all[entry.server] = merged
                continue
            if prev is not None:
                out[out.index(prev)] = entry
                seen_all[entry.server] = entry
                continue
            seen_all[entry.server] = entry
        out.append(entry)
    return tuple(out)


def _toolset_entry(n: Name, names: _Scope, servers: _Scope, r: Reporter):
    value = n.value
    if "." in value:
        server, _, tool = value.partition(".")
        if server not in servers.items:
            r.unknown_name("NEX304", n.span, "MCP server", server, servers.names())
            return None
        if not tool or not re.match(r"^(\*|[A-Za-z0-9_.\-]+)$", tool):
            r.report("NEX203", n.span, f"'{value}' selects no tool; write '{server}.*' or '{server}.tool_name'")
            return None
        if tool == "*":
            return McpSelection(span=n.span, server=server)
        return McpSelection(span=n.span, server=server, tools=(tool,), tool_spans=(n.span,))
    kind = names.kind(value)
    if kind is None and value in names.broken:
        return None  # its declaration did not parse or load: that error says it all
    if kind is None:
        candidates = names.names() + [f"{s}.*" for s in servers.names()]
        r.unknown_name("NEX301", n.span, "tool or agent", value, candidates)
        return None
    cls = {"tool": ToolRef, "agent": AgentRef, "skill": SkillRef}[kind]
    return cls(span=n.span, name=value)


def _agent(a: SurfaceAgent, names: _Scope, llms: _Scope, servers: _Scope, formats: Iterable[str], root_dir: Path,
           declared_in: str, r: Reporter) -> Agent:
    fields: dict = {"description": a.description or "", "storage_seed": a.storage_seed, "context": a.context,
                    "extensions": a.extensions}
    if a.llm is not None:
        if a.llm.value not in llms.items:
            if a.llm.value not in llms.broken:
                r.unknown_name("NEX302", a.llm.span, "llm", a.llm.value, llms.names())
        else:
            fields["llm"], fields["llm_span"] = a.llm.value, a.llm.span
    if a.prompt is not None:
        fields["prompt"] = _prompt(a.prompt, declared_in, root_dir, r)
    fields["tools"] = _toolset(a, names, servers, r)
    stops: dict[str, Span] = {}  # name → where it was first written
    for s in a.stop_tools:
        if "." in s.value:
            if s.value.partition(".")[0] not in servers.items:
                r.unknown_name("NEX304", s.span, "MCP server", s.value.partition(".")[0], servers.names())
                continue
        elif names.kind(s.value) is None:
            if s.value not in names.broken:
                r.unknown_name("NEX301", s.span, "stop tool", s.value, names.names())
            continue
        stops.setdefault(s.value, s.span)
    fields["stop_tools"], fields["stop_tool_spans"] = tuple(stops), tuple(stops.values())
    limits = {k: v for k, v in {"max_iterations": a.max_iterations, "context_tokens": a.context_tokens,
                                "max_depth": a.max_depth}.items() if v is not None}
    fields["limits"] = Limits(span=a.span, **limits)
    if a.tool_format is not None:
        base = a.tool_format.value.split(":")[0]
        if base not in formats:
            r.unknown_name("NEX306", a.tool_format.span, "tool-call format", a.tool_format.value, formats)
        else:
            fields["tool_format"], fields["tool_format_span"] = a.tool_format.value, a.tool_format.span
    if a.parallel_tool_calls is not None:
        fields["parallel_tool_calls"] = a.parallel_tool_calls
    return Agent(span=a.span, name=a.name, **fields)


def _prompt(p: Prompt, declared_in: str, root_dir: Path, r: Reporter) -> Prompt:
    if p.file is None:
        return p
    path = normalise_path(p.file, declared_in, root_dir, p.span, r, must_exist="file")
    return p.model_copy(update={"file": path if path is not None else p.file})


def _pick_entry(files: list[SourceFile], agents: list[Agent], r: Reporter) -> tuple[str, Span | None] | None:
    """The entry agent and where ``entry`` names it (``None`` when it is inferred), or ``None``."""
    root = files[0]
    entry = root.entry or next((f.entry for f in files[1:] if f.entry is not None), None)
    names = [a.name for a in agents]
    if entry is not None:
        if entry.value not in names and any(entry.value in f.broken for f in files):
            return None
        if entry.value not in names:
            r.unknown_name("NEX303", entry.span, "entry agent", entry.value, names)
            return None
        return entry.value, entry.span
    if len(agents) == 1:
        return agents[0].name, None
    used = {t.name for a in agents for t in a.tools if isinstance(t, AgentRef)}
    roots = [a.name for a in agents if a.name not in used]
    if len(roots) == 1:
        return roots[0], None
    if not agents and r.has_errors:
        return None  # the file did not parse far enough to have agents; the syntax error says why
    if not agents:
        r.report("NEX305", root.span, "the framework declares no agent", fix="declare at least one agent")
    else:
        r.report("NEX305", root.span, f"no entry agent given and {len(roots) or len(agents)} agents could be it: "
                 f"{', '.join(roots or names)}", fix=f"add `entry {(roots or names)[0]}`")
    return None


def resolve(files: list[SourceFile], r: Reporter, *, root_dir: Path | None = None) -> Framework | None:
    """Merge ``files`` (the root first, then its imports) into one resolved :class:`Framework`.

    Returns ``None`` only when nothing sensible can be built (no entry agent); otherwise the framework is
    returned even when errors were reported, so later checks can add what they find.
    """
    if not files:
        return None
    root = files[0]
    root_dir = root_dir or Path(root.path).parent
    names, llms, servers = _Scope(r, "name"), _Scope(r, "llm"), _Scope(r, "MCP server")
    names.broken = llms.broken = frozenset(n for f in files for n in f.broken)
    for f in files:
        for d in f.llms:
            llms.add(d.name, d, d.span, "llm")
        for d in f.mcp_servers:
            servers.add(d.name, d, d.span, "MCP server")
        for d in f.tools:
            names.add(d.name, (d, f), d.name_span or d.span, "tool")
        for d in f.skills:
            names.add(d.name, (d, f), d.span, "skill")
        for d in f.agents:
            names.add(d.name, (d, f), d.name_span or d.span, "agent")
    formats = known_formats()
    tools, skills, agents = [], [], []
    for name, ((node, f), _, kind) in names.items.items():
        declared_in = _file_of(node.span, f.path)
        if kind == "tool":
            t = _tool(node, r)
            if t is not None:
                tools.append(t)
        elif kind == "skill":
            path = normalise_path(node.path, declared_in, root_dir, node.span, r, must_exist="dir")
            skills.append(Skill(span=node.span, name=node.name, path=path or node.path, description=node.description))
        else:
            agents.append(_agent(node, names, llms, servers, formats, root_dir, declared_in, r))
    picked = _pick_entry(files, agents, r)
    if picked is None:
        return None
    entry, entry_span = picked
    name = root.name or _name_from_path(root.path)
    description = root.description or ""
    metadata = dict(root.metadata)
    profile = "nexc"
    if root.profile is not None:
        from nexc.view.profile import PROFILES

        if root.profile.value in PROFILES:
            profile = root.profile.value
        else:
            r.unknown_name("NEX203", root.profile.span, "profile", root.profile.value, list(PROFILES))
    return Framework(
        span=root.span, name=name, description=description, language_version=root.language_version or 1,
        llms=tuple(d for d, _, _ in llms.items.values()),
        tools=tuple(tools), mcp_servers=tuple(d for d, _, _ in servers.items.values()), skills=tuple(skills),
        agents=tuple(agents), entry=entry, metadata=metadata, profile=profile, entry_span=entry_span,
    )


def _name_from_path(path: str) -> str:
    stem = Path(path).name
    for suffix in (".nex.yaml", ".nex.yml", ".nex", ".yaml", ".yml"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    name = re.sub(r"\W+", "_", stem).strip("_") or "framework"
    return ("_" + name) if name[0].isdigit() else name
