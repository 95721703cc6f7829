"""Agent plans: everything about an agent that does not change between runs, computed once when a
framework is loaded — its :class:`~nexc.view.agent.AgentView` (what the model is sent: tools, prompt,
format, request body) and the implementations bound to the view's tools.

What the model sees is the view's alone; the plan only adds what runs: Python functions, sub-agents,
MCP tools and ``load_skill``, keyed by the name the model calls them by. A sub-agent also answers to
its own name and NexAU's spellings (``sub-agent-NAME``, ``agent:NAME``), whichever profile runs.
"""
from __future__ import annotations

from typing import Any

from nexc.mcp.names import stop_name
from nexc.ir.model import Framework
from nexc.runtime.context import estimate, message_tokens
from nexc.runtime.tools import ToolImpl, import_target
from nexc.view.agent import AgentView, subagent_names
from nexc.view.profile import Profile


class AgentPlan:
    """One agent, ready to run."""

    def __init__(self, fw: Framework, name: str, root_dir: str, tool_cache: dict, settings, profile: Profile):
        a = fw.agent(name)
        assert a is not None
        self.name = a.name
        self.description = a.description
        self.profile = profile
        self.max_iterations = max(1, a.limits.max_iterations)
        self.context_tokens = a.limits.context_tokens
        self.max_depth = a.limits.max_depth if a.limits.max_depth is not None else settings.max_depth
        self.parallel_tool_calls = a.parallel_tool_calls
        self.stop_tools = frozenset(stop_name(t) for t in a.stop_tools)  # ``git.commit`` is ``git__commit``
        self.storage_seed = a.storage_seed
        self.problems: list[str] = []
        self.count = settings.token_counter or estimate
        for ext in a.extensions:
            if ext.kind == "token_counter":
                try:
                    obj = import_target(ext.target, root_dir)
                    obj = obj(**ext.params) if ext.params else obj
                    self.count = getattr(obj, "count_tokens", obj)
                except Exception as exc:  # noqa: BLE001
                    self.problems.append(f"token counter '{ext.target}' unavailable: {exc}")
        from nexc.runtime import extensions

        self.ext, self.tracers, problems = extensions.load(a, root_dir)  # middleware, hooks, tracers
        self.problems += problems

        from nexc.mcp.tools import declarations

        servers = {s.name: s for s in fw.mcp_servers}
        self.view = view = AgentView(fw, name, root_dir, profile,
                                     mcp=lambda server: declarations(fw, server, root_dir, tool_cache))
        self.problems += view.problems
        self.llm = view.llm
        self.fmt = view.fmt
        self.tool_format = view.tool_format
        self.skills = view.skills
        self.tools: dict[str, ToolImpl] = {}
        self.mcp_servers: list = []  # the MCP servers whose tools this agent offers (started per run)
        for d in view.tools:
            impl = self._bind(fw, d, root_dir, tool_cache)
            if impl is None:
                continue
            self.tools[d.name] = impl
            if d.kind == "mcp":
                server = servers.get(d.ref[0])
                if server is not None and server not in self.mcp_servers:
                    self.mcp_servers.append(server)
        self.aliases: dict[str, str] = subagent_names(view)
        for stop in self.stop_tools:
            impl = self.tools.get(stop)
            if impl is not None and impl.kind == "python" and impl.fn is None and impl.target is None:
                impl.kind = "answer"  # an unbound stop tool: its arguments are the answer
        if profile.checks_required:  # the runtime validates arguments (nexau: NexAU's own check)
            for impl in self.tools.values():
                if impl.kind in ("python", "simulated"):
                    impl.prepare_validator()
        self.tool_schemas = view.schemas
        # what the declarations cost in the context: the tools list (native), or the format's block of
        # the system message (text mode; the conversation holds only the agent's own prompt)
        declared = view.system_message("") if self.fmt is not None else str(self.tool_schemas) if self.tool_schemas \
            else ""
        self.tools_tokens = message_tokens({"content": declared}, self.count) if declared else 0

    @staticmethod
    def _bind(fw: Framework, d, root_dir: str, cache: dict) -> ToolImpl | None:
        if d.kind == "tool":
            impl = cache.get(d.ref)
            if impl is None:
                impl = cache[d.ref] = build_tool(fw, d.ref, root_dir)
            return impl
        if d.kind == "agent":
            impl = ToolImpl(d.name, d.description, d.parameters, kind="agent", agent=d.ref)
            impl.required = ()
            return impl
        if d.kind == "mcp":
            from nexc.mcp.tools import make_tool

            server = next((s for s in fw.mcp_servers if s.name == d.ref[0]), None)
            return make_tool(server, root_dir, d.decl) if server is not None else None
        return ToolImpl(d.name, d.description, d.parameters, kind="skill")

    def tool(self, name: str) -> ToolImpl | None:
        """The implementation the model means by ``name`` (aliases of sub-agents included)."""
        impl = self.tools.get(name)
        if impl is None and name in self.aliases:
            impl = self.tools.get(self.aliases[name])
        return impl

    def llm_params(self, resolve) -> dict[str, Any]:
        """Sampling parameters of the request body (``resolve`` reads ``EnvRef`` values)."""
        return self.view.params(resolve)


def build_tool(fw: Framework, name: str, root_dir: str) -> ToolImpl | None:
    """A declared tool, bound to its implementation (import errors are kept on the tool)."""
    t = fw.tool(name)
    if t is None:
        return None
    target, error = None, None
    if t.binding is not None and t.binding.kind == "simulated":
        impl = ToolImpl(t.name, t.description, t.parameters, kind="simulated", parallel=t.parallel,
                        strict_optional=t.strict_optional)
        impl.sim = {"prompt": t.binding.target, "examples": list(t.binding.examples), "returns": t.returns}
        return impl
    if t.binding is not None:
        if t.binding.kind == "stdlib":
            from nexc.stdlib_catalog import stdlib_tools

            spec = stdlib_tools().get(t.binding.target)
            target = spec.get("binding") if spec else None
            if target is None:
                error = f"no stdlib tool '{t.binding.target}'"
        else:
            target = t.binding.target
    impl = ToolImpl(t.name, t.description, t.parameters, parallel=t.parallel, extra_kwargs=t.extra_kwargs,
                    target=target, root_dir=root_dir, error=error, strict_optional=t.strict_optional)
    if target is not None and error is None and not t.lazy:
        impl.resolve()
    return impl
