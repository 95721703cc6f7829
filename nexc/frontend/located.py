"""Located values: the common currency between the text frontends and the surface builder.

A frontend (``.nex`` or YAML) turns its syntax into :class:`Loc` trees — plain values with a span on
every node — and :mod:`nexc.frontend.surface_builder` turns those into surface IR, checking keys and types the
same way for every frontend.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nexc.formats.parsing import json_type
from nexc.ir.base import Span


@dataclass(frozen=True)
class Call:
    """A function-call value of the ``.nex`` language: ``env("X", "d")``, ``file("p")``, ``template(...)``,
    ``python("m:f")``, ``stdlib("name")``. ``name_span`` locates the function name."""

    name: str
    args: tuple["Loc", ...] = ()
    kwargs: dict[str, "Loc"] = field(default_factory=dict)
    name_span: Span | None = None


@dataclass(frozen=True)
class Loc:
    """A value with its span. ``value`` is None, bool, int, float, str, a list of Loc, a dict of str to Loc
    (insertion-ordered; ``key_spans`` holds the span of each key) or a :class:`Call`."""

    value: Any
    span: Span
    key_spans: dict[str, Span] | None = None

    def plain(self) -> Any:
        """The value with all locations stripped (calls become ``{"$call": name, ...}``)."""
        v = self.value
        if isinstance(v, list):
            return [x.plain() for x in v]
        if isinstance(v, dict):
            return {k: x.plain() for k, x in v.items()}
        if isinstance(v, Call):
            return {"$call": v.name, "args": [a.plain() for a in v.args],
                    "kwargs": {k: a.plain() for k, a in v.kwargs.items()}}
        return v

    def key_span(self, key: str) -> Span:
        """The span of ``key`` in this mapping (the value's span if the key's is unknown)."""
        if self.key_spans and key in self.key_spans:
            return self.key_spans[key]
        v = self.value[key] if isinstance(self.value, dict) and key in self.value else self
        return v.span


def type_name(v: Any) -> str:
    """The user-facing name of a located value's type: JSON's names for scalars
    (:func:`nexc.formats.parsing.json_type`), ``list``/``map`` for containers, ``name(…)`` for calls."""
    if isinstance(v, Loc):
        v = v.value
    if v is None or isinstance(v, (bool, int, float, str)):
        return json_type(v)
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "map"
    if isinstance(v, Call):
        return f"{v.name}(…)"
    return type(v).__name__


def literal_spans(loc: Loc, where: str) -> dict[str, Span]:
    """The span of every string in ``loc`` by its path below ``where`` (``where``, ``where.key``,
    ``where[0]``): the places of literal values that checks point at (an inline secret), kept in the IR's
    ``value_spans``."""
    v = loc.value
    if isinstance(v, str):
        return {where: loc.span}
    out: dict[str, Span] = {}
    if isinstance(v, dict):
        for k, x in v.items():
            out.update(literal_spans(x, f"{where}.{k}"))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            out.update(literal_spans(x, f"{where}[{i}]"))
    return out


def pointer_spans(loc: Loc, prefix: str) -> dict[str, Span]:
    """The span of every value in ``loc`` by its path below ``prefix``, written as the JSON Schema checks
    name paths (``parameters``, ``parameters/properties/n/type``, ``parameters/required/0``): where a schema
    error's offending value was written."""
    out = {prefix: loc.span}
    v = loc.value
    if isinstance(v, dict):
        for k, x in v.items():
            out.update(pointer_spans(x, f"{prefix}/{k}"))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            out.update(pointer_spans(x, f"{prefix}/{i}"))
    return out
