"""The resolved IR: the one model of a framework that every later pass, emitter and the runtime read.

It is produced only by :mod:`nexc.passes.resolve` from the surface IR. References between
declarations are kept as names (checked to exist); files named by the spec are kept as paths
relative to the framework's root directory (the directory of the root spec), with their text
loaded where the build needs it.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, model_serializer

from nexc.ir.base import Node, Span

#: Any JSON value (tool schemas, metadata, storage seeds, middleware parameters).
JSON = Any


def located(default: Any = None, *, factory: Any = None) -> Any:
    """A field that records where something was written (filled by the frontends and resolve, read by
    checks for exact ranges). It is never dumped: bundles, manifests and snapshots stay as they were, and a
    framework loaded from a dump has these at their defaults (the node's own ``span`` is still there)."""
    if factory is not None:
        return Field(default_factory=factory, exclude=True, repr=False)
    return Field(default, exclude=True, repr=False)


class Name(Node):
    """A reference as written, with its own span: ``search``, ``visit_page``, ``git.*``, ``git.status``.
    The surface IR keeps references as names; the resolved IR keeps the string and the span beside it."""

    value: str


class EnvRef(Node):
    """``env("NAME", default)``: read from the environment when the framework runs, never at build time."""

    kind: Literal["env"] = "env"
    name: str
    default: str | None = None


Text = Union[EnvRef, str]
Scalar = Union[EnvRef, bool, int, float, str, None]


class Llm(Node):
    """A model endpoint and its sampling settings."""

    name: str
    model: Text | None = None
    base_url: Text | None = None
    api_key: Text | None = None
    temperature: float | EnvRef | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    timeout: float | None = None
    max_retries: int | None = None
    params: dict[str, JSON] = Field(default_factory=dict)
    #: where each literal string was written, by its path in the declaration: ``api_key``,
    #: ``params.headers.Authorization``, ``params.stop[0]`` (what the secrets check points at)
    value_spans: dict[str, Span] = located(factory=dict)


class Binding(Node):
    """Where a tool's implementation lives: ``python "module:function"``, ``stdlib "name"``, or
    ``simulated`` — an LLM plays the tool (``target``: an optional prompt for the simulator; ``examples``:
    ``{"arguments": {…}, "result": …}`` calls it should answer alike)."""

    kind: Literal["python", "stdlib", "simulated"]
    target: str = ""
    examples: tuple[dict[str, JSON], ...] = ()

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        """Dumps carry ``examples`` only when there are some."""
        data = handler(self)
        if not self.examples:
            data.pop("examples", None)
        return data


class Tool(Node):
    """A function the model may call. ``parameters`` is a JSON Schema of type object."""

    name: str
    description: str = ""
    parameters: dict[str, JSON] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    returns: dict[str, JSON] | None = None
    binding: Binding | None = None
    parallel: bool = True
    extra_kwargs: dict[str, JSON] = Field(default_factory=dict)
    lazy: bool = False
    #: Set by the optimiser's openai-strict schema form (never written in a spec), whose schema lists
    #: every property as required: the top-level parameters that were optional, each with whether
    #: the form made it nullable (True: a null the model sends means "left out", and the runtime drops
    #: it so the implementation's default applies) or it took null already (False: null is a value).
    #: The runtime does not insist on any of them being present.
    strict_optional: dict[str, bool] = Field(default_factory=dict)
    #: where each value of ``parameters`` and ``returns`` was written, by field and path:
    #: ``parameters``, ``parameters/properties/n/type`` (what a schema error points at)
    schema_spans: dict[str, Span] = located(factory=dict)

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        """Dumps (bundles, manifests, snapshots) carry ``strict_optional`` only when it is set."""
        data = handler(self)
        if not self.strict_optional:
            data.pop("strict_optional", None)
        return data


class McpServer(Node):
    """An MCP server whose tools an agent may use (``server.tool`` or ``server.*``)."""

    name: str
    transport: Literal["stdio", "http", "sse"]
    command: Text | None = None
    args: tuple[Text, ...] = ()
    env: dict[str, Text] = Field(default_factory=dict)
    cwd: str | None = None
    url: Text | None = None
    headers: dict[str, Text] = Field(default_factory=dict)
    connect_timeout: float | None = None
    call_timeout: float | None = None
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    #: Tool annotations that keep a tool from the model (``specs/MCP.md``): destructive, write, open_world.
    deny: tuple[Literal["destructive", "write", "open_world"], ...] = ()
    #: where each literal string was written, by its path: ``command``, ``args[1]``, ``env.TOKEN``, ``url``
    value_spans: dict[str, Span] = located(factory=dict)


class Skill(Node):
    """A folder with a ``SKILL.md``; its brief goes into the prompt, details load on demand."""

    name: str
    path: str
    description: str | None = None


class Prompt(Node):
    """A system prompt: inline text or a file, optionally a Jinja template with declared variables."""

    text: str | None = None
    file: str | None = None
    template: bool = False
    variables: tuple[str, ...] = ()


class ToolRef(Node):
    """An agent's use of a declared tool."""

    kind: Literal["tool"] = "tool"
    name: str


class AgentRef(Node):
    """An agent's use of another agent as a tool (delegation)."""

    kind: Literal["agent"] = "agent"
    name: str


class McpSelection(Node):
    """An agent's use of an MCP server's tools: all of them (``tools is None``) or the listed ones."""

    kind: Literal["mcp"] = "mcp"
    server: str
    tools: tuple[str, ...] | None = None
    #: where each of ``tools`` was written (``server.tool``), in the same order; several references to one
    #: server merge into one selection, each tool keeping its own span
    tool_spans: tuple[Span, ...] = located(())

    def tool_span(self, tool: str) -> Span:
        """Where ``tool`` was named (the selection's span when unknown)."""
        i = self.tools.index(tool) if self.tools and tool in self.tools else -1
        return self.tool_spans[i] if 0 <= i < len(self.tool_spans) else self.span


class SkillRef(Node):
    """An agent's use of a skill."""

    kind: Literal["skill"] = "skill"
    name: str


ToolsetEntry = Annotated[Union[ToolRef, AgentRef, McpSelection, SkillRef], Field(discriminator="kind")]


class Limits(Node):
    """Run limits of one agent. ``max_depth`` bounds recursive delegation through this agent."""

    max_iterations: int = 100
    context_tokens: int = 128_000
    max_depth: int | None = None


class Extension(Node):
    """A Python object plugged into an agent (middleware, hook, tracer, token counter)."""

    kind: Literal["middleware", "hook", "tracer", "token_counter", "plugin"] = "middleware"
    target: str
    params: dict[str, JSON] = Field(default_factory=dict)


class Agent(Node):
    """One agent: its prompt, model, toolset (tools, sub-agents, MCP tools, skills) and limits."""

    name: str
    description: str = ""
    llm: str | None = None
    prompt: Prompt | None = None
    tools: tuple[ToolsetEntry, ...] = ()
    stop_tools: tuple[str, ...] = ()
    limits: Limits = Field(default_factory=Limits)
    tool_format: str = "openai"
    parallel_tool_calls: bool = True
    storage_seed: dict[str, JSON] = Field(default_factory=dict)
    extensions: tuple[Extension, ...] = ()
    context: dict[str, JSON] = Field(default_factory=dict)
    #: where ``llm`` and ``tool_format`` were written (``None``: not written, or not known)
    llm_span: Span | None = located()
    tool_format_span: Span | None = located()
    #: where each of ``stop_tools`` was written, in the same order
    stop_tool_spans: tuple[Span, ...] = located(())

    def stop_tool_span(self, tool: str) -> Span:
        """Where the stop tool ``tool`` was named (the agent's span when unknown)."""
        i = self.stop_tools.index(tool) if tool in self.stop_tools else -1
        return self.stop_tool_spans[i] if 0 <= i < len(self.stop_tool_spans) else self.span


class Framework(Node):
    """A whole framework: the declarations and the entry agent."""

    name: str
    description: str = ""
    language_version: int = 1
    llms: tuple[Llm, ...] = ()
    tools: tuple[Tool, ...] = ()
    mcp_servers: tuple[McpServer, ...] = ()
    skills: tuple[Skill, ...] = ()
    agents: tuple[Agent, ...] = ()
    entry: str
    metadata: dict[str, JSON] = Field(default_factory=dict)
    #: where ``entry`` was written (``None`` when the entry agent was inferred)
    entry_span: Span | None = located()
    #: the wire profile it runs with (``nexc.view.profile``): ``nexc``, or ``nexau`` (read from NexAU YAML)
    profile: Literal["nexc", "nexau"] = "nexc"

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        """Dumps carry ``profile`` only when it is not the default."""
        data = handler(self)
        if self.profile == "nexc":
            data.pop("profile", None)
        return data

    def agent(self, name: str) -> Agent | None:
        """The agent called ``name``, if any."""
        return next((a for a in self.agents if a.name == name), None)

    def tool(self, name: str) -> Tool | None:
        """The tool called ``name``, if any."""
        return next((t for t in self.tools if t.name == name), None)
