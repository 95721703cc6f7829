"""Wire profiles: the observable conventions of a runtime, chosen per framework.

Two profiles exist. ``nexc`` is nexc's own; ``nexau`` reproduces what NexAU v0.3.4 sends to the model
(frameworks read from NexAU YAML run with it by default; ``profile = nexau`` on a ``.nex``
framework, ``nexc run --profile``). Everything a profile decides is listed here, and the runtime and
the dataset build read it from here only:

| | ``nexc`` | ``nexau`` |
|---|---|---|
| prompt templates | ``template(...)`` prompts only | every prompt (``string`` and ``file``), ``trim_blocks``/``lstrip_blocks``; ``file`` prompts stripped; variables ``agent_name``, ``agent_id``, ``timestamp``, ``system_prompt_type`` and the context |
| briefs after the prompt | sub-agents and skills | none |
| a sub-agent as a tool | its name, one ``task`` string, its description | ``sub-agent-NAME`` (native) / ``agent:NAME`` (text), one ``message`` string, NexAU's fixed description; the child's task is the call's arguments as ``key: value`` lines |
| tool order | the toolset's | tools, then sub-agents |
| a tool's result | text as it is, JSON for other values | ``{"result": value}`` (a dict as it is) as JSON with indent 2; an exception becomes ``{"error", "error_type", "traceback", "tool_name"}`` |
| the answer of a stop tool | its result text | its result as JSON with indent 4 (a string comes back quoted) |
| per-round hints | steps left near the limit, context fullness | after every round of calls: iteration ``i/N`` and token usage |
| request | ``parallel_tool_calls: false`` where the agent says so | ``tool_choice: "auto"`` with tools; ``content: ""`` on call turns; reasoning sent back |
| LLM calls per agent run | ``max_iterations`` | ``max_iterations - 1`` (NexAU makes no call in its last iteration) |

Both accept the spellings of the other from the model: ``sub-agent-NAME`` and ``agent:NAME`` name the
sub-agent ``NAME``, and ``message`` stands for ``task``.
"""  # noqa: E501 - a Markdown table
from __future__ import annotations

import json
import traceback
from typing import Any, ClassVar

from nexc.view.tools import ToolDecl

NEXAU_SUBAGENT_PREFIX, NEXAU_XML_SUBAGENT_PREFIX = "sub-agent-", "agent:"
#: the kinds of text the runtime writes into a conversation (``injected`` on the user message that holds
#: them), each one switched off by ``Settings.disabled_injections`` / ``nexc run --no-inject KIND``
INJECTIONS = {
    "iteration_hint": "how many LLM calls the agent has left (nexc: near the limit; nexau: after every round)",
    "context_hint": "how full the context is (nexc, above Settings.context_hint_ratio)",
    "token_usage": "the prompt's token count and what is left of the context (nexau, after every round)",
    "format_error": "which calls of the last reply could not be read, so were not run (nexc)",
}
TASK_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"task": {"type": "string", "description": (
        "The task for this agent, with everything it needs to know: it sees nothing of your conversation "
        "and returns only its final answer.")}},
    "required": ["task"],
}
MESSAGE_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"message": {"type": "string", "description": "Task or question for the sub-agent."}},
    "required": ["message"],
}


def subagent_name(name: str) -> str | None:
    """The agent a NexAU-spelled sub-agent call names (``sub-agent-X``, ``agent:X``), or None."""
    for prefix in (NEXAU_SUBAGENT_PREFIX, NEXAU_XML_SUBAGENT_PREFIX):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):]
    return None


class RoundState:
    """What the hints after a round of calls may read: ``iteration`` (1-based number of the LLM call
    just answered), ``max_iterations``, ``context_tokens`` (the agent's limit), ``used`` (the estimate
    of the conversation now), ``sent`` (the profile's count of the request just sent) and ``count``
    (the profile's count of the conversation with one more user message of the given text)."""

    __slots__ = ("iteration", "max_iterations", "context_tokens", "used", "sent", "count")

    def __init__(self, iteration, max_iterations, context_tokens, used, sent, count):
        self.iteration, self.max_iterations, self.context_tokens = iteration, max_iterations, context_tokens
        self.used, self.sent, self.count = used, sent, count


