"""The NexA4A compatibility frontend: a NexA4A ``framework_config`` YAML → one surface :class:`SourceFile`.

Shape (NexA4A's ``FrameworkConfig``): ``framework_name`` (or ``framework``), ``agents[{agent_name, description,
sysprompt_path, llm_config, tools, mcp_servers}]``, ``llm_configs[{llm_name, provider, model, api_key, base_url,
max_tokens, temperature, timeout}]``, ``tools[{tool_name, description, config_path, binding}]`` (config_path is
a NexAU tool YAML), ``mcp_servers[{name, type, url, timeout, description}]``, ``workflow{name, description,
nodes[{id, type}], edges[{from, to}]}`` and ``framework_entrance_agent``.

An edge ``from: A, to: B`` is delegation: B (an agent, tool or MCP server) joins A's toolset. NexA4A's llm
defaults (max_tokens 4000, temperature 0.7, timeout 60) are written into the IR.

NexA4A writes much more than NexGAP's ``FrameworkConfig`` reads, and that model allows extra keys: bilingual
descriptions (``description_en``, ``description_zh``, ``description_chinese``), ``capabilities``, ``role``,
``layer``, ``category``, edge ``description``/``condition``, top-level ``version``, ``description``,
``metadata``, ``example_queries``, ``framework`` as a map. They are kept under the IR's
``metadata["nexa4a"]`` (a bilingual description fills ``description`` when it is absent); a key nexc does
not know is a warning. A null value (``config_path: null``, ``model:``) is an absent one.

Tools: NexAU's built-ins (``bash``, ``file_read``, …; a ``nexau.archs.tool.builtin.*`` binding) are nexc
stdlib tools. A tool whose file is missing (or that names none) is NEX613 once, and is still declared, with
its description and an open schema, so the agents that use it compile (and ``--simulate-missing`` runs it).
"""
from __future__ import annotations

import os
import re
from typing import Any

from nexc.diagnostics import Reporter
from nexc.frontend.located import Loc, literal_spans
from nexc.frontend.nexau import values as v
from nexc.frontend.nexau.files import outside_project, parse_text
from nexc.frontend.nexau.loader import Loader
from nexc.frontend.nexau.toolset import AgentToolset
from nexc.ir.base import Span
from nexc.ir.model import Binding, EnvRef, Llm, McpServer, Prompt
from nexc.ir.surface import Name, SourceFile, SurfaceAgent, SurfaceTool

NAME = "nexa4a"

TOP_KEYS = ("framework", "framework_name", "agents", "llm_configs", "tools", "workflow", "mcp_servers",
            "framework_entrance_agent")
AGENT_KEYS = ("agent_name", "description", "sysprompt_path", "llm_config", "tools", "mcp_servers")
LLM_KEYS = ("llm_name", "provider", "model", "api_key", "base_url", "max_tokens", "temperature", "timeout")
TOOL_KEYS = ("tool_name", "description", "config_path", "binding")
MCP_KEYS = ("name", "type", "url", "timeout", "description")
WORKFLOW_KEYS = ("name", "description", "nodes", "edges")
#: descriptive keys NexA4A writes (kept as metadata, never reported)
_LANG = ("description_en", "description_zh", "description_chinese")
TOP_META = ("version", "description", "metadata", "example_queries", "tags") + _LANG
ENTRY_META = _LANG + ("capabilities", "role", "layer", "category", "tags", "name_chinese", "name_zh", "name_en")
WORKFLOW_META = _LANG + ("stages", "type", "tags")
EDGE_META = ("description", "condition", "label", "type") + _LANG
FRAMEWORK_MAP_KEYS = ("name",)
LLM_DEFAULTS = {"max_tokens": 4000, "temperature": 0.7, "timeout": 60.0}
OPENAI_COMPATIBLE = ("openai", "azure", "vllm", "sglang", "ollama", "openrouter", "deepseek", "qwen")

_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:", re.M)


def detect(path: str, text: str) -> bool:
    """Whether ``text`` looks like a NexA4A framework config."""
    keys = set(_TOP_KEY.findall(text))
    return bool({"framework_entrance_agent", "llm_configs"} & keys) or {"agents", "workflow"} <= keys


