"""The IR's guarantees: frozen, extra="forbid" at every depth, a span on every node."""
from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel, ValidationError

from nexc.ir import model, surface
from nexc.ir.base import Node, Span
from nexc.pipeline import compile_path
from tests.conftest import EXAMPLES


def _models_reachable(root: type[BaseModel]) -> set[type[BaseModel]]:
    seen: set[type[BaseModel]] = set()
    todo = [root]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for f in cls.model_fields.values():
            stack = [f.annotation]
            while stack:
                t = stack.pop()
                if isinstance(t, type) and issubclass(t, BaseModel):
                    todo.append(t)
                stack.extend(typing.get_args(t))
    return seen


@pytest.mark.parametrize("root", [model.Framework, surface.SourceFile])
def test_every_model_reachable_from_the_root_forbids_extra_fields_and_is_frozen(root):
    models = _models_reachable(root)
    assert model.Agent in models or surface.SurfaceAgent in models
    for cls in models:
        assert cls.model_config.get("extra") == "forbid", cls
        assert cls.model_config.get("frozen") is True, cls


@pytest.mark.parametrize("root", [model.Framework, surface.SourceFile])
def test_every_node_class_carries_a_span(root):
    for cls in _models_reachable(root):
        if cls is Span:
            continue
        assert issubclass(cls, Node), cls
        assert "span" in cls.model_fields, cls


def test_unknown_field_is_rejected_at_depth():
    with pytest.raises(ValidationError):
        model.Framework(entry="a", agents=[{"name": "a", "limits": {"max_iterations": 3, "bogus": 1}}], name="f")


def test_nodes_are_immutable():
    a = model.Agent(name="a")
    with pytest.raises(ValidationError):
        a.name = "b"


def _walk_nodes(node):
    if isinstance(node, Node):
        yield node
        for name in type(node).model_fields:
            yield from _walk_nodes(getattr(node, name))
    elif isinstance(node, (list, tuple)):
        for x in node:
            yield from _walk_nodes(x)
    elif isinstance(node, dict):
        for x in node.values():
            yield from _walk_nodes(x)


@pytest.mark.parametrize("spec", ["deep_research/research.nex", "coding_team/team.nex"])
def test_every_node_of_a_compiled_example_points_into_a_source_file(spec):
    res = compile_path(EXAMPLES / spec)
    assert res.ok, res.reporter.sorted()
    nodes = list(_walk_nodes(res.framework))
    assert len(nodes) > 20
    for n in nodes:
        s = n.span
        if isinstance(n, model.Limits) or s.file == "<builtin>":
            continue
        assert s.file.endswith((".nex", ".nex.yaml")), (type(n).__name__, s)
        assert s.line >= 1 and s.column >= 1
        assert (s.end_line, s.end_column) >= (s.line, s.column)