class Profile:
    """The nexc profile; :class:`NexauProfile` overrides what NexAU does differently."""

    name: ClassVar[str] = "nexc"
    #: send ``reasoning_content`` back to the endpoint (None: ``Settings.send_reasoning`` decides)
    send_reasoning: ClassVar[bool | None] = None
    #: Jinja settings of prompts: every prompt a template, ``trim_blocks``/``lstrip_blocks``, file
    #: prompts stripped, one trailing newline dropped
    all_templates: ClassVar[bool] = False
    briefs: ClassVar[bool] = True
    #: what a call turn's ``content`` is when the model wrote none
    empty_call_content: ClassVar[str | None] = None
    #: calls that could not be read go back to the model (a ``format_error`` note) instead of ending the run
    retry_unreadable: ClassVar[bool] = True
    #: a turn's answer is its text as the model wrote it (text mode), not the text outside its calls
    raw_answers: ClassVar[bool] = False
    #: the results of a round that ran a stop tool enter the conversation
    results_after_stop: ClassVar[bool] = True
    #: environment variables read, in order, for an llm setting the spec leaves unset
    env_fallbacks: ClassVar[dict[str, tuple[str, ...]]] = {
        "model": ("NEXC_MODEL", "OPENAI_MODEL"), "base_url": ("OPENAI_BASE_URL",), "api_key": ("OPENAI_API_KEY",)}

    # ---- tools -----------------------------------------------------------------------------------
    def subagent_tool(self, name: str, description: str, text_mode: bool) -> ToolDecl:
        """How sub-agent ``name`` is offered to its parent's model."""
        return ToolDecl(name, description or f"Delegate a task to the '{name}' agent.", TASK_PARAMETERS, "agent", name)

    def order(self, decls: list[ToolDecl]) -> list[ToolDecl]:
        """The tools in the order the model sees them."""
        return decls

    def child_task(self, args: dict) -> str | None:
        """The first user message of a sub-agent called with ``args`` (None: no usable task)."""
        task = args.get("task", args.get("message"))
        return task if isinstance(task, str) and task.strip() else None

    # ---- prompts ---------------------------------------------------------------------------------
    def variables(self, agent_name: str, agent_id: str, prompt_type: str, defaults: dict,
                  context: dict | None) -> dict:
        """The variables of a prompt template in one agent run."""
        import datetime as _dt

        out = {"date": _dt.date.today().isoformat(), "agent_name": agent_name}
        out.update(defaults)
        if context:
            out.update(context)
        return out

    def system_message(self, fmt, own: str, schemas: list[dict]) -> str:
        """The system message a text-mode request carries: the agent's own prompt and ``fmt``'s
        declarations of ``schemas``."""
        return fmt.system_prompt_with_tools(own, schemas)

    # ---- requests --------------------------------------------------------------------------------
    def request_extras(self, schemas: list[dict], parallel: bool) -> dict:
        """Keys a native-mode request adds when the agent offers tools."""
        return {} if parallel else {"parallel_tool_calls": False}

    def llm_call_limit(self, max_iterations: int) -> int:
        """How many LLM calls one agent run may make."""
        return max_iterations

    # ---- results ---------------------------------------------------------------------------------
    def observation(self, value: Any) -> str:
        """A Python tool's return value as the model reads it."""
        from nexc.runtime.tools import to_text

        return to_text(value)

    def exception_observation(self, tool: str, exc: BaseException) -> tuple[str, bool, Any]:
        """A tool that raised: the observation, whether it counts as an error, and the value a stop
        tool's answer is made of."""
        text = f"Error: tool '{tool}' raised {type(exc).__name__}: {exc}"
        return text, True, text

    def error_text(self, message: str) -> str:
        """The observation of a call the runtime refused (``message`` says why)."""
        return f"Error: {message}"

    def unknown_tool(self, name: str, known: list[str], agent_id: str) -> str:
        """Why a call to ``name``, which the agent does not offer, was refused."""
        return f"there is no tool named '{name}'; the tools are: {', '.join(known) or 'none'}"

    def unknown_subagent(self, name: str) -> str:
        return f"agent '{name}' does not exist"

    def prepare_arguments(self, tool, args: dict) -> dict:
        """A Python tool's arguments as the tool receives them (raises ``ToolError``)."""
        return args

    #: missing required arguments are refused before the call (NexAU lets the call fail)
    checks_required: ClassVar[bool] = True

    def stops(self, is_stop_tool: bool, status: str, value: Any) -> bool:
        """Whether a call of a stop tool that ended with ``status`` ends the run: ``ok``, ``error`` (refused
        or failed), ``raised`` (the tool raised and the profile made a result of it) or ``skipped``."""
        return is_stop_tool and status == "ok"

    def stop_answer(self, value: Any, text: str) -> str:
        """The run's answer when a stop tool returned ``value`` (observation ``text``)."""
        return text

    def subagent_result(self, child: str, output: str, reason) -> str:
        """The parent's observation of a sub-agent run that ended with ``reason``."""
        if reason.ok:
            return output
        return f"{output}\n\n[nexc: sub-agent '{child}' stopped before finishing ({reason.value})]".lstrip()

    def max_iterations_answer(self, last: str) -> str:
        """The answer of an agent stopped by its iteration limit."""
        return last

    # ---- hints -----------------------------------------------------------------------------------
    def round_hints(self, state: RoundState, settings, enabled) -> list[tuple[str, str]]:
        """``(kind, text)`` of the hints after a round of calls (one injected user message)."""
        out = []
        remaining = state.max_iterations - state.iteration
        if enabled("iteration_hint"):
            if remaining == 1:
                out.append(("iteration_hint", "nexc: this is your last step. Do not call any more tools; give "
                                              "your final answer now."))
            elif 0 < remaining <= settings.hint_window:
                out.append(("iteration_hint", f"nexc: {remaining} steps left before this agent is stopped. Wrap "
                                              "up and give your final answer soon."))
        limit = state.context_tokens
        if enabled("context_hint") and limit and state.used >= settings.context_hint_ratio * limit:
            out.append(("context_hint", f"nexc: the context is {100 * state.used // limit}% full (about "
                                        f"{state.used} of {limit} tokens). Be concise and finish soon."))
        return out

    def count(self, wire: list[dict]) -> int:
        """The profile's token count of wire messages (for hints that quote one)."""
        return 0