def _list(b: dict[str, Loc], key: str, r: Reporter) -> list[Loc]:
    out = []
    for item in (v.items(b[key], key, r) if key in b else []):
        if isinstance(item.value, dict):
            out.append(item)
        else:
            v.wrong(item, f"{key} entry", "a map", r)
    return out


def _keys(loc: Loc, allowed: tuple[str, ...], meta: tuple[str, ...], where: str, r: Reporter,
          kept: dict) -> dict[str, Loc]:
    """``v.keys`` for NexA4A: descriptive keys go to ``kept``, unknown ones are warnings (and kept too),
    and a null value is an absent key."""
    b = v.keys(loc, allowed, where, r, meta=meta, kept=kept, unknown="warning")
    return {k: x for k, x in b.items() if x.value is not None}


def _description(b: dict[str, Loc], kept: dict, r: Reporter) -> str | None:
    """``description``, else the first bilingual one NexA4A wrote (English first)."""
    if "description" in b:
        return v.text_str(b["description"], "description", r)
    for k in _LANG:
        if isinstance(kept.get(k), str) and kept[k].strip():
            return kept[k]
    return None


def _required(b: dict[str, Loc], key: str, entry: Loc, what: str, r: Reporter) -> tuple[str, Span] | None:
    if key not in b:
        r.report("NEX202", entry.span, f"this {what} has no '{key}'")
        return None
    s = v.text_str(b[key], key, r)
    return (s, b[key].span) if s else None


def load(path: str, text: str, reporter: Reporter) -> SourceFile | None:
    """The frontend interface: a NexA4A framework config → surface IR."""
    r = reporter
    doc = parse_text(path, text, r).doc
    if doc is None:
        return None
    if not isinstance(doc.value, dict):
        r.report("NEX201", doc.span, "a NexA4A framework config must be a map at the top level")
        return None
    meta: dict[str, Any] = {}
    top: dict[str, Any] = {}
    b = _keys(doc, TOP_KEYS, TOP_META, "the framework config", r, top)
    loader = Loader(path, r)
    loader.files.add(path)
    ts = AgentToolset(loader, "<framework>", path)
    f: dict[str, Any] = {}
    name_loc = b.get("framework_name")
    if "framework" in b:
        fw_loc = b["framework"]
        if isinstance(fw_loc.value, dict):  # framework: {name, description_en, description_zh, tags}
            fmeta: dict[str, Any] = {}
            fb = _keys(fw_loc, FRAMEWORK_MAP_KEYS + ("description",), TOP_META, "the framework map", r, fmeta)
            if "description" in fb:
                fmeta["description"] = fb["description"].plain()
            top["framework"] = {**({"name": fb["name"].plain()} if "name" in fb else {}), **fmeta}
            if name_loc is None and "name" in fb:
                name_loc = fb["name"]
            for k in ("description",) + _LANG:
                if isinstance(fmeta.get(k), str) and fmeta[k].strip() and k not in top:
                    top[k] = fmeta[k]
        elif name_loc is None:
            name_loc = fw_loc
    if name_loc is not None and (s := v.text_str(name_loc, "framework_name", r)):
        f["name"] = loader.ident(s, name_loc.span, "framework")
    wmeta: dict[str, Any] = {}
    workflow = _keys(b["workflow"], WORKFLOW_KEYS, WORKFLOW_META, "the workflow", r, wmeta) if "workflow" in b else {}
    description = _description(workflow, wmeta, r) if workflow else None
    top_desc = next((top[k] for k in ("description",) + _LANG if isinstance(top.get(k), str) and top[k].strip()),
                    None)
    f["description"] = top_desc or description
    f["llms"] = tuple(x for x in (_llm(e, r) for e in _list(b, "llm_configs", r)) if x is not None)
    tools: dict[str, str] = {}
    tool_meta: dict[str, dict] = {}
    for e in _list(b, "tools", r):
        kept: dict[str, Any] = {}
        tb = _keys(e, TOOL_KEYS, ENTRY_META, "a tool", r, kept)
        named = _required(tb, "tool_name", e, "tool", r)
        if named is None:
            continue
        tool = _tool(named, tb, e, kept, ts, loader, path, r)
        if tool is None:
            continue
        final = loader.ident(named[0], named[1], "tool")
        loader.tools[final] = tool.model_copy(update={"name": final, "name_span": named[1]})
        tools[named[0]] = final
        if kept:
            tool_meta[final] = kept
    servers: dict[str, str] = {}
    out_servers = []
    for e in _list(b, "mcp_servers", r):
        s = _mcp(e, loader, r)
        if s is not None:
            servers[s.name] = s.name
            out_servers.append(s)
    agents: dict[str, dict[str, Any]] = {}
    agent_meta: dict[str, dict] = {}
    for e in _list(b, "agents", r):
        a = _agent(e, tools, servers, loader, path, r)
        if a is not None:
            agents[a["written"]] = a
            if a["kept"]:
                agent_meta[a["name"]] = a["kept"]
    edges = _workflow(workflow, agents, tools, servers, r)
    f["agents"] = tuple(SurfaceAgent(span=a["span"], name=a["name"], name_span=a["name_span"], tools=_dedupe(a["tools"]),
                                     **{k: x for k, x in a["fields"].items() if x is not None}) for a in agents.values())
    f["tools"] = tuple(loader.tools.values())
    f["mcp_servers"] = tuple(out_servers)
    if "framework_entrance_agent" in b and (s := v.text_str(b["framework_entrance_agent"], "entry", r)):
        f["entry"] = Name(span=b["framework_entrance_agent"].span, value=agents[s]["name"] if s in agents else s)
    if loader.renamed:
        meta["nexau"] = {"renamed": dict(sorted(loader.renamed.items()))}
    kept_all = {k: x for k, x in (("framework", top), ("agents", agent_meta), ("tools", tool_meta),
                                  ("workflow", wmeta), ("edges", edges)) if x}
    if kept_all:
        meta["nexa4a"] = kept_all
    if meta:
        f["metadata"] = meta
    f["profile"] = Name(span=doc.span, value="nexau")  # NexA4A frameworks run on NexAU
    return SourceFile(span=doc.span, path=path, **{k: x for k, x in f.items() if x is not None})


