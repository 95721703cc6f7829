"""Agent extensions at run time: middleware, hooks and tracers (an agent's ``extensions`` in the spec).

An extension's ``target`` is ``"module:attr"``: a class is instantiated with the extension's ``params`` as
keyword arguments (a factory function too, when ``params`` are given); anything else is used as it is.
The reference is ``specs/RUNTIME.md`` ("Extensions"); in short:

- **middleware**: an object with any of the six methods below, sync or ``async``, called in spec order.
  Returning ``None`` keeps the value; anything else replaces it for the next middleware and the run.

  =====================================  =================================================================
  ``before_agent(ctx, task)``            the task the agent starts on (a ``str``)
  ``before_model(ctx, messages)``        the conversation (a list of OpenAI messages) before an LLM call
  ``after_model(ctx, message)``          the assistant message (``content``, ``tool_calls``) before tools run
  ``before_tool(ctx, name, args)``       a ``dict`` replaces the arguments; a ``str`` skips the tool and is
                                         the observation (a gate, a cache, a refusal)
  ``after_tool(ctx, name, args, text)``  the observation text
  ``after_agent(ctx, output)``           the agent's answer
  =====================================  =================================================================

- **hook**: a callable ``hook(event, ctx, payload)`` called after the middleware at each of the same six
  events with a dict of what happened; what it returns is ignored.
- **tracer**: receives every span of the run when it ends: its ``on_span(span)`` method, or the object
  itself when it is callable. Tracers declared on any agent see the whole run, once each.

``ctx`` is a :class:`HookContext`. An exception in a tool event becomes the tool's observation; in any other
event it ends the run with stop reason ``error`` and a message naming the extension (an extension that fails
is never skipped silently). ``token_counter`` extensions are handled by :mod:`nexc.runtime.context`;
``plugin`` extensions are not run by this runtime and are reported as a problem when the framework loads.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from nexc.runtime.tools import import_target

EVENTS = ("before_agent", "before_model", "after_model", "before_tool", "after_tool", "after_agent")
#: Which argument an event's middleware may replace (its index in the arguments after ``ctx``).
_VALUE = {"before_agent": 0, "before_model": 0, "after_model": 0, "before_tool": 1, "after_tool": 2,
          "after_agent": 0}
_PAYLOAD = {"before_agent": ("task",), "before_model": ("messages",), "after_model": ("message",),
            "before_tool": ("tool", "arguments"), "after_tool": ("tool", "arguments", "observation"),
            "after_agent": ("output",)}


@dataclass
class HookContext:
    """Where an extension is called: the agent, its place in the delegation tree and the run's state."""

    agent: str
    path: str
    depth: int
    trace_id: str
    iteration: int = 0
    storage: dict = field(default_factory=dict)
    #: In tool events: the tool's MCP annotations (``readOnlyHint``, ``destructiveHint``…), empty for others.
    tool_annotations: dict = field(default_factory=dict)


class ExtensionError(Exception):
    """An extension raised or returned something unusable; ``str()`` names the extension and the event."""


class SkipTool(str):
    """The observation a ``before_tool`` middleware gave instead of running the tool."""


def instantiate(target: str, params: dict, root_dir: str | None) -> Any:
    """The extension object of ``target`` (a class or factory called with ``params``)."""
    obj = import_target(target, root_dir)
    if inspect.isclass(obj) or params:
        return obj(**params)
    return obj


class Extensions:
    """The middleware and hooks of one agent, ready to call. Empty (falsy) when the agent has none."""

    __slots__ = ("chains", "hooks", "active")

    def __init__(self, middleware: list[tuple[str, Any]] = (), hooks: list[tuple[str, Callable]] = ()):
        self.chains: dict[str, list[tuple[str, Callable]]] = {
            ev: [(name, getattr(obj, ev)) for name, obj in middleware if callable(getattr(obj, ev, None))]
            for ev in EVENTS}
        self.hooks = list(hooks)
        self.active = bool(self.hooks) or any(self.chains.values())

    def __bool__(self) -> bool:
        return self.active

    def has(self, event: str) -> bool:
        return bool(self.hooks) or bool(self.chains[event])

    async def fire(self, event: str, ctx: HookContext, *args: Any) -> Any:
        """Run ``event`` through the middleware chain and the hooks; the (possibly replaced) value."""
        i = _VALUE[event]
        args_l = list(args)
        for name, fn in self.chains[event]:
            try:
                out = fn(ctx, *args_l)
                if inspect.isawaitable(out):
                    out = await out
            except Exception as exc:  # noqa: BLE001 - reported with the extension's name
                raise ExtensionError(f"middleware '{name}' failed in {event}: {type(exc).__name__}: {exc}") from exc
            if out is None:
                continue
            _check(event, name, out)
            if event == "before_tool" and isinstance(out, str):
                args_l[i] = SkipTool(out)
                break
            args_l[i] = out
        for name, hook in self.hooks:
            payload = dict(zip(_PAYLOAD[event], args_l))
            try:
                out = hook(event, ctx, payload)
                if inspect.isawaitable(out):
                    await out
            except Exception as exc:  # noqa: BLE001
                raise ExtensionError(f"hook '{name}' failed in {event}: {type(exc).__name__}: {exc}") from exc
        return args_l[i]


def _check(event: str, name: str, out: Any) -> None:
    want = {"before_agent": str, "before_model": list, "after_model": dict, "before_tool": (dict, str),
            "after_tool": str, "after_agent": str}[event]
    if not isinstance(out, want):
        kinds = " or ".join(t.__name__ for t in (want if isinstance(want, tuple) else (want,)))
        raise ExtensionError(f"middleware '{name}' returned {type(out).__name__} from {event}; expected {kinds} "
                             "or None")


def load(agent, root_dir: str | None) -> tuple[Extensions, list[Callable], list[str]]:
    """``(extensions, tracers, problems)`` of one IR agent; what cannot be imported is a problem."""
    middleware: list[tuple[str, Any]] = []
    hooks: list[tuple[str, Callable]] = []
    tracers: list[Callable] = []
    problems: list[str] = []
    for ext in agent.extensions:
        if ext.kind == "token_counter":
            continue
        if ext.kind == "plugin":
            problems.append(f"plugin extension '{ext.target}' is not run by the nexc runtime")
            continue
        try:
            obj = instantiate(ext.target, dict(ext.params), root_dir)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{ext.kind} '{ext.target}' unavailable: {type(exc).__name__}: {exc}")
            continue
        if ext.kind == "middleware":
            if not any(callable(getattr(obj, ev, None)) for ev in EVENTS):
                problems.append(f"middleware '{ext.target}' has none of the methods "
                                f"{', '.join(EVENTS)}")
                continue
            middleware.append((ext.target, obj))
        elif ext.kind == "hook":
            if not callable(obj):
                problems.append(f"hook '{ext.target}' is not callable")
                continue
            hooks.append((ext.target, obj))
        elif ext.kind == "tracer":
            fn = getattr(obj, "on_span", None) or (obj if callable(obj) else None)
            if fn is None:
                problems.append(f"tracer '{ext.target}' has no on_span method")
                continue
            tracers.append(fn)
    return Extensions(middleware, hooks), tracers, problems
