"""A resolved framework as canonical nexc YAML (``*.nex.yaml``).

The output is lossless (loading and resolving it gives the same IR, spans aside), deterministic
(the same IR always gives the same bytes) and readable: block style, keys in the order of the
language reference, defaults left out, multi-line strings as ``|`` block literals where they
round-trip exactly, env references as ``{env: NAME, default: D}``, short lists of names in flow
style. The first line is a yaml-language-server modeline naming the JSON Schema.
"""
from __future__ import annotations

import json
import math
import os
import re
from typing import Any

from nexc.ir.model import (
    Agent, AgentRef, Binding, EnvRef, Extension, Framework, Limits, Llm, McpSelection, McpServer, Prompt, Skill,
    SkillRef, Tool, ToolRef,
)

#: Modeline target when no URL is given: the schema's path relative to a spec in the repository root.
DEFAULT_SCHEMA_REF = "specs/nexc.schema.json"
_FLOW_WIDTH = 100
_SECTIONS = ("llms", "tools", "mcp_servers", "skills", "agents")
_INDENT = "  "
#: Longest key written as an implicit ``key: value``. YAML allows an implicit key of at most 1024 characters
#: (libyaml counts bytes); a longer key is written in the explicit form ``? key`` / ``: value``.
MAX_IMPLICIT_KEY = 1000


def schema_ref_for(output_path: str) -> str:
    """The relative path from a YAML file written at ``output_path`` to the schema shipped with nexc."""
    from nexc.resources import data_dir

    target = data_dir("specs") / "nexc.schema.json"
    rel = os.path.relpath(target, os.path.dirname(os.path.abspath(output_path)))
    return rel.replace(os.sep, "/")


# ---------------------------------------------------------------- scalars