def _open_tool(span: Span, description: str | None, binding: Binding | None = None) -> SurfaceTool:
    return SurfaceTool(span=span, name="_", description=description or "",
                       parameters={"type": "object", "properties": {}}, binding=binding)


def _tool(named: tuple[str, Span], tb: dict[str, Loc], e: Loc, kept: dict, ts: AgentToolset, loader: Loader,
          path: str, r: Reporter) -> SurfaceTool | None:
    """One NexA4A tool entry → a surface tool (see the module docstring for built-ins and missing files)."""
    from nexc.stdlib_catalog import nexau_builtin

    name, span = named
    description = _description(tb, kept, r)
    binding_s = v.text_str(tb["binding"], "binding", r) if "binding" in tb else None
    if binding_s is not None and not v.binding_ok(binding_s, tb["binding"], r):
        binding_s = None
    builtin = nexau_builtin(binding=binding_s) if binding_s else None
    if builtin is None and "config_path" not in tb and (binding_s is None or kept.get("category") == "builtin"):
        builtin = nexau_builtin(name)
    if builtin is not None:
        bspan = tb["binding"].span if "binding" in tb else span
        return SurfaceTool(span=e.span, name="_", description=description,
                           binding=Binding(span=bspan, kind="stdlib", target=builtin))
    if "config_path" not in tb:
        r.report("NEX613", span, f"tool '{name}' has no implementation: no config_path names its file",
                 fix="add config_path (a NexAU tool YAML) and its binding, or run with --simulate-missing")
        return _open_tool(e.span, description)
    raw = v.text_str(tb["config_path"], "config_path", r)
    if raw is None:
        return _open_tool(e.span, description)
    ref = tb["config_path"].span
    target = os.path.normpath(os.path.join(os.path.dirname(path), raw))
    if outside_project(target, raw, path, ref, r):
        return _open_tool(e.span, description)
    if not os.path.isfile(target):
        r.report("NEX613", ref, f"tool '{name}': its file '{raw}' does not exist (looked for '{target}')",
                 fix="add the file, correct config_path (relative to this config's folder), "
                     "or run with --simulate-missing")
        return _open_tool(e.span, description)
    if target.endswith(".py"):  # the implementation itself: bind to it, beside the config
        rel = os.path.relpath(target, os.path.dirname(path))[:-3].replace(os.sep, ".")
        attr = binding_s.rpartition(":")[2] if binding_s and ":" in binding_s else os.path.basename(target)[:-3]
        return _open_tool(e.span, description,
                          Binding(span=tb.get("binding", tb["config_path"]).span, kind="python", target=f"{rel}:{attr}"))
    tool = ts._tool_yaml((target, ref), {"binding": tb["binding"]} if "binding" in tb else {})
    if tool is None:
        return _open_tool(e.span, description)
    if tool.description is None and description is not None:
        tool = tool.model_copy(update={"description": description})
    return tool