class NexauProfile(Profile):
    """NexAU v0.3.4's observable behaviour (see the module docstring)."""

    name = "nexau"
    send_reasoning = True
    all_templates = True
    briefs = False
    empty_call_content = ""
    retry_unreadable = False
    raw_answers = True
    results_after_stop = False
    env_fallbacks = {"model": ("MODEL", "OPENAI_MODEL", "LLM_MODEL"),
                     "base_url": ("OPENAI_BASE_URL", "BASE_URL", "LLM_BASE_URL"),
                     "api_key": ("LLM_API_KEY", "OPENAI_API_KEY", "API_KEY", "ANTHROPIC_API_KEY")}
    #: the budget NexAU keeps for a reply (its token hint warns below three times this)
    REPLY_BUDGET = 16384

    def subagent_tool(self, name: str, description: str, text_mode: bool) -> ToolDecl:
        if text_mode:
            return ToolDecl(NEXAU_XML_SUBAGENT_PREFIX + name, f"Specialized agent for {name}-related tasks",
                            MESSAGE_PARAMETERS, "agent", name)
        return ToolDecl(NEXAU_SUBAGENT_PREFIX + name, f"Delegate work to sub-agent '{name}'.", MESSAGE_PARAMETERS,
                        "agent", name)

    def order(self, decls: list[ToolDecl]) -> list[ToolDecl]:
        return [d for d in decls if d.kind != "agent"] + [d for d in decls if d.kind == "agent"]

    def child_task(self, args: dict) -> str | None:
        lines = []
        for key, value in args.items():
            if value is None:
                continue
            text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value).strip()
            if text:
                lines.append(f"{key}: {text}")
        return "\n".join(lines)

    def variables(self, agent_name, agent_id, prompt_type, defaults, context):
        import datetime as _dt

        out = {"agent_name": agent_name, "timestamp": _dt.datetime.now().isoformat(), "agent_id": agent_id,
               "system_prompt_type": prompt_type}
        out.update(defaults)
        if context:
            out.update(context)
        return out

    def system_message(self, fmt, own: str, schemas: list[dict]) -> str:
        return fmt.system_prompt_with_tools(own, schemas)

    def request_extras(self, schemas: list[dict], parallel: bool) -> dict:
        return {"tool_choice": "auto"}

    def llm_call_limit(self, max_iterations: int) -> int:
        return max(0, max_iterations - 1)

    def observation(self, value: Any) -> str:
        if not isinstance(value, dict):
            value = {"result": value}
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)

    checks_required = False

    def exception_observation(self, tool: str, exc: BaseException) -> tuple[str, bool, Any]:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        value = {"error": str(exc), "error_type": type(exc).__name__, "traceback": tb, "tool_name": tool}
        return self.observation(value), False, value

    def error_text(self, message: str) -> str:
        return message

    def unknown_tool(self, name: str, known: list[str], agent_id: str) -> str:
        return f"Tool '{name}' for agent '{agent_id}' not found"

    def unknown_subagent(self, name: str) -> str:
        return f"Sub-agent '{name}' not found"

    def prepare_arguments(self, tool, args: dict) -> dict:
        """NexAU types text values by the schema (``"2"`` for an integer is 2), then validates the
        arguments the schema names; a failure names every argument."""
        from nexc.runtime.tools import ToolError

        props = (tool.parameters or {}).get("properties") or {}
        if not isinstance(props, dict):
            return args
        out = {k: _convert(v, props.get(k)) if isinstance(v, str) else v for k, v in args.items()}
        if out and not _valid(props, out):
            raise ToolError(f"Invalid parameters for tool '{tool.name}': {out!r}")
        return out

    def stops(self, is_stop_tool: bool, status: str, value: Any) -> bool:
        return is_stop_tool and status in ("ok", "raised") and not (isinstance(value, dict)
                                                                   and value.get("status") == "error")

    def stop_answer(self, value: Any, text: str) -> str:
        result = value if isinstance(value, dict) else {"result": value}
        rest = {k: v for k, v in result.items() if k != "_is_stop_tool"}
        if list(rest) == ["result"]:
            return json.dumps(rest["result"], ensure_ascii=False, indent=4, default=str)
        return json.dumps(rest or result, ensure_ascii=False, indent=4, default=str)

    def subagent_result(self, child: str, output: str, reason) -> str:
        return output

    def max_iterations_answer(self, last: str) -> str:
        return last + "\\n\\n[Error: Maximum iteration limit reached.]"

    def round_hints(self, state: RoundState, settings, enabled) -> list[tuple[str, str]]:
        i, n = state.iteration, state.max_iterations
        remaining = n - i
        if remaining <= 1:
            it = (f"⚠️ WARNING: This is iteration {i}/{n}. You have only {remaining} iteration(s) remaining. "
                  "Please provide a conclusive response and avoid making additional tool calls or sub-agent calls "
                  "unless absolutely critical. Focus on summarizing your findings and providing final "
                  "recommendations.")
        elif remaining <= 3:
            it = (f"🔄 Iteration {i}/{n} - {remaining} iterations remaining. Please be mindful of the remaining "
                  "steps and work towards a conclusion.")
        else:
            it = (f"🔄 Iteration {i}/{n} - Continue your response if you have more to say, or if you need to make "
                  "additional tool calls or sub-agent calls.")
        out = [("iteration_hint", it)] if enabled("iteration_hint") else []
        if enabled("token_usage"):
            limit = state.context_tokens
            left = limit - state.sent
            used = state.count(it if out else None)
            if left < 3 * self.REPLY_BUDGET:
                tok = (f"⚠️ WARNING: Token usage is approaching the limit {used}/{limit}.You have only {left} tokens "
                       "left.Please be mindful of the token limit and avoid making additional tool calls or sub-agent "
                       "calls unless absolutely critical. Focus on summarizing your findings and providing final "
                       "recommendations.")
            else:
                tok = (f"🔄 Token Usage: {used}/{limit} in the current prompt - {left} tokens left.Continue your "
                       "response if you have more to say, or if you need to make additional tool calls or sub-agent "
                       "calls.")
            out.append(("token_usage", tok))
        return out

    def count(self, wire: list[dict]) -> int:
        """NexAU's count without a tokenizer: per message ``len(role)//4 + len(content)//4 + 4``."""
        total = 0
        for m in wire:
            c = m.get("content")
            total += len(m.get("role") or "") // 4 + (len(c) if isinstance(c, str) else 0) // 4 + 4
        return max(total, 1)


