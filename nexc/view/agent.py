"""One agent as its model sees it: the tools, the system prompt, the request body — built once per
loaded framework, read by the runtime for every request and by analysis for its context sizes.

Which of nexc's conventions apply is the framework's profile (:mod:`nexc.view.profile`); how calls
are written is the agent's tool format (native when ``openai``).
"""
from __future__ import annotations

import os
from typing import Any, Callable

from nexc.ir.model import Agent, Framework, SkillRef
from nexc.view.profile import Profile, get_profile
from nexc.view.prompt import PromptTemplate, SkillDoc, read_skill, skill_brief, subagent_brief
from nexc.view.tools import McpDecls, ToolDecl, agent_tools
from nexc.view.wire import WireBuilder

#: request keys the llm's ``params`` may not set (the view sets them)
_NOT_PARAMS = frozenset(("model", "messages", "tools", "stream", "n"))


def framework_profile(fw: Framework, override: str | None = None) -> Profile:
    """The profile a framework runs with: ``override``, else its own (``Framework.profile``)."""
    return get_profile(override or getattr(fw, "profile", None) or "nexc")


def read_prompt_file(root_dir: str, path: str) -> str:
    """A prompt file's text (relative to the framework's root folder), through nexc's one safe reader:
    inside the root, a regular file, at most ``MAX_PROMPT_BYTES`` (else :class:`~nexc.source.Unreadable`)."""
    from nexc.source import MAX_PROMPT_BYTES, read_file_text

    return read_file_text(os.path.join(root_dir, path), limit=MAX_PROMPT_BYTES, root=os.path.realpath(root_dir),
                          what="prompt file")


