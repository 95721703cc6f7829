"""One NexAU agent's toolset: tool entries (with their tool YAMLs), sub-agents, skills, MCP servers and stop
tools, with the checks NexAU does not make (missing files, wrong config kinds, collisions, stop tools)."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from nexc.diagnostics.suggest import did_you_mean
from nexc.frontend.located import Loc, literal_spans, pointer_spans
from nexc.frontend.nexau import values as v
from nexc.frontend.nexau.files import child_path, is_package_resource, outside_project, skill_front_matter
from nexc.ir.base import Span
from nexc.ir.model import Binding, McpServer, Skill
from nexc.ir.surface import Name, SurfaceTool

if TYPE_CHECKING:
    from nexc.frontend.nexau.loader import Loader

TOOL_ENTRY_KEYS = ("name", "yaml_path", "binding", "lazy", "as_skill", "defer_loading", "extra_kwargs", "source_id",
                   "permissions")
TOOL_YAML_KEYS = ("type", "name", "description", "input_schema", "skill_description", "disable_parallel", "lazy",
                  "defer_loading", "search_hint", "template_override", "builtin", "binding", "formatter")
TOOL_YAML_UNSUPPORTED = ("search_hint", "template_override", "builtin", "formatter")
SUB_AGENT_KEYS = ("name", "config_path", "source_id")
SKILL_KEYS = ("name", "path", "source_id")
MCP_KEYS = ("name", "type", "command", "args", "env", "url", "headers", "timeout", "disable_parallel", "permissions",
            "tool_permissions", "auth", "source_id", "description")
#: Parameter names NexAU passes itself; with what the nexc runtime injects they are reserved
#: (:func:`reserved_kwargs`).
NEXAU_INJECTED = ("agent_state", "ctx")


def reserved_kwargs() -> tuple[str, ...]:
    """NexAU's reserved parameter names: ``nexc.runtime.tools.INJECTED`` plus :data:`NEXAU_INJECTED`
    (imported here, not at the top, so that reading a NexAU spec loads nothing of the runtime package)."""
    from nexc.runtime.tools import INJECTED

    return INJECTED + NEXAU_INJECTED


class AgentToolset:
    """Builds the toolset names of one agent while registering the declarations with the loader."""

    def __init__(self, loader: "Loader", agent: str, path: str) -> None:
        self.loader, self.r, self.agent, self.path = loader, loader.r, agent, path
        self.entries: list[Name] = []
        self.local: dict[str, tuple[str, Span]] = {}   # model-visible name → (final name, where)
        self.servers: list[str] = []
        self.mcp_known: dict[str, tuple[str, Span]] = {}

    # ------------------------------------------------------------ helpers

    def _visible(self, written: str, final: str, span: Span, what: str) -> None:
        if written in self.local:
            self.r.report("NEX606", span, f"{what} '{written}' collides with another tool of agent '{self.agent}'",
                          notes=(f"the other one is at {self.local[written][1]}",),
                          fix="rename one of them with the entry's 'name'")
            return
        self.local[written] = (final, span)

    def _path(self, b: dict[str, Loc], key: str, entry: Loc, what: str) -> tuple[str, Span] | None:
        if key not in b:
            self.r.report("NEX202", entry.span, f"this {what} entry has no '{key}'")
            return None
        raw = v.text_str(b[key], key, self.r)
        if raw is None:
            return None
        if is_package_resource(raw):
            self.r.report("NEX610", b[key].span, f"package resource '{raw}' is not supported; give a path relative "
                                                 "to this file")
            return None
        target = child_path(raw, self.path)
        if outside_project(target, raw, self.path, b[key].span, self.r):
            return None
        if not os.path.exists(target):
            self.r.report("NEX600", b[key].span, f"{what} file '{raw}' does not exist (looked for '{target}')",
                          fix="correct the path; it is relative to this config's folder")
            return None
        return target, b[key].span

    def _name(self, b: dict[str, Loc], entry: Loc, what: str, required: bool = True) -> tuple[str, Span] | None:
        if "name" not in b:
            if required:
                self.r.report("NEX202", entry.span, f"this {what} entry has no 'name'")
            return None
        s = v.text_str(b["name"], "name", self.r)
        return (s, b["name"].span) if s else None

    def _entries(self, loc: Loc | None, key: str) -> list[Loc]:
        if loc is None:
            return []
        out = []
        for item in v.items(loc, key, self.r):
            if not isinstance(item.value, dict):
                v.wrong(item, f"{key} entry", "a map", self.r)
                continue
            out.append(item)
        return out

    # ------------------------------------------------------------ sections

    def tools(self, loc: Loc | None) -> None:
        for entry in self._entries(loc, "tools"):
            b = v.keys(entry, TOOL_ENTRY_KEYS, "a tool entry", self.r)
            named = self._name(b, entry, "tool")
            missing = self._missing_tool_file(b, named)
            where = None if missing else self._path(b, "yaml_path", entry, "tool YAML")
            if named is None or (where is None and not missing):
                continue
            tool = self._open_tool(entry, b) if missing else self._tool_yaml(where, b)
            if tool is None:
                continue
            written, span = named
            if written in self.local:
                self._visible(written, written, span, "tool")
                continue
            final = self.loader.ident(written, span, "tool")
            tool = tool.model_copy(update={"name": final, "name_span": span})
            from nexc.frontend.nexau.loader import fingerprint

            final, same = self.loader.claim(final, "tool", fingerprint(tool), span, original=written)
            if not same:
                self.loader.tools[final] = tool.model_copy(update={"name": final})
            self._visible(written, final, span, "tool")
            self.entries.append(Name(span=span, value=final))

    def _missing_tool_file(self, b: dict[str, Loc], named: tuple[str, Span] | None) -> bool:
        """Whether the entry's tool YAML does not exist: reported once (NEX613), the tool is still declared."""
        loc = b.get("yaml_path")
        if loc is None or not isinstance(loc.value, str) or named is None or is_package_resource(loc.value):
            return False
        target = child_path(loc.value, self.path)
        from nexc.source import project_root, within

        if os.path.exists(target) or not within(target, project_root(os.path.dirname(os.path.abspath(self.path)))):
            return False  # present, or outside the project (NEX309, reported when the path is read)
        self.r.report("NEX613", loc.span, f"tool '{named[0]}': its tool YAML '{loc.value}' does not exist (looked "
                                          f"for '{target}')",
                      fix="correct the path (relative to this config's folder), add the file, or run with "
                          "--simulate-missing")
        return True

    def _open_tool(self, entry: Loc, b: dict[str, Loc]) -> SurfaceTool:
        """A tool whose YAML is missing: no description or schema to read; its entry's binding if any."""
        binding = None
        if "binding" in b and isinstance(b["binding"].value, str) and v.binding_ok(b["binding"].value, b["binding"],
                                                                                       self.r):
            binding = Binding(span=b["binding"].span, kind="python", target=b["binding"].value)
        return SurfaceTool(span=entry.span, name="_", description="", parameters={"type": "object", "properties": {}},
                           binding=binding)

    def _tool_yaml(self, where: tuple[str, Span], entry: dict[str, Loc]) -> SurfaceTool | None:
        r = self.r
        target, ref = where
        doc = self.loader.parse(target, ref, "NexAU tool YAML").doc
        if doc is None:
            return None
        d = doc.value
        agentish = isinstance(d, dict) and bool({"system_prompt", "llm_config", "sub_agents", "tools"} & set(d))
        if not isinstance(d, dict) or agentish or ("type" in d and d["type"].value != "tool"):
            r.report("NEX601", ref, f"'{target}' is not a NexAU tool YAML"
                     + (" (it is an agent config; list it under sub_agents)" if agentish else ""))
            return None
        b = v.keys(doc, TOOL_YAML_KEYS, "the tool YAML", r)
        for k in TOOL_YAML_UNSUPPORTED:
            if k in b and b[k].value:
                r.report("NEX610", b[k].span, f"tool '{k}' is not supported by nexc; it is ignored")
        f: dict[str, Any] = {}
        if "description" not in b:
            r.report("NEX202", doc.span, "a tool YAML needs a 'description' (NexAU refuses it without one)")
        else:
            f["description"] = v.text_str(b["description"], "description", r)
        if "name" not in b:
            r.report("NEX202", doc.span, "a tool YAML needs a 'name' (NexAU refuses it without one)")
        schema = v.json_map(b["input_schema"], "input_schema", r) if "input_schema" in b else {}
        if schema is not None:
            if not schema:
                schema = {"type": "object", "properties": {}}
            elif "type" not in schema:
                schema = {"type": "object", "properties": schema.get("properties", {})}
            elif schema.get("type") != "object":
                r.report("NEX203", b["input_schema"].span, "a tool's input_schema must be of type 'object'")
            for k in reserved_kwargs():
                if k in schema.get("properties", {}) or k in schema:
                    r.report("NEX203", b["input_schema"].span, f"'{k}' is injected by the runtime and must not be a "
                                                               "parameter")
            f["parameters"] = schema
            if "input_schema" in b:
                f["schema_spans"] = pointer_spans(b["input_schema"], "parameters")
        binding = entry.get("binding") or b.get("binding")
        if binding is not None and binding.value is not None:
            target_s = v.text_str(binding, "binding", r)
            if target_s is not None and v.binding_ok(target_s, binding, r):
                from nexc.stdlib_catalog import nexau_builtin

                builtin = nexau_builtin(binding=target_s)  # NexAU's built-ins, a NexAU export's nexc_stdlib
                f["binding"] = (Binding(span=binding.span, kind="stdlib", target=builtin) if builtin else
                                Binding(span=binding.span, kind="python", target=target_s))
        if "disable_parallel" in b:
            dp = v.boolean(b["disable_parallel"], "disable_parallel", r)
            if dp is not None:
                f["parallel"] = not dp
        lazy = [v.boolean(x, "lazy", r) for x in (b.get("lazy"), entry.get("lazy")) if x is not None]
        if any(lazy):
            f["lazy"] = True
        if "extra_kwargs" in entry:
            kw = v.json_map(entry["extra_kwargs"], "extra_kwargs", r) or {}
            reserved = reserved_kwargs()
            bad = sorted(set(kw) & set(reserved))
            if bad:
                r.report("NEX203", entry["extra_kwargs"].span, f"extra_kwargs may not set {', '.join(bad)} (reserved)")
            f["extra_kwargs"] = {k: x for k, x in kw.items() if k not in reserved}
        for k, why in (("defer_loading", "deferred tool loading (v0.4) is not supported; the tool is declared up "
                                         "front"),
                       ("as_skill", "tools as skills are not supported; it is an ordinary tool"),
                       ("permissions", "tool permissions (v0.4) are not supported; calls are not gated")):
            for src in (entry.get(k), b.get(k)):
                if src is not None and src.value:
                    r.report("NEX610", src.span, f"'{k}' is ignored: {why}")
        f = {k: x for k, x in f.items() if x is not None}
        return SurfaceTool(span=doc.span, name="_", **f)

    def sub_agents(self, loc: Loc | None) -> None:
        for entry in self._entries(loc, "sub_agents"):
            b = v.keys(entry, SUB_AGENT_KEYS, "a sub-agent entry", self.r)
            named, where = self._name(b, entry, "sub-agent"), self._path(b, "config_path", entry, "sub-agent config")
            if where is None:
                continue
            child = self.loader.load_agent(where[0], where[1], override=named)
            if child is None:
                continue
            span = named[1] if named else entry.span
            self._visible(named[0] if named else child, child, span, "sub-agent")
            self.entries.append(Name(span=span, value=child))

    def skills(self, loc: Loc | None) -> None:
        if loc is None:
            return
        for entry in v.items(loc, "skills", self.r):
            if isinstance(entry.value, dict):
                b = v.keys(entry, SKILL_KEYS, "a skill entry", self.r)
                named = self._name(b, entry, "skill", required=False)
                where = self._path(b, "path", entry, "skill folder")
            elif isinstance(entry.value, str):
                named, where = None, self._path({"path": entry}, "path", entry, "skill folder")
            else:
                v.wrong(entry, "skills entry", "a folder path or {name, path}", self.r)
                continue
            if where is None:
                continue
            folder, pspan = where
            fm = skill_front_matter(folder)
            if fm is None:
                self.r.report("NEX600", pspan, f"skill folder '{folder}' has no SKILL.md")
                continue
            written = named[0] if named else str(fm.get("name") or os.path.basename(os.path.normpath(folder)))
            span = named[1] if named else pspan
            final = self.loader.ident(written, span, "skill")
            final, same = self.loader.claim(final, "skill", os.path.realpath(folder), span, original=written)
            if not same:
                desc = fm.get("description")
                self.loader.skills[final] = Skill(span=entry.span, name=final, path=os.path.relpath(
                    folder, os.path.dirname(self.path)).replace(os.sep, "/"),
                    description=str(desc) if desc is not None else None)
            self._visible(written, final, span, "skill")
            self.entries.append(Name(span=span, value=final))

    def mcp_servers(self, loc: Loc | None) -> None:
        for entry in self._entries(loc, "mcp_servers"):
            server = self._mcp(entry)
            if server is None:
                continue
            from nexc.frontend.nexau.loader import fingerprint

            name, fp = server.name, fingerprint(server)
            if name in self.loader.mcp and self.loader.mcp_fp[name][0] != fp:
                n = 2
                while f"{name}_{n}" in self.loader.mcp:
                    n += 1
                self.r.report("NEX609", server.span, f"MCP server '{name}' is already defined differently; nexc "
                              f"calls this one '{name}_{n}'", notes=(f"first defined at {self.loader.mcp_fp[name][1]}",))
                self.loader.renamed[f"{name}_{n}"] = self.loader.renamed.get(name, name)
                name = f"{name}_{n}"
                server = server.model_copy(update={"name": name})
            if name not in self.loader.mcp:
                self.loader.mcp[name] = server
                self.loader.mcp_fp[name] = (fp, server.span)
            if name in self.servers:
                self.r.report("NEX606", server.span, f"MCP server '{name}' is listed twice in agent '{self.agent}'")
                continue
            self.servers.append(name)
            self.entries.append(Name(span=server.span, value=f"{name}.*"))
        for tool, (srv, span) in self.mcp_known.items():
            if tool in self.local:
                self.r.report("NEX606", span, f"MCP tool '{tool}' of server '{srv}' collides with a tool of agent "
                              f"'{self.agent}'; NexAU does not prefix MCP tool names",
                              notes=(f"the other one is at {self.local[tool][1]}",))
        if len(self.servers) > 1 and loc is not None:
            self.r.report("NEX607", loc.span, f"agent '{self.agent}' uses MCP servers {', '.join(self.servers)}; NexAU "
                          "does not prefix their tool names, so a name two of them share collides")

    def _mcp(self, entry: Loc) -> McpServer | None:
        r = self.r
        b = v.keys(entry, MCP_KEYS, "an MCP server", r)
        named = self._name(b, entry, "MCP server")
        if named is None:
            return None
        name = self.loader.ident(named[0], named[1], "MCP server")
        t = v.text_str(b["type"], "type", r) if "type" in b else ("stdio" if "command" in b else "http" if "url" in b
                                                                  else None)
        if t not in ("stdio", "http", "sse"):
            guess = did_you_mean(str(t), ("stdio", "http", "sse")) if t else None
            r.report("NEX203" if t else "NEX202", b["type"].span if "type" in b else entry.span,
                     f"MCP server '{name}': type must be stdio, http or sse" + (f", not {t!r}" if t else "")
                     + (f"; did you mean '{guess}'?" if guess else ""))
            return None
        f: dict[str, Any] = {}
        for k in ("command", "url"):
            if k in b:
                f[k] = v.text(b[k], k, r)
        if "args" in b:
            f["args"] = tuple(x for x in (v.text(i, "args", r) for i in v.items(b["args"], "args", r)) if x is not None)
        for k in ("env", "headers"):
            if k in b and isinstance(b[k].value, dict):
                f[k] = {kk: x for kk, x in ((kk, v.text(val, f"{k}.{kk}", r)) for kk, val in b[k].value.items())
                        if x is not None}
            elif k in b and b[k].value is not None:
                v.wrong(b[k], k, "a map", r)
        if "timeout" in b:
            x = v.number(b["timeout"], "timeout", r)
            if isinstance(x, (int, float)):
                f["call_timeout"] = float(x)
        for k, why in (("disable_parallel", "calls to this server may run in parallel"),
                       ("permissions", "calls are not gated"), ("auth", "give an Authorization header instead")):
            if k in b and b[k].value:
                r.report("NEX610", b[k].span, f"MCP '{k}' is not supported; {why}")
        if "tool_permissions" in b and isinstance(b["tool_permissions"].value, dict):
            r.report("NEX610", b["tool_permissions"].span, "MCP 'tool_permissions' are not supported; calls are not "
                                                           "gated")
            for tool in b["tool_permissions"].value:
                self.mcp_known.setdefault(tool, (name, b["tool_permissions"].key_span(tool)))
        if t == "stdio" and not f.get("command"):
            r.report("NEX202", entry.span, f"stdio MCP server '{name}' needs a 'command'")
            return None
        if t != "stdio" and not f.get("url"):
            r.report("NEX202", entry.span, f"{t} MCP server '{name}' needs a 'url'")
            return None
        spans = {p: sp for k in ("command", "url", "args", "env", "headers") if f.get(k) is not None
                 for p, sp in literal_spans(b[k], k).items()}
        return McpServer(span=entry.span, name=name, transport=t, value_spans=spans,
                         **{k: x for k, x in f.items() if x is not None})

    def stop_tools(self, loc: Loc) -> tuple[Name, ...]:
        out = []
        for item in v.items(loc, "stop_tools", self.r):
            s = v.text_str(item, "stop_tools", self.r)
            if s is None:
                continue
            if s in self.local:
                out.append(Name(span=item.span, value=self.local[s][0]))
            elif len(self.servers) == 1:
                out.append(Name(span=item.span, value=f"{self.servers[0]}.{s}"))
            elif self.servers:
                self.r.report("NEX608", item.span, f"stop tool '{s}' is no local tool of agent '{self.agent}' and "
                              "nexc cannot tell which MCP server offers it; it is dropped", severity="warning")
            else:
                guess = did_you_mean(s, list(self.local))
                self.r.report("NEX608", item.span, f"stop tool '{s}' is not in the toolset of agent '{self.agent}'"
                              + (f"; did you mean '{guess}'?" if guess else ""),
                              notes=("NexAU matches stop tools by name and would never stop",),
                              fix=f"replace '{s}' with '{guess}'" if guess else "add the tool, or remove the stop tool")
        return tuple(out)
