"""Surface builder: located values (from any text frontend) → surface IR, with key and type checks.

The keys themselves are :mod:`nexc.frontend.keys`; value conversion is :mod:`nexc.frontend.coerce`. The
``.nex`` frontend calls the ``build_*`` functions per declaration; the YAML frontend calls
:func:`build_document` on the whole file. Every problem is reported (unknown keys with did-you-mean, wrong
types, bad values); a declaration with errors is still built from its valid parts so that later passes can report more.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from nexc.diagnostics import Reporter
from nexc.diagnostics.suggest import did_you_mean
from nexc.frontend.coerce import (as_bool, as_float, as_int, as_json, as_json_map, as_list, as_map, as_str,
                                  as_str_list, as_text, check_keys, env_ref, finite, unknown_call, wrong_type)
from nexc.frontend.keys import (AGENT_ALIASES, AGENT_KEYS, DOCUMENT_KEYS, EXTENSION_KEYS, EXTENSION_KINDS,
                                LLM_KEYS, MCP_DENY, MCP_KEYS, PROMPT_KEYS, SKILL_KEYS, TOOL_KEYS, check_identifier)
from nexc.frontend.located import Call, Loc, literal_spans, pointer_spans, type_name
from nexc.ir.base import Span
from nexc.ir.model import Binding, Extension, Llm, McpServer, Prompt, Skill
from nexc.ir.surface import Import, Name, SourceFile, SurfaceAgent, SurfaceTool

def set_field(fields: dict, body: dict[str, Loc], key: str, conv: Callable[[Loc, str, Reporter], Any], r: Reporter,
              target: str | None = None) -> None:
    """``fields[target or key] = conv(body[key])`` when ``key`` is present and converts."""
    if key in body:
        val = conv(body[key], key, r)
        if val is not None:
            fields[target or key] = val


def value_spans(body: dict[str, Loc], fields: dict, keys: tuple[str, ...]) -> dict[str, Span]:
    """Where each literal string of the ``keys`` that were built into ``fields`` was written."""
    return {p: sp for k in keys if k in fields and k in body for p, sp in literal_spans(body[k], k).items()}


# ---------------------------------------------------------------- declarations


def build_llm(name: str, name_span: Span | None, body: Loc, span: Span, r: Reporter) -> Llm:
    """An ``llm`` declaration."""
    check_identifier(name, name_span or span, "llm", r)
    b = check_keys(body, LLM_KEYS, f"llm '{name}'", r)
    f: dict[str, Any] = {}
    for k in ("model", "base_url", "api_key"):
        set_field(f, b, k, as_text, r)
    if "temperature" in b:
        ref = env_ref(b["temperature"], "temperature", r)
        f["temperature"] = ref if ref else as_float(b["temperature"], "temperature", r, minimum=0)
        if f["temperature"] is None:
            del f["temperature"]
    set_field(f, b, "top_p", lambda l, k, r: as_float(l, k, r, minimum=0, maximum=1), r)
    set_field(f, b, "max_tokens", lambda l, k, r: as_int(l, k, r, minimum=1), r)
    set_field(f, b, "timeout", lambda l, k, r: as_float(l, k, r, minimum=0), r)
    set_field(f, b, "max_retries", lambda l, k, r: as_int(l, k, r, minimum=0), r)
    set_field(f, b, "params", as_json_map, r)
    if f.get("params") and not finite(f["params"]):
        r.report("NEX203", b["params"].span, f"llm '{name}': params hold NaN or infinity, which JSON cannot send",
                 fix="write finite numbers")
        del f["params"]
    return Llm(span=span, name=name, value_spans=value_spans(b, f, ("model", "base_url", "api_key", "params")), **f)


def build_simulated(loc: Loc, key: str, r: Reporter) -> Binding | None:
    """``simulated``, ``simulated("prompt", examples = [...])`` or ``{simulated: "prompt", examples: [...]}``."""
    v = loc.value
    prompt, examples = None, None
    if isinstance(v, Call):
        if v.kwargs.keys() - {"examples"} or len(v.args) > 1:
            r.report("NEX201", loc.span, 'simulated() takes an optional prompt and examples: '
                                         'simulated("You answer like a weather API.", examples = [...])')
            return None
        prompt = v.args[0] if v.args else None
        examples = v.kwargs.get("examples")
    elif isinstance(v, dict):
        b = check_keys(loc, ("simulated", "examples"), "binding", r)
        prompt = b["simulated"] if b["simulated"].value is not True else None
        examples = b.get("examples")
    target = ""
    if prompt is not None and prompt.value is not None:
        target = as_str(prompt, f"{key}: simulator prompt", r) or ""
    out: list[dict] = []
    for i, e in enumerate(as_list(examples, f"{key}: examples", r) or [] if examples is not None else []):
        ex = as_json(e, f"{key}: examples[{i}]", r)
        if not isinstance(ex, dict) or set(ex) - {"arguments", "result"} or not isinstance(ex.get("arguments"), dict):
            r.report("NEX201", e.span, "an example is {arguments: {...}, result: ...}")
            continue
        out.append(ex)
    return Binding(span=loc.span, kind="simulated", target=target, examples=tuple(out))


def build_binding(loc: Loc, key: str, r: Reporter) -> Binding | None:
    """``"module:function"``, ``python("m:f")``, ``stdlib("name")``, ``{python: "m:f"}``, ``{stdlib: name}`` or
    a simulated tool (:func:`build_simulated`)."""
    v = loc.value
    if v == "simulated" or (isinstance(v, Call) and v.name == "simulated") or (isinstance(v, dict) and "simulated" in v):
        return build_simulated(loc, key, r) if v != "simulated" else Binding(span=loc.span, kind="simulated")
    if isinstance(v, str):
        kind, target = "python", v
    elif isinstance(v, Call) and v.name in ("python", "stdlib"):
        if len(v.args) != 1 or v.kwargs:
            r.report("NEX201", loc.span, f"{v.name}() takes exactly one string argument")
            return None
        target = as_str(v.args[0], key, r)
        kind = v.name
    elif isinstance(v, Call):
        unknown_call(loc, ("python", "stdlib", "simulated"), r)
        return None
    elif isinstance(v, dict):
        b = check_keys(loc, ("python", "stdlib"), "binding", r)
        if len(b) != 1:
            r.report("NEX202", loc.span, "a binding needs exactly one of 'python' or 'stdlib'")
            return None
        kind, val = next(iter(b.items()))
        target = as_str(val, f"binding.{kind}", r)
    else:
        wrong_type(loc, key, 'python("module:function") or stdlib("name")', r)
        return None
    if target is None:
        return None
    if kind == "python" and not re.match(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$", target):
        r.report("NEX203", loc.span, f"python binding '{target}' is not of the form 'package.module:function'")
        return None
    return Binding(span=loc.span, kind=kind, target=target)


def build_tool(name: str, name_span: Span | None, body: Loc, span: Span, r: Reporter) -> SurfaceTool:
    """A ``tool`` declaration (``parameters`` is a JSON Schema; the .nex frontend derives it from the signature)."""
    check_identifier(name, name_span or span, "tool", r)
    b = check_keys(body, TOOL_KEYS, f"tool '{name}'", r)
    f: dict[str, Any] = {}
    set_field(f, b, "description", as_str, r)
    set_field(f, b, "parameters", as_json_map, r)
    set_field(f, b, "returns", as_json_map, r)
    set_field(f, b, "binding", build_binding, r)
    set_field(f, b, "parallel", as_bool, r)
    set_field(f, b, "extra_kwargs", as_json_map, r)
    set_field(f, b, "lazy", as_bool, r)
    if "parameters" in f and f["parameters"].get("type", "object") != "object":
        r.report("NEX203", b["parameters"].span, "a tool's parameters must be a JSON Schema of type 'object'")
        del f["parameters"]
    spans = {p: sp for k in ("parameters", "returns") if k in f for p, sp in pointer_spans(b[k], k).items()}
    return SurfaceTool(span=span, name=name, name_span=name_span, schema_spans=spans, **f)


def build_mcp(name: str, name_span: Span | None, body: Loc, span: Span, r: Reporter) -> McpServer | None:
    """An ``mcp`` server declaration: ``transport`` stdio (``command``, ``args``, ``env``) or http/sse (``url``)."""
    check_identifier(name, name_span or span, "MCP server", r)
    b = check_keys(body, MCP_KEYS, f"MCP server '{name}'", r)
    f: dict[str, Any] = {}
    transport = as_str(b["transport"], "transport", r) if "transport" in b else None
    if transport is None:
        transport = "stdio" if "command" in b else "http" if "url" in b else None
    if transport not in ("stdio", "http", "sse"):
        where = b["transport"].span if "transport" in b else span
        if transport is None and "transport" not in b:
            r.report("NEX202", where, f"MCP server '{name}' needs a command (stdio) or a url (http)")
        else:
            guess = did_you_mean(str(transport), ("stdio", "http", "sse"))
            r.report("NEX203", where, f"unknown MCP transport '{transport}'; use stdio, http or sse"
                     + (f" (did you mean '{guess}'?)" if guess else ""))
        return None
    set_field(f, b, "command", as_text, r)
    if "args" in b:
        items = as_list(b["args"], "args", r) or []
        f["args"] = tuple(x for x in (as_text(i, "args", r) for i in items) if x is not None)
    for k in ("env", "headers"):
        if k in b:
            m = as_map(b[k], k, r) or {}
            f[k] = {kk: x for kk, x in ((kk, as_text(v, f"{k}.{kk}", r)) for kk, v in m.items()) if x is not None}
    set_field(f, b, "cwd", as_str, r)
    set_field(f, b, "url", as_text, r)
    set_field(f, b, "connect_timeout", lambda l, k, r: as_float(l, k, r, minimum=0), r)
    set_field(f, b, "call_timeout", lambda l, k, r: as_float(l, k, r, minimum=0), r)
    set_field(f, b, "include", as_str_list, r)
    set_field(f, b, "exclude", as_str_list, r)
    if "deny" in b:
        items = as_list(b["deny"], "deny", r) or []
        deny = []
        for i in items:
            v = as_str(i, "deny", r)
            if v is None:
                continue
            if v not in MCP_DENY:
                guess = did_you_mean(v, MCP_DENY)
                r.report("NEX203", i.span, f"unknown tool annotation '{v}' in deny; use one of {', '.join(MCP_DENY)}"
                         + (f" (did you mean '{guess}'?)" if guess else ""), fix=f"replace it with '{guess}'" if guess else None)
            elif v not in deny:
                deny.append(v)
        f["deny"] = tuple(deny)
    if transport == "stdio" and "command" not in f:
        r.report("NEX202", span, f"stdio MCP server '{name}' needs a 'command'")
        return None
    if transport in ("http", "sse") and "url" not in f:
        r.report("NEX202", span, f"{transport} MCP server '{name}' needs a 'url'")
        return None
    spans = value_spans(b, f, ("command", "args", "env", "headers", "url"))
    return McpServer(span=span, name=name, transport=transport, value_spans=spans, **f)


def build_skill(name: str, name_span: Span | None, body: Loc, span: Span, r: Reporter) -> Skill | None:
    """A ``skill``: a folder path (string), or ``{path, description}``."""
    check_identifier(name, name_span or span, "skill", r)
    if isinstance(body.value, str):
        return Skill(span=span, name=name, path=body.value)
    b = check_keys(body, SKILL_KEYS, f"skill '{name}'", r)
    if not isinstance(body.value, dict):
        wrong_type(body, f"skill '{name}'", "a path or a map", r)
        return None
    if "path" not in b:
        r.report("NEX202", span, f"skill '{name}' needs a 'path' (the folder holding SKILL.md)")
        return None
    f: dict[str, Any] = {}
    set_field(f, b, "path", as_str, r)
    set_field(f, b, "description", as_str, r)
    return Skill(span=span, name=name, **f) if "path" in f else None


def build_prompt(loc: Loc, key: str, r: Reporter) -> Prompt | None:
    """Inline text, ``file("p")``, ``template(file("p") | "text", vars=[...])`` or the map form
    ``{text | file, template, variables}``."""
    v = loc.value
    if isinstance(v, str):
        return Prompt(span=loc.span, text=v)
    if isinstance(v, Call):
        if v.name == "file":
            if len(v.args) != 1 or v.kwargs:
                r.report("NEX201", loc.span, 'file() takes one path: file("prompts/agent.md")')
                return None
            path = as_str(v.args[0], "file", r)
            return Prompt(span=loc.span, file=path) if path is not None else None
        if v.name == "template":
            extra = set(v.kwargs) - {"vars", "variables"}
            for k in sorted(extra):
                r.report("NEX200", v.kwargs[k].span, f"template() has no argument '{k}'; use vars=[...]")
            if len(v.args) != 1:
                r.report("NEX201", loc.span, 'template() takes one source: template(file("p.j2"), vars=["x"]) '
                                             'or template("text {{ x }}", vars=["x"])')
                return None
            inner = build_prompt(v.args[0], key, r)
            if inner is None:
                return None
            varloc = v.kwargs.get("vars") or v.kwargs.get("variables")
            variables = as_str_list(varloc, "vars", r) if varloc else ()
            return inner.model_copy(update={"template": True, "variables": tuple(variables or ()), "span": loc.span})
        unknown_call(loc, ("file", "template"), r)
        return None
    if isinstance(v, dict):
        b = check_keys(loc, PROMPT_KEYS, "prompt", r)
        if ("text" in b) == ("file" in b):
            r.report("NEX202", loc.span, "a prompt needs exactly one of 'text' or 'file'")
            return None
        f: dict[str, Any] = {}
        set_field(f, b, "text", as_str, r)
        set_field(f, b, "file", as_str, r)
        set_field(f, b, "template", as_bool, r)
        set_field(f, b, "variables", as_str_list, r)
        if f.get("variables") and not f.get("template"):
            r.report("NEX203", b["variables"].span, "'variables' are only meaningful with 'template: true'")
        return Prompt(span=loc.span, **f) if ("text" in f or "file" in f) else None
    wrong_type(loc, key, 'a string, file("…"), template(…) or a map', r)
    return None


def build_name(loc: Loc, key: str, r: Reporter) -> Name | None:
    """A reference; strings only."""
    s = as_str(loc, key, r)
    return Name(span=loc.span, value=s) if s is not None else None


def build_names(loc: Loc, key: str, r: Reporter) -> tuple[Name, ...]:
    items = as_list(loc, key, r) or []
    return tuple(n for n in (build_name(i, key, r) for i in items) if n is not None)


def build_extension(loc: Loc, key: str, r: Reporter) -> Extension | None:
    """``"module:Attr"`` or ``{import: "module:Attr", params: {...}, kind: middleware}``."""
    if isinstance(loc.value, str):
        return Extension(span=loc.span, target=loc.value)
    b = check_keys(loc, EXTENSION_KEYS, "extension", r)
    if not isinstance(loc.value, dict):
        wrong_type(loc, key, 'a "module:Attr" string or a map with import/params/kind', r)
        return None
    if "import" not in b:
        r.report("NEX202", loc.span, "an extension needs 'import: module:Attr'")
        return None
    f: dict[str, Any] = {}
    set_field(f, b, "import", as_str, r, target="target")
    set_field(f, b, "params", as_json_map, r)
    if "kind" in b:
        kind = as_str(b["kind"], "kind", r)
        if kind not in EXTENSION_KINDS:
            r.report("NEX203", b["kind"].span, f"unknown extension kind '{kind}'; use one of {', '.join(EXTENSION_KINDS)}")
        else:
            f["kind"] = kind
    return Extension(span=loc.span, **f) if "target" in f else None


def build_agent(name: str, name_span: Span | None, body: Loc, span: Span, r: Reporter) -> SurfaceAgent:
    """An ``agent`` declaration."""
    check_identifier(name, name_span or span, "agent", r)
    b = check_keys(body, AGENT_KEYS, f"agent '{name}'", r, aliases=AGENT_ALIASES)
    f: dict[str, Any] = {}
    set_field(f, b, "description", as_str, r)
    set_field(f, b, "llm", build_name, r)
    set_field(f, b, "prompt", build_prompt, r)
    if "tools" in b:
        f["tools"] = build_names(b["tools"], "tools", r)
    if "stop_tools" in b:
        f["stop_tools"] = build_names(b["stop_tools"], "stop_tools", r)
    set_field(f, b, "max_iterations", lambda l, k, r: as_int(l, k, r, minimum=1), r)
    set_field(f, b, "context_tokens", lambda l, k, r: as_int(l, k, r, minimum=1), r)
    set_field(f, b, "max_depth", lambda l, k, r: as_int(l, k, r, minimum=1), r)
    set_field(f, b, "tool_format", build_name, r)
    set_field(f, b, "parallel_tool_calls", as_bool, r)
    set_field(f, b, "storage_seed", as_json_map, r)
    set_field(f, b, "context", as_json_map, r)
    if "extensions" in b:
        items = as_list(b["extensions"], "extensions", r) or []
        f["extensions"] = tuple(e for e in (build_extension(i, "extensions", r) for i in items) if e is not None)
    return SurfaceAgent(span=span, name=name, name_span=name_span, **f)


# ---------------------------------------------------------------- whole documents

_SECTIONS: dict[str, Callable] = {"llms": build_llm, "tools": build_tool, "mcp_servers": build_mcp,
                                  "skills": build_skill, "agents": build_agent}


def build_document(doc: Loc, path: str, r: Reporter) -> SourceFile | None:
    """A whole nexc YAML document (or any mapping of the same shape) → :class:`SourceFile`."""
    if not isinstance(doc.value, dict):
        r.report("NEX201", doc.span, f"a nexc spec must be a map at the top level, not {type_name(doc)}")
        return None
    b = check_keys(doc, DOCUMENT_KEYS, "the framework", r)
    f: dict[str, Any] = {}
    if "nex" in b:
        f["language_version"] = as_int(b["nex"], "nex", r, minimum=1)
        from nexc.version import LANGUAGE_VERSION

        if f["language_version"] and f["language_version"] > LANGUAGE_VERSION:
            r.report("NEX106", b["nex"].span, f"language version {f['language_version']} is newer than this nexc "
                                              f"supports ({LANGUAGE_VERSION})", fix=f"write nex: {LANGUAGE_VERSION}")
    set_field(f, b, "name", as_str, r)
    if "name" in f:
        check_identifier(f["name"], b["name"].span, "framework", r)
    set_field(f, b, "description", as_str, r)
    set_field(f, b, "metadata", as_json_map, r)
    set_field(f, b, "profile", build_name, r)
    if "imports" in b:
        items = as_list(b["imports"], "imports", r) or []
        f["imports"] = tuple(Import(span=i.span, path=s) for i in items if (s := as_str(i, "imports", r)) is not None)
    for section, builder in _SECTIONS.items():
        if section not in b:
            continue
        m = as_map(b[section], section, r)
        if m is None:
            continue
        out = []
        for name, body in m.items():
            node = builder(name, b[section].key_span(name), body, _decl_span(b[section].key_span(name), body.span), r)
            if node is not None:
                out.append(node)
        f[section] = tuple(out)
    set_field(f, b, "entry", build_name, r)
    return SourceFile(span=doc.span, path=path, **{k: v for k, v in f.items() if v is not None})


def _decl_span(key: Span, value: Span) -> Span:
    """From the start of a declaration's key to the end of its value."""
    if (value.end_line, value.end_column) < (key.end_line, key.end_column):
        value = key
    return Span(file=key.file, line=key.line, column=key.column, end_line=value.end_line, end_column=value.end_column)