_PLAIN = re.compile(r"^[A-Za-z0-9_/.][A-Za-z0-9_./@+\-]*(?:[ :][A-Za-z0-9_./@+\-*]+)*$")
_PLAIN_FLOW = re.compile(r"^[A-Za-z0-9_/.][A-Za-z0-9_./@+\-*]*$")
#: Characters a YAML double-quoted string must escape beyond what JSON escapes: non-printable
#: characters, and the line breaks YAML 1.1 readers fold (NEL, LS, PS), and the BOM.
_UNSAFE = re.compile("[\x7f-\x84\x86-\x9f\u0085\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def _yaml11_resolves(s: str) -> bool:
    """Whether a YAML 1.1 reader (PyYAML ``safe_load``, NexAU) would read plain ``s`` as a non-string."""
    from yaml.nodes import ScalarNode
    from yaml.resolver import Resolver

    return Resolver().resolve(ScalarNode, s, (True, False)) != "tag:yaml.org,2002:str"


def _plain_ok(s: str, flow: bool) -> bool:
    from nexc.frontend.yaml_loader import resolve_plain

    if not (_PLAIN_FLOW if flow else _PLAIN).fullmatch(s) or s.startswith(("...", "---")):
        return False
    return resolve_plain(s) == s and not _yaml11_resolves(s) and s not in ("-", "<<")


def quote(s: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly ``s``."""
    body = json.dumps(s, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", body)


def scalar(v: Any, *, flow: bool = False) -> str:
    """One scalar (or an env reference) on one line."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return ".nan"
        if math.isinf(v):
            return ".inf" if v > 0 else "-.inf"
        return repr(v)
    if isinstance(v, EnvRef):
        d = "" if v.default is None else f", default: {scalar(v.default, flow=True)}"
        return f"{{env: {scalar(v.name, flow=True)}{d}}}"
    if isinstance(v, str):
        return v if _plain_ok(v, flow) else quote(v)
    raise TypeError(f"not a YAML scalar: {type(v).__name__}")


def _literal(s: str) -> list[str] | None:
    """``s`` as a ``|`` block scalar: the header, then the content lines (unindented), or None when a block
    literal cannot hold ``s`` exactly (control characters, CR, no line break, several trailing newlines)."""
    if "\n" not in s or "\r" in s or _UNSAFE.search(s) or any(c < " " and c not in "\t\n" for c in s):
        return None
    body = s.rstrip("\n")
    trailing = len(s) - len(body)
    if not body or trailing > 1:
        return None
    lines = body.split("\n")
    first = next(ln for ln in lines if ln)
    # a first line that starts with a space, or lines of only spaces, defeat indentation auto-detection
    indicator = "2" if first.startswith(" ") or any(ln and not ln.strip(" ") for ln in lines) else ""
    return [f"|{indicator}{'' if trailing else '-'}", *lines]


def _roundtrips(block: list[str], s: str) -> bool:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = f"k: {block[0]}\n" + "".join((f"  {ln}" if ln else "") + "\n" for ln in block[1:])
    try:
        return yaml.load(text, Loader=loader) == {"k": s}
    except yaml.YAMLError:
        return False


# ---------------------------------------------------------------- block writer


def _is_flow_list(v: list) -> bool:
    return all(isinstance(x, (str, int, float, bool, EnvRef)) or x is None for x in v)


def _node(v: Any, indent: str) -> tuple[str | None, list[str]]:
    """How to write ``v`` whose key (or ``-``) sits at ``indent``: (text on the same line, following lines).
    Nested blocks are indented one level deeper than ``indent``."""
    inner = indent + _INDENT
    if isinstance(v, dict):
        if not v:
            return "{}", []
        if len(v) <= 3 and _is_flow_list(list(v.values())):
            flow = "{" + ", ".join(f"{scalar(str(k), flow=True)}: {scalar(x, flow=True)}"
                                   for k, x in v.items()) + "}"
            if len(indent) + len(flow) <= _FLOW_WIDTH // 2:
                return flow, []
        return None, _map_lines(v, inner)
    if isinstance(v, (list, tuple)):
        v = list(v)
        if not v:
            return "[]", []
        if _is_flow_list(v):
            flow = f"[{', '.join(scalar(x, flow=True) for x in v)}]"
            if len(indent) + len(flow) <= _FLOW_WIDTH:
                return flow, []
        return None, _seq_lines(v, inner)
    if isinstance(v, str):
        block = _literal(v)
        if block and _roundtrips(block, v):
            return block[0], [(inner + ln) if ln else "" for ln in block[1:]]
    return scalar(v), []


def _value_lines(key: str, v: Any, indent: str) -> list[str]:
    """``key: value`` at ``indent``, as lines; ``? key`` / ``: value`` when the key is too long to be implicit."""
    same, rest = _node(v, indent)
    if len(key.encode("utf-8")) > MAX_IMPLICIT_KEY:
        return [f"{indent}? {key}", f"{indent}:" + (f" {same}" if same is not None else ""), *rest]
    return [f"{indent}{key}:" + (f" {same}" if same is not None else ""), *rest]


def _map_lines(m: dict, indent: str) -> list[str]:
    out: list[str] = []
    for k, v in m.items():
        out.extend(_value_lines(scalar(str(k), flow=True), v, indent))
    return out


def _seq_lines(items: list, indent: str) -> list[str]:
    out: list[str] = []
    for v in items:
        same, rest = _node(v, indent)
        if same is not None:
            out.append(f"{indent}- {same}")
            out.extend(rest)
        else:  # a non-empty map or list: its first line joins the dash
            out.append(f"{indent}- {rest[0][len(indent) + len(_INDENT):]}")
            out.extend(rest[1:])
    return out


# ---------------------------------------------------------------- IR → plain YAML data


def _drop_defaults(node, fields: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """``fields`` without the entries equal to the model's defaults (and without ``skip``)."""
    out = {}
    for k, v in fields.items():
        if k in skip:
            continue
        info = type(node).model_fields.get(k)
        if info is not None and not info.is_required():
            default = info.get_default(call_default_factory=True)
            if v == default and type(v) is type(default):
                continue
        out[k] = v
    return out


def _llm(x: Llm) -> dict:
    fields = {k: getattr(x, k) for k in ("model", "base_url", "api_key", "temperature", "top_p", "max_tokens",
                                         "timeout", "max_retries", "params")}
    return _drop_defaults(x, fields)


def _binding(b: Binding) -> Any:
    if b.kind == "simulated":
        if not b.target and not b.examples:
            return "simulated"
        out: dict[str, Any] = {"simulated": b.target or True}
        if b.examples:
            out["examples"] = list(b.examples)
        return out
    return b.target if b.kind == "python" else {b.kind: b.target}


def _tool(t: Tool) -> dict:
    out: dict[str, Any] = {}
    stdlib = t.binding is not None and t.binding.kind == "stdlib"
    if t.description or stdlib:  # stdlib tools would otherwise take the stdlib's description
        out["description"] = t.description
    out["parameters"] = t.parameters
    if t.returns is not None:
        out["returns"] = t.returns
    if t.binding is not None:
        out["binding"] = _binding(t.binding)
    out.update(_drop_defaults(t, {"parallel": t.parallel, "extra_kwargs": t.extra_kwargs, "lazy": t.lazy}))
    return out


def _mcp(s: McpServer) -> dict:
    fields = {k: getattr(s, k) for k in ("transport", "command", "args", "env", "cwd", "url", "headers",
                                         "connect_timeout", "call_timeout", "include", "exclude", "deny")}
    out = _drop_defaults(s, fields)
    out["transport"] = s.transport
    if s.include is not None:
        out["include"] = list(s.include)
    return {k: out[k] for k in fields if k in out}


def _skill(s: Skill) -> Any:
    if s.description is None:
        return s.path
    return {"path": s.path, "description": s.description}


def _prompt(p: Prompt) -> Any:
    if p.text is not None and p.file is None and not p.template and not p.variables:
        return p.text
    out: dict[str, Any] = {"text": p.text} if p.text is not None else {"file": p.file}
    if p.template:
        out["template"] = True
    if p.variables:
        out["variables"] = list(p.variables)
    return out


def _toolset_entry(e: Any) -> list[str]:
    if isinstance(e, (ToolRef, AgentRef, SkillRef)):
        return [e.name]
    if isinstance(e, McpSelection):
        return [f"{e.server}.*"] if e.tools is None else [f"{e.server}.{t}" for t in e.tools]
    raise TypeError(f"unknown toolset entry {type(e).__name__}")


def _extension(e: Extension) -> Any:
    if e.kind == "middleware" and not e.params:
        return e.target
    out: dict[str, Any] = {"import": e.target}
    if e.params:
        out["params"] = e.params
    if e.kind != "middleware":
        out["kind"] = e.kind
    return out


def _agent(a: Agent) -> dict:
    out: dict[str, Any] = {}
    if a.description:
        out["description"] = a.description
    if a.llm is not None:
        out["llm"] = a.llm
    if a.prompt is not None:
        out["prompt"] = _prompt(a.prompt)
    if a.tools:
        out["tools"] = [n for e in a.tools for n in _toolset_entry(e)]
    if a.stop_tools:
        out["stop_tools"] = list(a.stop_tools)
    lim: Limits = a.limits
    out.update(_drop_defaults(lim, {"max_iterations": lim.max_iterations,
                                    "context_tokens": lim.context_tokens,
                                    "max_depth": lim.max_depth}))
    out.update(_drop_defaults(a, {"tool_format": a.tool_format, "parallel_tool_calls": a.parallel_tool_calls,
                                  "storage_seed": a.storage_seed}))
    if a.extensions:
        out["extensions"] = [_extension(e) for e in a.extensions]
    out.update(_drop_defaults(a, {"context": a.context}))
    return out


def framework_data(fw: Framework) -> dict[str, Any]:
    """The framework as the plain data of a nexc YAML document (env references stay :class:`EnvRef`)."""
    doc: dict[str, Any] = {"nex": fw.language_version, "name": fw.name}
    if fw.description:
        doc["description"] = fw.description
    if fw.metadata:
        doc["metadata"] = fw.metadata
    if fw.profile != "nexc":
        doc["profile"] = fw.profile
    for key, items, conv in (("llms", fw.llms, _llm), ("tools", fw.tools, _tool),
                             ("mcp_servers", fw.mcp_servers, _mcp),
                             ("skills", fw.skills, _skill), ("agents", fw.agents, _agent)):
        if items:
            doc[key] = {x.name: conv(x) for x in items}
    doc["entry"] = fw.entry
    return doc


def emit_yaml(fw: Framework, *, schema_url: str | None = None) -> str:
    """``fw`` as canonical nexc YAML text, starting with a yaml-language-server modeline."""
    lines = [f"# yaml-language-server: $schema={schema_url or DEFAULT_SCHEMA_REF}"]
    for key, value in framework_data(fw).items():
        if key not in _SECTIONS:
            lines.extend(_value_lines(key, value, ""))
            continue
        if lines[-1] != "":
            lines.append("")
        lines.append(f"{key}:")
        for i, (name, body) in enumerate(value.items()):
            decl = _value_lines(scalar(name, flow=True), body, _INDENT)
            if i and (len(decl) > 1 or lines[-1].startswith(_INDENT * 2)):
                lines.append("")
            lines.extend(decl)
        lines.append("")
    while lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