def _dedupe(names: list[Name]) -> tuple[Name, ...]:
    """Toolset names, each kept once, in order (an edge may repeat an agent's own ``tools`` entry)."""
    seen, out = set(), []
    for n in names:
        if n.value not in seen:
            seen.add(n.value)
            out.append(n)
    return tuple(out)


def _llm(e: Loc, r: Reporter) -> Llm | None:
    b = _keys(e, LLM_KEYS, _LANG + ("description",), "an llm config", r, {})
    # NexAU reads an empty model / base_url / api_key as unset (then its environment fallbacks apply)
    b = {k: x for k, x in b.items() if not (k in ("model", "api_key", "base_url") and x.value == "")}
    named = _required(b, "llm_name", e, "llm config", r)
    if named is None:
        return None
    f: dict[str, Any] = dict(LLM_DEFAULTS)
    if "provider" in b:
        p = v.text_str(b["provider"], "provider", r)
        if p is not None and p.lower() not in OPENAI_COMPATIBLE:
            r.report("NEX610", b["provider"].span, f"provider '{p}' is ignored: nexc talks to OpenAI-compatible "
                                                   "endpoints; give its base_url")
    for k in ("model", "api_key", "base_url"):
        if k in b:
            f[k] = _env_text(b[k], k, r)
    if "max_tokens" in b:
        f["max_tokens"] = v.number(b["max_tokens"], "max_tokens", r, integer_only=True)
    for k in ("temperature", "timeout"):
        if k in b:
            x = v.number(b[k], k, r)
            f[k] = float(x) if isinstance(x, (int, float)) else x
    spans = {p: sp for k in ("model", "api_key", "base_url") if k in b for p, sp in literal_spans(b[k], k).items()}
    return Llm(span=e.span, name=named[0], value_spans=spans, **{k: x for k, x in f.items() if x is not None})


_DOLLAR_ENV = re.compile(r"\s*\$\{([A-Za-z_][A-Za-z0-9_]*)\}\s*")


def _env_text(loc: Loc, key: str, r: Reporter):
    """Text, where a whole ``${NAME}`` (how NexA4A writes ``api_key: ${LLM_API_KEY}``) reads the environment."""
    if isinstance(loc.value, str) and (m := _DOLLAR_ENV.fullmatch(loc.value)):
        return EnvRef(span=loc.span, name=m.group(1))
    return v.text(loc, key, r)


def _mcp(e: Loc, loader: Loader, r: Reporter) -> McpServer | None:
    b = _keys(e, MCP_KEYS, ENTRY_META, "an MCP server", r, {})
    named = _required(b, "name", e, "MCP server", r)
    if named is None:
        return None
    name = loader.ident(named[0], named[1], "MCP server")
    t = v.text_str(b["type"], "type", r) if "type" in b else "sse"
    if t not in ("http", "sse", "stdio") or t == "stdio":
        r.report("NEX203", b["type"].span if "type" in b else e.span,
                 f"MCP server '{name}': NexA4A servers are reached by URL; type must be sse or http, not {t!r}")
        return None
    url = _env_text(b["url"], "url", r) if "url" in b else None
    if url is None:
        r.report("NEX202", e.span, f"MCP server '{name}' needs a 'url'")
        return None
    f: dict[str, Any] = {"call_timeout": 60.0}
    if "timeout" in b:
        x = v.number(b["timeout"], "timeout", r)
        if isinstance(x, (int, float)):
            f["call_timeout"] = float(x)
    return McpServer(span=e.span, name=name, transport=t, url=url, value_spans=literal_spans(b["url"], "url"), **f)