def _convert(text: str, schema: Any) -> Any:
    """A text value typed as NexAU types it by its schema (a value that does not convert stays text)."""
    t = schema.get("type") if isinstance(schema, dict) else None
    try:
        if t == "boolean":
            return text.lower() in ("true", "1", "yes", "on")
        if t == "integer":
            return int(text)
        if t == "number":
            return float(text)
        if t == "array":
            try:
                return json.loads(text)
            except ValueError:
                return [x.strip() for x in text.split(",")]
        if t == "object":
            return json.loads(text)
    except (ValueError, TypeError):
        return text
    return text


_VALIDATORS: dict[int, tuple[dict, Any]] = {}


def _valid(props: dict, args: dict) -> bool:
    """Whether ``args`` fit the schemas of their properties (a validator compiled once per schema)."""
    hit = _VALIDATORS.get(id(props))
    if hit is None or hit[0] is not props:
        import jsonschema

        schema = {"type": "object", "properties": props}
        try:
            cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            cls.check_schema(schema)
            validator = cls(schema)
        except jsonschema.SchemaError:
            validator = None  # a schema NexAU cannot check with either: the call goes ahead
        if len(_VALIDATORS) > 4096:
            _VALIDATORS.clear()
        hit = _VALIDATORS[id(props)] = (props, validator)
    return hit[1] is None or hit[1].is_valid(args)


PROFILES: dict[str, Profile] = {"nexc": Profile(), "nexau": NexauProfile()}


def get_profile(name: str | None) -> Profile:
    """The profile called ``name`` (``None``: ``nexc``); KeyError names the known ones."""
    if name is None:
        return PROFILES["nexc"]
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown profile {name!r}; the profiles are: {', '.join(PROFILES)}") from None
