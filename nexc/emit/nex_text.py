"""A resolved :class:`~nexc.ir.model.Framework` as canonical ``.nex`` text (``nexc convert --to nex``).

Lossless: parsing the text and resolving it gives the same IR (spans aside), provided the text is
written to the framework's root directory (prompt files and skill folders are relative to it). Values
equal to the language's defaults are left out; tool schemas that a signature produces exactly are
written as signatures, others as ``parameters = {…}``. The layout is whatever ``nexc fmt`` makes of it.
"""
from __future__ import annotations

import re
from typing import Any

from nexc.frontend.nex.signature import quote, returns_type, signature_of
from nexc.ir.model import (
    AgentRef, EnvRef, Extension, Framework, Limits, Llm, McpSelection, McpServer, Prompt, Skill, SkillRef, Tool,
    ToolRef,
)

_REF = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|\*))*")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESERVED = frozenset({"true", "false", "null"})
_EMPTY_PARAMS = {"type": "object", "properties": {}}
_LIMITS = Limits()


def emit_nex(fw: Framework) -> str:
    """``fw`` as canonical .nex source text."""
    parts = [f"nex {fw.language_version}", _framework(fw)]
    parts += [_llm(x) for x in fw.llms]
    parts += [_tool(x) for x in fw.tools]
    parts += [_mcp(x) for x in fw.mcp_servers]
    parts += [_skill(x) for x in fw.skills]
    parts += [_agent(a) for a in fw.agents]
    parts.append(f"entry {fw.entry}")
    text = "\n\n".join(parts) + "\n"
    from nexc.frontend.nex.fmt import format_source

    formatted, _ = format_source(text, "<nexc convert>")
    return formatted if formatted is not None else text


# ---------------------------------------------------------------- values


def string(s: str) -> str:
    """A string literal with exactly the value ``s``: a block string for multi-line text, else quoted."""
    if "\n" not in s:
        return quote(s)
    lines = []
    for line in s.split("\n"):
        body = quote(line)[1:-1].replace('\\"', '"')
        body = re.sub(r'"{3,}', lambda m: '\\"' * len(m.group()), body)
        lines.append("  " + body if body else "")
    return '"""\n' + "\n".join(lines) + '\n  """'