def _agent(e: Loc, tools: dict[str, str], servers: dict[str, str], loader: Loader, path: str,
           r: Reporter) -> dict[str, Any] | None:
    kept: dict[str, Any] = {}
    b = _keys(e, AGENT_KEYS, ENTRY_META, "an agent", r, kept)
    named = _required(b, "agent_name", e, "agent", r)
    if named is None:
        return None
    name = loader.ident(named[0], named[1], "agent")
    fields: dict[str, Any] = {"description": _description(b, kept, r)}
    if "sysprompt_path" in b and (p := v.text_str(b["sysprompt_path"], "sysprompt_path", r)):
        target = os.path.normpath(os.path.join(os.path.dirname(path), p))
        if outside_project(target, p, path, b["sysprompt_path"].span, r):
            pass
        elif not os.path.isfile(target):
            r.report("NEX600", b["sysprompt_path"].span, f"prompt file '{p}' does not exist (looked for '{target}')")
        else:
            fields["prompt"] = Prompt(span=b["sysprompt_path"].span, file=p)
    elif "sysprompt_path" not in b:
        r.report("NEX202", e.span, f"agent '{named[0]}' has no 'sysprompt_path'")
    if "llm_config" in b and (s := v.text_str(b["llm_config"], "llm_config", r)):
        fields["llm"] = Name(span=b["llm_config"].span, value=s)
    names: list[Name] = []
    for key, table, fmt in (("tools", tools, "{}"), ("mcp_servers", servers, "{}.*")):
        for item in (v.items(b[key], key, r) if key in b else []):
            s = v.text_str(item, key, r)
            if s is not None:
                names.append(Name(span=item.span, value=fmt.format(table.get(s, s))))
    return {"written": named[0], "name": name, "name_span": named[1], "span": e.span, "fields": fields,
            "tools": names, "kept": kept}


def _workflow(w: dict[str, Loc], agents: dict[str, dict[str, Any]], tools: dict[str, str],
              servers: dict[str, str], r: Reporter) -> list[dict]:
    """Edges become delegation (see the module docstring); returns the edges' descriptive keys (metadata)."""
    kept_edges: list[dict] = []
    kinds = {**{t: "tool" for t in tools}, **{s: "mcp" for s in servers}, **{a: "agent" for a in agents}}
    for node in _list(w, "nodes", r):
        nb = _keys(node, ("id", "type"), ENTRY_META + ("name", "description"), "a workflow node", r, {})
        named = _required(nb, "id", node, "workflow node", r)
        if named is None:
            continue
        if named[0] not in kinds:
            _unknown(named[0], named[1], kinds, r)
        elif "type" in nb and nb["type"].value != kinds[named[0]]:
            r.report("NEX620", nb["type"].span, f"node '{named[0]}' is declared as {kinds[named[0]]}, not "
                                                f"{nb['type'].value!r}")
    for edge in _list(w, "edges", r):
        kept: dict[str, Any] = {}
        eb = _keys(edge, ("from", "to"), EDGE_META, "a workflow edge", r, kept)
        if kept:
            kept_edges.append({"from": eb["from"].plain() if "from" in eb else None,
                               "to": eb["to"].plain() if "to" in eb else None, **kept})
        src, dst = _required(eb, "from", edge, "workflow edge", r), _required(eb, "to", edge, "workflow edge", r)
        if src is None or dst is None:
            continue
        if src[0] not in agents:
            if src[0] in kinds:
                r.report("NEX620", src[1], f"an edge must start at an agent; '{src[0]}' is a {kinds[src[0]]}")
            else:
                _unknown(src[0], src[1], kinds, r)
            continue
        kind = kinds.get(dst[0])
        if kind is None:
            _unknown(dst[0], dst[1], kinds, r)
            continue
        value = {"agent": lambda n: agents[n]["name"], "tool": lambda n: tools[n],
                 "mcp": lambda n: f"{servers[n]}.*"}[kind](dst[0])
        agents[src[0]]["tools"].append(Name(span=dst[1], value=value))
    return kept_edges


def _unknown(name: str, span: Span, kinds: dict[str, str], r: Reporter) -> None:
    from nexc.diagnostics.suggest import did_you_mean

    guess = did_you_mean(name, list(kinds))
    r.report("NEX620", span, f"workflow names '{name}', which is no agent, tool or MCP server"
             + (f"; did you mean '{guess}'?" if guess else ""), fix=f"replace '{name}' with '{guess}'" if guess else None)


__all__ = ["NAME", "detect", "load"]
