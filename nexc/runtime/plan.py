"""Agent plans: everything about an agent that does not change between runs, computed once when a
framework is loaded (tool schemas, bound functions, the prompt template, skills, the text format).

Sub-agent tools take one string parameter::

    {"type": "object",
     "properties": {"task": {"type": "string", "description": "…everything the sub-agent needs…"}},
     "required": ["task"]}

``message`` is accepted as a synonym of ``task`` (NexAU's name for it).
"""
from __future__ import annotations

import os
from typing import Any

from nexc.analysis.mcp_names import stop_name
from nexc.ir.model import AgentRef, Framework, McpSelection, SkillRef, ToolRef
from nexc.runtime.context import estimate, message_tokens
from nexc.runtime.prompt import LOAD_SKILL, PromptTemplate, SkillDoc, read_skill, skill_brief, subagent_brief
from nexc.runtime.tools import ToolImpl, import_target

SUBAGENT_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"task": {"type": "string", "description": (
        "The task for this agent, with everything it needs to know: it sees nothing of your conversation "
        "and returns only its final answer.")}},
    "required": ["task"],
}

_NOT_PARAMS = frozenset(("model", "messages", "tools", "stream", "stop", "n"))


class AgentPlan:
    """One agent, ready to run."""

    def __init__(self, fw: Framework, name: str, root_dir: str, tool_cache: dict, settings):
        a = fw.agent(name)
        assert a is not None
        self.name = a.name
        self.description = a.description
        self.llm = next((l for l in fw.llms if l.name == a.llm), None) if a.llm else (fw.llms[0] if len(fw.llms) == 1
                                                                                     else None)
        self.max_iterations = max(1, a.limits.max_iterations)
        self.context_tokens = a.limits.context_tokens
        self.max_depth = a.limits.max_depth if a.limits.max_depth is not None else settings.max_depth
        self.parallel_tool_calls = a.parallel_tool_calls
        self.stop_tools = frozenset(stop_name(t) for t in a.stop_tools)  # ``git.commit`` is ``git__commit``
        self.storage_seed = a.storage_seed
        self.defaults = dict(a.context)
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

        self.tools: dict[str, ToolImpl] = {}
        self.skills: dict[str, SkillDoc] = {}
        self.mcp_servers: list = []  # the MCP servers whose tools this agent offers (started per run)
        subagents: list[tuple[str, str]] = []
        for entry in a.tools:
            if isinstance(entry, ToolRef):
                impl = tool_cache.get(entry.name)
                if impl is None:
                    impl = tool_cache[entry.name] = build_tool(fw, entry.name, root_dir)
                if impl is not None:
                    self.tools[impl.name] = impl
            elif isinstance(entry, AgentRef):
                child = fw.agent(entry.name)
                desc = (child.description if child else "") or f"Delegate a task to the '{entry.name}' agent."
                impl = ToolImpl(entry.name, desc, SUBAGENT_PARAMETERS, kind="agent", agent=entry.name)
                impl.required = ()
                self.tools[entry.name] = impl
                subagents.append((entry.name, child.description if child else ""))
            elif isinstance(entry, SkillRef):
                skill = next((s for s in fw.skills if s.name == entry.name), None)
                if skill is None:
                    self.problems.append(f"unknown skill '{entry.name}'")
                    continue
                self.skills[skill.name] = read_skill(os.path.join(root_dir, skill.path), skill.name,
                                                     skill.description)
            elif isinstance(entry, McpSelection):
                from nexc.runtime.mcp_tools import provide

                mcp_tools, mcp_problems = provide(fw, entry, root_dir, tool_cache)
                self.problems.extend(mcp_problems)
                server = next((s for s in fw.mcp_servers if s.name == entry.server), None)
                if mcp_tools and server is not None and server not in self.mcp_servers:
                    self.mcp_servers.append(server)
                for impl in mcp_tools:
                    self.tools.setdefault(impl.name, impl)
        if self.skills:
            names = sorted(self.skills)
            self.tools[LOAD_SKILL] = ToolImpl(
                LOAD_SKILL, "Load a skill: its full instructions and the list of its files.",
                {"type": "object", "properties": {"name": {"type": "string", "enum": names,
                                                           "description": "The skill's name."}},
                 "required": ["name"]}, kind="skill")
        for stop in self.stop_tools:
            impl = self.tools.get(stop)
            if impl is not None and impl.kind == "python" and impl.fn is None and impl.target is None:
                impl.kind = "answer"  # an unbound stop tool: its arguments are the answer
        self.tool_schemas = [t.schema for t in self.tools.values()]
        self.tools_tokens = sum(message_tokens({"content": str(s)}, self.count) for s in self.tool_schemas)

        suffix = "\n\n".join(x for x in (
            subagent_brief(subagents) if subagents else "",
            skill_brief(list(self.skills.values())) if self.skills else "") if x)
        text, template = "", False
        if a.prompt is not None:
            template = a.prompt.template
            if a.prompt.text is not None:
                text = a.prompt.text
            elif a.prompt.file:
                try:
                    with open(os.path.join(root_dir, a.prompt.file), encoding="utf-8") as f:
                        text = f.read()
                except OSError as exc:
                    self.problems.append(f"cannot read prompt file '{a.prompt.file}': {exc}")
        self.prompt = PromptTemplate(text, template=template, suffix=suffix)

        self.tool_format = a.tool_format or "openai"
        self.fmt = None
        if self.tool_format != "openai":
            try:
                from nexc.formats import get_format

                self.fmt = get_format(self.tool_format)
            except Exception as exc:  # noqa: BLE001 - fall back to native calls, say so
                self.problems.append(f"tool format '{self.tool_format}' unavailable ({exc}); using native calls")
        self._static_system = None if template else self._with_format(self.prompt.render(self.name, {}, None))

    def _with_format(self, system: str) -> str:
        if self.fmt is None:
            return system
        return self.fmt.system_prompt_with_tools(system, self.tool_schemas)

    def system_prompt(self, context: dict | None) -> str:
        """The system prompt of one run of this agent."""
        if self._static_system is not None:
            return self._static_system
        return self._with_format(self.prompt.render(self.name, self.defaults, context))

    def llm_params(self, resolve) -> dict[str, Any]:
        """Sampling parameters of the request body (``resolve`` reads ``EnvRef`` values)."""
        llm = self.llm
        if llm is None:
            return {}
        out: dict[str, Any] = {}
        for key in ("temperature", "top_p"):
            v = resolve(getattr(llm, key))
            if v is not None and v != "":
                out[key] = float(v)
        if llm.max_tokens is not None:
            out["max_tokens"] = llm.max_tokens
        for k, v in llm.params.items():
            if k not in _NOT_PARAMS:
                out[k] = v
        return out


def build_tool(fw: Framework, name: str, root_dir: str) -> ToolImpl | None:
    """A declared tool, bound to its implementation (import errors are kept on the tool)."""
    t = fw.tool(name)
    if t is None:
        return None
    target, error = None, None
    if t.binding is not None:
        if t.binding.kind == "stdlib":
            from nexc.stdlib import stdlib_tools

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