class AgentView:
    """What the model of agent ``name`` is sent. ``problems`` lists what could not be set up."""

    def __init__(self, fw: Framework, name: str, root_dir: str, profile: Profile, *, mcp: McpDecls | None = None,
                 read: Callable[[str, str], str] = read_prompt_file, tool_format: str | None = None):
        agent = fw.agent(name)
        if agent is None:
            raise KeyError(f"no agent named '{name}'")
        self.agent: Agent = agent
        self.name = agent.name
        self.profile = profile
        self.root_dir = root_dir
        self.problems: list[str] = []
        self.tool_format = tool_format or agent.tool_format or "openai"
        self.fmt = None
        if self.tool_format != "openai":
            try:
                from nexc.formats import get_format

                self.fmt = get_format(self.tool_format)
            except Exception as exc:  # noqa: BLE001 - fall back to native calls, say so
                self.problems.append(f"tool format '{self.tool_format}' unavailable ({exc}); using native calls")
        self.skills: dict[str, SkillDoc] = {}
        for e in agent.tools:
            if isinstance(e, SkillRef):
                skill = next((s for s in fw.skills if s.name == e.name), None)
                if skill is None:
                    self.problems.append(f"unknown skill '{e.name}'")
                    continue
                self.skills[skill.name] = read_skill(os.path.join(root_dir, skill.path), skill.name, skill.description)
        decls, problems = agent_tools(fw, agent, profile, text_mode=self.fmt is not None, mcp=mcp,
                                      skill_names=list(self.skills))
        self.problems += problems
        self.tools: list[ToolDecl] = profile.order(decls)
        self.schemas: list[dict] = [t.schema for t in self.tools]
        self.prompt = self._prompt(fw, agent, read)
        self.llm = next((l for l in fw.llms if l.name == agent.llm), None) if agent.llm else (
            fw.llms[0] if len(fw.llms) == 1 else None)

    # ---- the system prompt -------------------------------------------------------------------------
    def _prompt(self, fw: Framework, agent: Agent, read) -> PromptTemplate:
        text, template, self.prompt_type = "", False, "string"
        p = agent.prompt
        if p is not None:
            template = p.template
            if p.text is not None:
                text = p.text
            elif p.file:
                self.prompt_type = "jinja" if p.template else "file"
                try:
                    text = read(self.root_dir, p.file)
                except (OSError, UnicodeDecodeError, ValueError) as exc:
                    self.problems.append(f"cannot read prompt file '{p.file}': {exc}")
        suffix = ""
        if self.profile.briefs:
            subagents = [(d.name, (fw.agent(d.ref).description if fw.agent(d.ref) else "")) for d in self.tools
                         if d.kind == "agent"]
            suffix = "\n\n".join(x for x in (subagent_brief(subagents) if subagents else "",
                                             skill_brief(list(self.skills.values())) if self.skills else "") if x)
        try:
            if self.profile.all_templates:
                return PromptTemplate(text, template=True, trim=True, strip=self.prompt_type != "string",
                                      keep_newline=False, suffix=suffix)
            return PromptTemplate(text, template=template, suffix=suffix)
        except Exception as exc:  # noqa: BLE001 - a template that does not compile is sent as written
            self.problems.append(f"the prompt is not a valid template ({type(exc).__name__}: {exc}); it is sent as "
                                 "written")
            return PromptTemplate(text, template=False, suffix=suffix)

    def system_prompt(self, context: dict | None = None, agent_id: str | None = None) -> str:
        """The agent's own system prompt in one run (the system message of the conversation)."""
        if self.prompt.static:
            return self.prompt.render()
        return self.prompt.render(self.profile.variables(self.name, agent_id or self.name, self.prompt_type,
                                                         dict(self.agent.context), context))

    def system_message(self, own: str) -> str:
        """The system message a request carries for the agent's own prompt ``own``."""
        if self.fmt is None:
            return own
        return self.profile.system_message(self.fmt, own, self.schemas)

    # ---- requests ------------------------------------------------------------------------------------
    def params(self, resolve: Callable[[Any], Any] = lambda v: v) -> dict[str, Any]:
        """Sampling parameters and other settings of the request body (``resolve`` reads ``EnvRef`` values)."""
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

    def stop(self, configured: Any = None) -> list[str]:
        """The request's stop strings: the configured ones, then the format's (text mode)."""
        out = [configured] if isinstance(configured, str) else [s for s in configured or () if isinstance(s, str)]
        if self.fmt is not None:
            out += [s for s in self.fmt.call_stops if s not in out]
        return out

    def base_body(self, model: str, params: dict[str, Any]) -> dict[str, Any]:
        """Everything of a request body but its messages."""
        body: dict[str, Any] = {"model": model}
        body.update(params)
        stop = self.stop(body.pop("stop", None))
        if stop:
            body["stop"] = stop
        if self.fmt is None and self.schemas:
            body["tools"] = self.schemas
            for k, v in self.profile.request_extras(self.schemas, self.agent.parallel_tool_calls).items():
                body.setdefault(k, v)
        return body

    def wire(self, send_reasoning: bool) -> WireBuilder:
        """An empty builder of this agent's request messages."""
        send = self.profile.send_reasoning if self.profile.send_reasoning is not None else send_reasoning
        return WireBuilder(self.fmt, self.system_message, self.schemas, send)

    # ---- analysis -------------------------------------------------------------------------------------
    def sent(self, own: str) -> tuple[str, str]:
        """``(system message, tools JSON)`` of a first request whose own prompt is ``own``: what the model
        reads before the task (the tools JSON is empty in text mode, where the declarations are in the
        system message)."""
        from nexc.formats.messages import dumps

        return self.system_message(own), dumps(self.schemas) if self.fmt is None and self.schemas else ""


def subagent_names(view: AgentView) -> dict[str, str]:
    """Every name the model may call a sub-agent by → the agent: the name it is offered under, the
    agent's own name and NexAU's spellings (``sub-agent-X``, ``agent:X``), unless a tool has it."""
    from nexc.view.profile import NEXAU_SUBAGENT_PREFIX, NEXAU_XML_SUBAGENT_PREFIX

    taken = {t.name for t in view.tools}
    out: dict[str, str] = {}
    for t in view.tools:
        if t.kind != "agent":
            continue
        for alias in (t.ref, NEXAU_SUBAGENT_PREFIX + t.ref, NEXAU_XML_SUBAGENT_PREFIX + t.ref):
            if alias != t.name and alias not in taken:
                out.setdefault(alias, t.name)
    return out
