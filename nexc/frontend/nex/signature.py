"""Tool signatures ↔ JSON Schema.

``tool search(query: str "Search query", max_results: int = 5) -> str`` becomes the parameters schema
``{"type": "object", "properties": {...}, "required": [...]}``; the mapping is specified in
``specs/LANGUAGE.md`` ("Tool signatures"). :func:`signature_of` goes the other way for the ``.nex``
emitter: it returns a signature only when that signature maps back to exactly the same schema.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: Scalar type names and their schemas.
SCALARS: dict[str, dict[str, Any]] = {
    "str": {"type": "string"}, "int": {"type": "integer"}, "float": {"type": "number"},
    "bool": {"type": "boolean"}, "any": {}, "object": {"type": "object"},
    "list": {"type": "array"}, "dict": {"type": "object"},
}
#: Generic types and how many type arguments they take.
GENERICS = {"list": 1, "dict": 2}
TYPE_NAMES = ("str", "int", "float", "bool", "any", "object", "list", "dict")


@dataclass
class TypeExpr:
    """A parsed type: a name with arguments (``list[str]``), or a union of string literals."""

    name: str | None = None
    args: list["TypeExpr"] = field(default_factory=list)
    optional: bool = False
    literals: list[str] | None = None

    def text(self) -> str:
        """The type as .nex source."""
        if self.literals is not None:
            out = " | ".join(quote(s) for s in self.literals)
        else:
            out = self.name + (f"[{', '.join(a.text() for a in self.args)}]" if self.args else "")
        return out + ("?" if self.optional else "")


def type_schema(t: TypeExpr) -> dict[str, Any]:
    """The JSON Schema of a (checked) type; ``optional`` does not change the schema."""
    if t.literals is not None:
        return {"type": "string", "enum": list(t.literals)}
    if t.name == "list" and t.args:
        return {"type": "array", "items": type_schema(t.args[0])}
    if t.name == "dict" and t.args:
        return {"type": "object", "additionalProperties": type_schema(t.args[1])}
    return dict(SCALARS[t.name])


@dataclass
class Param:
    """One parameter of a signature."""

    name: str
    type: TypeExpr
    default: Any = None
    has_default: bool = False
    description: str | None = None


def params_schema(params: list[Param]) -> dict[str, Any]:
    """The canonical parameters schema of a signature (key order: type keys, description, default)."""
    props: dict[str, Any] = {}
    required = []
    for p in params:
        s = type_schema(p.type)
        if p.description is not None:
            s["description"] = p.description
        if p.has_default:
            s["default"] = p.default
        props[p.name] = s
        if not p.has_default and not p.type.optional:
            required.append(p.name)
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


def check_default(t: TypeExpr, value: Any) -> str | None:
    """Why ``value`` cannot be the default of a parameter of type ``t`` (None when it can)."""
    if value is None:
        return None if t.optional else "only an optional parameter (T?) may default to null"
    if t.literals is not None:
        if value in t.literals and isinstance(value, str):
            return None
        return f"must be one of {' | '.join(quote(s) for s in t.literals)}"
    kind = {"str": str, "int": int, "float": (int, float), "bool": bool, "list": list, "dict": dict,
            "object": dict}.get(t.name or "")
    if kind is None:
        return None
    if isinstance(value, bool) and t.name in ("int", "float"):
        return f"must be {'an integer' if t.name == 'int' else 'a number'}"
    if not isinstance(value, kind):
        words = {"str": "a string", "int": "an integer", "float": "a number", "bool": "true or false",
                 "list": "a list", "dict": "a map", "object": "a map"}
        return f"must be {words[t.name]}"
    return None


# ---------------------------------------------------------------- schema → signature (for the emitter)


def _type_of(schema: Any) -> TypeExpr | None:
    if not isinstance(schema, dict):
        return None
    if schema == {}:
        return TypeExpr("any")
    ty = schema.get("type")
    keys = list(schema)
    if ty == "string" and keys == ["type", "enum"]:
        enum = schema["enum"]
        if isinstance(enum, list) and enum and all(isinstance(e, str) for e in enum):
            return TypeExpr(literals=list(enum))
        return None
    if ty == "array" and keys == ["type", "items"]:
        inner = _type_of(schema["items"])
        return TypeExpr("list", [inner]) if inner else None
    if ty == "object" and keys == ["type", "additionalProperties"]:
        inner = _type_of(schema["additionalProperties"])
        return TypeExpr("dict", [TypeExpr("str"), inner]) if inner else None
    if keys == ["type"]:
        for name in ("str", "int", "float", "bool", "object", "list"):
            if SCALARS[name] == schema:
                return TypeExpr(name)
    return None


def signature_of(schema: Any) -> list[Param] | None:
    """Parameters whose canonical schema is exactly ``schema`` (same keys in the same order), or None."""
    if not isinstance(schema, dict) or list(schema)[:2] != ["type", "properties"] or schema["type"] != "object":
        return None
    props = schema["properties"]
    if not isinstance(props, dict):
        return None
    required = schema.get("required", [])
    if not isinstance(required, list):
        return None
    params = []
    for name, prop in props.items():
        if not isinstance(prop, dict) or not name.isidentifier() or not name.isascii():
            return None
        rest = dict(prop)
        default, has_default = rest.pop("default", None), "default" in prop
        description = rest.pop("description", None)
        if description is not None and not isinstance(description, str):
            return None
        t = _type_of(rest)
        if t is None:
            return None
        if name not in required and not has_default:
            t.optional = True
        params.append(Param(name, t, default, has_default, description))
    if json.dumps(params_schema(params)) != json.dumps(schema):
        return None
    return params


def returns_type(schema: Any) -> TypeExpr | None:
    """A type whose schema is exactly ``schema``, or None."""
    t = _type_of(schema)
    if t is None or json.dumps(type_schema(t)) != json.dumps(schema):
        return None
    return t


def quote(s: str) -> str:
    """``s`` as a double-quoted .nex string literal."""
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\0":
            out.append("\\0")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or 0x80 <= ord(ch) < 0xA0 or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
