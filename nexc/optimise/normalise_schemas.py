"""normalise_schemas: tool parameter schemas in one normal form, optionally strict for a target.

Always: local references (``{"$ref": "#/$defs/X"}``, ``#/definitions/X`` and other JSON pointers into the
same schema) are replaced by what they point at, and ``$defs``/``definitions`` are dropped once nothing
refers to them. A recursive reference cannot be inlined and is left as it is (with its definitions).

With ``ctx.options.schema_target == "openai-strict"`` (OpenAI structured outputs / ``strict: true``),
every object schema also gets ``additionalProperties: false`` and lists all its properties in
``required``; a property that was optional becomes nullable (``"type": [T, "null"]``, ``null`` added to
an ``enum``, or ``anyOf [..., {"type": "null"}]``), so the model writes ``null`` where it would have
left the argument out. The tool's ``strict_optional`` then names the top-level properties that were
optional, and which of them were made nullable: the runtime does not require them, and drops a null
sent for one made nullable (the implementation's default applies); a null for one that took null
already, and nulls for optional properties of nested objects, reach the implementation as ``None``.
"""
from __future__ import annotations

import copy

STRICT_TARGETS = ("openai-strict",)


def _pointer(root, ref: str):
    if not ref.startswith("#"):
        raise KeyError(ref)
    node = root
    for part in [p for p in ref[1:].split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def inline_refs(schema):
    """``schema`` with local ``$ref``s replaced by their targets (recursive ones kept)."""
    if not isinstance(schema, dict):
        return schema
    recursive = False

    def walk(node, stack: tuple[str, ...]):
        nonlocal recursive
        if isinstance(node, list):
            return [walk(x, stack) for x in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            if ref in stack:
                recursive = True
                return dict(node)
            try:
                target = _pointer(schema, ref)
            except (KeyError, IndexError, ValueError, TypeError):
                return dict(node)
            resolved = walk(copy.deepcopy(target), stack + (ref,))
            extra = {k: walk(v, stack) for k, v in node.items() if k != "$ref"}
            if isinstance(resolved, dict):
                return {**resolved, **extra}
            return resolved
        return {k: walk(v, stack) for k, v in node.items() if k not in ("$defs", "definitions")}

    out = walk(schema, ())
    if recursive:  # the remaining $refs still need their definitions, as written
        out.update({k: copy.deepcopy(schema[k]) for k in ("$defs", "definitions") if k in schema})
    return out


def _nullable(schema):
    if not isinstance(schema, dict):
        return schema
    s = dict(schema)
    t = s.get("type")
    if isinstance(t, str):
        if t != "null":
            s["type"] = [t, "null"]
    elif isinstance(t, list):
        if "null" not in t:
            s["type"] = t + ["null"]
    elif "anyOf" in s:
        if {"type": "null"} not in s["anyOf"]:
            s["anyOf"] = list(s["anyOf"]) + [{"type": "null"}]
        return s
    else:
        return {"anyOf": [s, {"type": "null"}]}
    if isinstance(s.get("enum"), list) and None not in s["enum"]:
        s["enum"] = s["enum"] + [None]
    return s


def strict(schema):
    """OpenAI-strict form: closed objects, every property required, optional ones nullable."""
    if isinstance(schema, list):
        return [strict(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k == "properties" and isinstance(v, dict):
            out[k] = {name: strict(sub) for name, sub in v.items()}
        elif k in ("items", "additionalProperties", "not") or k in ("anyOf", "oneOf", "allOf", "prefixItems"):
            out[k] = strict(v)
        elif k in ("$defs", "definitions") and isinstance(v, dict):
            out[k] = {name: strict(sub) for name, sub in v.items()}
        else:
            out[k] = v
    is_object = out.get("type") == "object" or (isinstance(out.get("type"), list) and "object" in out["type"]) \
        or "properties" in out
    if is_object:
        props = out.get("properties") or {}
        required = [r for r in out.get("required") or () if r in props]
        for name in props:
            if name not in required:
                props[name] = _nullable(props[name])
        out["properties"] = props
        out["required"] = list(props)
        out["additionalProperties"] = False
    return out


def optimise(fw, ctx=None):
    """``fw`` with every tool's ``parameters`` normalised (strict when ``schema_target`` asks for it)."""
    target = ctx.options.schema_target if ctx is not None else None
    tools = []
    for t in fw.tools:
        inlined = inline_refs(t.parameters)
        params = strict(inlined) if target in STRICT_TARGETS else inlined
        if params == t.parameters:
            tools.append(t)
            continue
        update: dict = {"parameters": params}
        if target in STRICT_TARGETS:
            update["strict_optional"] = strict_optional(inlined)
        tools.append(t.model_copy(update=update))
    return fw.model_copy(update={"tools": tuple(tools)})


def strict_optional(schema) -> dict[str, bool]:
    """``{name: made nullable}`` for the optional top-level properties of ``schema`` (refs inlined):
    True where :func:`strict` makes the property nullable (a null for it means "left out"), False
    where its own schema takes null already (a null for it stays a value)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return {}
    required = schema.get("required") if isinstance(schema.get("required"), list) else ()
    return {name: _nullable(sub) != sub for name, sub in schema["properties"].items() if name not in required}
