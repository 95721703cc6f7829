"""The surface IR: what one source file says, as written, before names are resolved.

Both frontends (``.nex`` and nexc YAML, and later the compatibility frontends) produce a
:class:`SourceFile`. Leaf declarations that hold no references (llms, MCP servers, prompts,
skills, extensions) reuse the resolved IR classes; everything that refers to other declarations
keeps the reference as a :class:`Name` with its own span, for :mod:`nexc.passes.resolve` to check.
"""
from __future__ import annotations

from typing import Any

from pydantic import Field

from nexc.ir.base import Node, Span
from nexc.ir.model import Binding, Extension, Llm, McpServer, Name, Prompt, Skill, located

__all__ = ["Name", "SurfaceTool", "SurfaceAgent", "Import", "SourceFile"]


class SurfaceTool(Node):
    """A tool declaration; ``parameters`` may be missing for a stdlib binding (the stdlib supplies it)."""

    name: str
    name_span: Span | None = None
    description: str | None = None
    parameters: dict[str, Any] | None = None
    returns: dict[str, Any] | None = None
    binding: Binding | None = None
    parallel: bool | None = None
    extra_kwargs: dict[str, Any] = Field(default_factory=dict)
    lazy: bool | None = None
    #: where each value of ``parameters`` and ``returns`` was written (see :attr:`Tool.schema_spans`)
    schema_spans: dict[str, Span] = located(factory=dict)


class SurfaceAgent(Node):
    """An agent declaration with its references unresolved."""

    name: str
    name_span: Span | None = None
    description: str | None = None
    llm: Name | None = None
    prompt: Prompt | None = None
    tools: tuple[Name, ...] = ()
    stop_tools: tuple[Name, ...] = ()
    max_iterations: int | None = None
    context_tokens: int | None = None
    max_depth: int | None = None
    tool_format: Name | None = None
    parallel_tool_calls: bool | None = None
    storage_seed: dict[str, Any] = Field(default_factory=dict)
    extensions: tuple[Extension, ...] = ()
    context: dict[str, Any] = Field(default_factory=dict)


class Import(Node):
    """``import "other.nex"``: the declarations of another file join this framework."""

    path: str


class SourceFile(Node):
    """Everything one file declares. ``path`` is the file as opened."""

    path: str
    #: The framework's root folder when the frontend knows better than "the root file's folder"
    #: (a NexAU config whose sub-agents live in sibling folders).
    root_dir: str | None = None
    language_version: int | None = None
    name: str | None = None
    description: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    #: the wire profile (``nexc``, ``nexau``) the framework runs with
    profile: Name | None = None
    imports: tuple[Import, ...] = ()
    llms: tuple[Llm, ...] = ()
    tools: tuple[SurfaceTool, ...] = ()
    mcp_servers: tuple[McpServer, ...] = ()
    skills: tuple[Skill, ...] = ()
    agents: tuple[SurfaceAgent, ...] = ()
    entry: Name | None = None
    #: names of declarations that failed to parse or load (already reported): uses of them are not
    #: reported again as unknown names
    broken: tuple[str, ...] = ()