def value(v: Any) -> str:
    """Plain data (and env references) as a .nex value."""
    if isinstance(v, EnvRef):
        return f"env({quote(v.name)}" + (f", {quote(v.default)}" if v.default is not None else "") + ")"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return string(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{key(k)}: {value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as a .nex value")


def key(k: str) -> str:
    """A map key: bare when it is a name, else quoted."""
    return k if _KEY.fullmatch(k) and k not in _RESERVED else quote(k)


def ref(name: str) -> str:
    """A reference: bare when the syntax allows, else a string (which means the same)."""
    if _REF.fullmatch(name) and name.split(".")[0] not in _RESERVED:
        return name
    return quote(name)


def _block(head: str, settings: list[tuple[str, str]]) -> str:
    if not settings:
        return head
    return head + " {\n" + "\n".join(f"  {k} = {v}" for k, v in settings) + "\n}"


# ---------------------------------------------------------------- declarations


def _framework(fw: Framework) -> str:
    head = f"framework {fw.name}" + (f" {quote(fw.description)}" if fw.description else "")
    settings = [("metadata", value(fw.metadata))] if fw.metadata else []
    if fw.profile != "nexc":
        settings.append(("profile", fw.profile))
    return _block(head, settings)


def _llm(x: Llm) -> str:
    s = []
    for k in ("model", "base_url", "api_key", "temperature", "top_p", "max_tokens", "timeout", "max_retries"):
        v = getattr(x, k)
        if v is not None:
            s.append((k, value(v)))
    if x.params:
        s.append(("params", value(x.params)))
    return f"llm {x.name} {{\n" + "\n".join(f"  {k} = {v}" for k, v in s) + "\n}" if s else f"llm {x.name} {{}}"


def _tool(t: Tool) -> str:
    default_desc, default_params = "", None
    if t.binding is not None and t.binding.kind == "stdlib":
        from nexc.stdlib_catalog import stdlib_tools

        lib = stdlib_tools().get(t.binding.target) or {}
        default_desc = lib.get("description", "")
        default_params = lib.get("parameters") or _EMPTY_PARAMS
    head = f"tool {t.name}"
    settings: list[tuple[str, str]] = []
    if t.parameters != default_params:
        params = signature_of(t.parameters)
        if params is not None and not any(_unwritable(p) for p in params):
            head += "(" + ", ".join(_param(p) for p in params) + ")"
        else:
            settings.append(("parameters", value(t.parameters)))
    if t.returns is not None:
        rt = returns_type(t.returns)
        if rt is not None and not rt.optional:
            head += f" -> {rt.text()}"
        else:
            settings.append(("returns", value(t.returns)))
    if t.description != default_desc:
        head += f" {quote(t.description)}"
    if t.binding is not None and t.binding.kind == "simulated":
        args = [quote(t.binding.target)] if t.binding.target else []
        if t.binding.examples:
            args.append(f"examples = {value(list(t.binding.examples))}")
        settings.append(("binding", f"simulated({', '.join(args)})" if args else "simulated"))
    elif t.binding is not None:
        head += f" = {t.binding.kind} {quote(t.binding.target)}"
    if not t.parallel:
        settings.append(("parallel", "false"))
    if t.lazy:
        settings.append(("lazy", "true"))
    if t.extra_kwargs:
        settings.append(("extra_kwargs", value(t.extra_kwargs)))
    if t.binding is None and "(" not in head and not any(k == "parameters" for k, _ in settings):
        head += "()"  # a tool without binding must say what it takes
    return _block(head, settings)


def _unwritable(p) -> bool:
    """Whether a signature cannot say parameter ``p``: an optional enum without a default (``?`` may only
    follow a type name, so ``"a" | "b"?`` does not parse); its tool is written with ``parameters = {…}``."""
    return p.type.literals is not None and p.type.optional


def _param(p) -> str:
    out = f"{p.name}: {p.type.text()}"
    if p.has_default:
        out += f" = {value(p.default)}"
    if p.description is not None:
        out += f" {quote(p.description)}"
    return out


def _mcp(m: McpServer) -> str:
    head = f"mcp {m.name}"
    settings: list[tuple[str, str]] = []
    main = m.command if m.transport == "stdio" else m.url
    if main is not None:
        head += f" = {m.transport} {value(main)}"
        if m.transport == "stdio" and m.args:
            head += " " + value(list(m.args))
        elif m.args:
            settings.append(("args", value(list(m.args))))
    else:
        settings.append(("transport", quote(m.transport)))
        if m.args:
            settings.append(("args", value(list(m.args))))
    if m.transport != "stdio" and m.command is not None:
        settings.append(("command", value(m.command)))
    for k in ("env", "cwd", "url", "headers", "connect_timeout", "call_timeout", "include"):
        v = getattr(m, k)
        if k == "url" and m.transport != "stdio":
            continue
        if v is None or (k in ("env", "headers") and not v):
            continue
        settings.append((k, value(list(v) if isinstance(v, tuple) else v)))
    if m.exclude:
        settings.append(("exclude", value(list(m.exclude))))
    if m.deny:
        settings.append(("deny", value(list(m.deny))))
    return _block(head, settings)


def _skill(s: Skill) -> str:
    return _block(f"skill {s.name} = {quote(s.path)}",
                  [("description", string(s.description))] if s.description is not None else [])


def _prompt(p: Prompt) -> str:
    src = f"file({quote(p.file)})" if p.file is not None else string(p.text or "")
    if not p.template:
        return src
    return f"template({src}" + (f", vars = {value(list(p.variables))}" if p.variables else "") + ")"


def _entry(e) -> list[str]:
    if isinstance(e, McpSelection):
        if e.tools is None:
            return [ref(f"{e.server}.*")]
        return [ref(f"{e.server}.{t}") for t in e.tools]
    if isinstance(e, (ToolRef, AgentRef, SkillRef)):
        return [ref(e.name)]
    raise TypeError(f"unknown toolset entry {type(e).__name__}")


def _extension(x: Extension) -> str:
    if x.kind == "middleware" and not x.params:
        return quote(x.target)
    out = {"import": x.target}
    if x.params:
        out["params"] = x.params
    if x.kind != "middleware":
        out["kind"] = x.kind
    return value(out)


def _agent(a) -> str:
    head = f"agent {a.name}" + (f" {quote(a.description)}" if a.description else "")
    s: list[tuple[str, str]] = []
    if a.llm is not None:
        s.append(("llm", ref(a.llm)))
    if a.prompt is not None:
        s.append(("prompt", _prompt(a.prompt)))
    if a.tools:
        s.append(("tools", "[" + ", ".join(x for e in a.tools for x in _entry(e)) + "]"))
    if a.stop_tools:
        s.append(("stop_tools", "[" + ", ".join(ref(x) for x in a.stop_tools) + "]"))
    for k in ("max_iterations", "context_tokens", "max_depth"):
        v = getattr(a.limits, k)
        if v != getattr(_LIMITS, k):
            s.append((k, value(v)))
    if a.tool_format != "openai":
        s.append(("tool_format", ref(a.tool_format)))
    if not a.parallel_tool_calls:
        s.append(("parallel_tool_calls", "false"))
    if a.storage_seed:
        s.append(("storage_seed", value(a.storage_seed)))
    if a.extensions:
        s.append(("extensions", "[" + ", ".join(_extension(x) for x in a.extensions) + "]"))
    if a.context:
        s.append(("context", value(a.context)))
    return head + " {\n" + "\n".join(f"  {k} = {v}" for k, v in s) + "\n}" if s else head + " {}"
