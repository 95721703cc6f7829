"""Tool calls of one round: run concurrently, each turned into an observation by the profile.

Calls in one reply run concurrently (tools with ``parallel = false``, or every call when the agent
sets ``parallel_tool_calls = false``, run one at a time after the others); results keep the order of
the calls. A sub-agent call starts the child's loop (:func:`nexc.runtime.loop.run_agent`) with its own
conversation; only its answer comes back. Whatever goes wrong in a call — an unknown tool, bad
arguments (arguments that do not match the tool's JSON Schema never reach it), an exception, a timeout —
becomes the call's observation, never a crash. In a replay, Python and MCP tools answer with the recorded
results and do not run (:mod:`nexc.runtime.replay`), unless ``Settings.replay_tools`` is ``"run"``.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from nexc.runtime.events import tool_event
from nexc.runtime.extensions import ExtensionError, HookContext, SkipTool
from nexc.runtime.prompt import load_skill_body
from nexc.runtime.tools import ToolContext, ToolError, call_function
from nexc.runtime.trace import Span
from nexc.runtime.types import RunAbort

_TIMEOUT_ERRORS = (asyncio.TimeoutError, TimeoutError)


@dataclass(slots=True)
class CallResult:
    """One call's observation ``text``; ``stop``: a stop tool ended the run with it; ``error``: the
    call failed; ``value``: what the tool returned (a stop tool's answer is made of it); ``simulated``:
    an LLM played the tool."""

    text: str
    stop: bool = False
    error: bool = False
    value: Any = None
    simulated: bool = False


async def run_tools(run, plan, calls: list[dict], ctx: ToolContext, depth: int, path: str, it: int,
                    span: Span) -> list[CallResult]:
    """The results of ``calls``, in call order."""
    n = len(calls)
    if n == 1:
        return [await _exec(run, plan, calls[0], 0, ctx, depth, path, it, span)]
    parallel = [i for i, c in enumerate(calls) if plan.parallel_tool_calls
                and getattr(plan.tool(c["function"]["name"]), "parallel", True)]
    serial = [i for i in range(n) if i not in parallel]
    results: list[Any] = [None] * n
    if len(parallel) == 1:
        results[parallel[0]] = await _exec(run, plan, calls[parallel[0]], parallel[0], ctx, depth, path, it, span)
    elif parallel:
        try:
            async with asyncio.TaskGroup() as tg:
                tasks = [(i, tg.create_task(_exec(run, plan, calls[i], i, ctx, depth, path, it, span)))
                         for i in parallel]
        except BaseExceptionGroup as group:
            raise _first(group) from None
        for i, t in tasks:
            results[i] = t.result()
    for i in serial:
        results[i] = await _exec(run, plan, calls[i], i, ctx, depth, path, it, span)
    return results


def _first(group: BaseExceptionGroup) -> BaseException:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            exc = _first(exc)
        if isinstance(exc, RunAbort):
            return exc
    exc = group.exceptions[0]
    return _first(exc) if isinstance(exc, BaseExceptionGroup) else exc


async def _exec(run, plan, call: dict, index: int, ctx: ToolContext, depth: int, path: str, it: int,
                parent: Span) -> CallResult:
    fn = call["function"]
    name = fn["name"]
    prof = plan.profile
    tracer = run.tracer
    span = tracer.start(name, "tool", parent, call_id=call["id"])
    status = "ok"
    tool = plan.tool(name)
    ext = plan.ext or None
    args: dict = {}
    value: Any = None
    simulated = False
    if tool is not None and tool.kind == "python" and run.replay is not None and \
            run.settings.replay_tools == "recorded":
        recorded = _recorded(run, plan, tool, call, path, it, span)
        if recorded is not None:
            if run.emit is not None:
                run.emit(tool_event(plan, path, depth, call, tool, fn["arguments"], span, recorded, True))
            return recorded
    try:
        if tool is None:
            raise ToolError(prof.unknown_tool(name, list(plan.tools), ctx.agent_id))
        args = tool.arguments(fn["arguments"], check_required=prof.checks_required)
        kind = tool.kind
        if kind == "python":
            args = prof.prepare_arguments(tool, args)
        if kind in ("python", "simulated") and prof.checks_required:  # nexau: NexAU's check, in prepare_arguments
            tool.validate(args)
        if ext is not None and ext.has("before_tool"):
            hctx = HookContext(plan.name, path, depth, run.tracer.trace_id, it, run.storage, tool.annotations)
            try:
                out = await ext.fire("before_tool", hctx, name, args)
            except ExtensionError as exc:
                raise ToolError(str(exc)) from None
            if isinstance(out, SkipTool):  # a gate or cache answered instead of the tool (never a stop)
                kind, status = "skipped", "skipped"
                text = value = str(out)
            else:
                args = out
        if kind == "skipped":
            pass
        elif kind == "python":
            value = await call_function(tool, args, ctx, run.pool, run.settings.tool_timeout,
                                        run.settings.inline_fast_tools)
            text = prof.observation(value)
        elif kind == "agent":
            text = value = await _delegate(run, plan, tool, args, depth, path, it, index, span)
        elif kind == "simulated":
            from nexc.runtime.simulate import simulate

            text = value = await simulate(run, plan, tool, args, path, it, index, span)
            simulated = True
        elif kind == "skill":
            try:
                value = load_skill_body(plan.skills, str(args.get("name")))
            except KeyError as exc:
                raise ToolError(exc.args[0]) from None
            text = prof.observation(value)
        else:  # an unbound stop tool: its arguments are the answer
            value = args["answer"] if len(args) == 1 and isinstance(args.get("answer"), str) else args
            text = value if isinstance(value, str) else json.dumps(args, ensure_ascii=False)
    except RunAbort:
        tracer.finish(span, "error")
        raise
    except ToolError as exc:
        text, status = prof.error_text(str(exc)), "error"
        value = text
    except _TIMEOUT_ERRORS:
        text, status = prof.error_text(f"tool '{name}' did not finish within {run.settings.tool_timeout}s"), "error"
        value = text
    except Exception as exc:  # noqa: BLE001 - tool failures are observations
        text, failed, value = prof.exception_observation(name, exc)
        status = "error" if failed else "raised"
    if ext is not None and ext.has("after_tool"):
        hctx = HookContext(plan.name, path, depth, run.tracer.trace_id, it, run.storage,
                           tool.annotations if tool is not None else {})
        try:
            text = await ext.fire("after_tool", hctx, name, args, text)
        except ExtensionError as exc:
            text, status = f"Error: {exc}", "error"
    tracer.finish(span, "ok" if status == "raised" else status)
    is_stop = (tool.name if tool is not None else name) in plan.stop_tools
    result = CallResult(text, prof.stops(is_stop, status, value), status == "error", value, simulated)
    if run.emit is not None:
        run.emit(tool_event(plan, path, depth, call, tool, args or fn["arguments"], span, result, False, status))
    return result


def _recorded(run, plan, tool, call: dict, path: str, it: int, span: Span) -> CallResult | None:
    """A replayed call's result taken from the recording (the tool does not run), or None when the tool must
    run: a stop tool whose result no record holds (its round ended the agent; the result is the answer)."""
    got = run.replay.tool_result(path, it, call["id"])
    span.attrs["replayed"] = True
    if got is None:
        if tool.name in plan.stop_tools:
            span.attrs["replayed"] = False
            return None
        from nexc.runtime.replay import NOT_RECORDED

        run.tracer.finish(span, "skipped")
        return CallResult(NOT_RECORDED, value=NOT_RECORDED)
    error = bool(got.get("is_error"))
    run.tracer.finish(span, "error" if error else "ok")
    # the recording went on after this call, so it did not stop the agent, whatever the tool
    return CallResult(got["content"], False, error, got["content"], bool(got.get("simulated")))


def on_stack(path: str, name: str) -> int:
    """How many runs of agent ``name`` are on the delegation stack ``path`` (``root/child@it.i/…``).

    An agent's ``max_depth`` (the spec's, else ``Settings.max_depth``) bounds this count, the same definition
    the static analysis uses (:mod:`nexc.analysis.cost`)."""
    return sum(1 for seg in path.split("/") if seg.partition("@")[0] == name)


async def _delegate(run, plan, tool, args: dict, depth: int, path: str, it: int, index: int, span: Span) -> str:
    from nexc.runtime.loop import run_agent

    prof = plan.profile
    child = run.rt.plans.get(tool.agent)
    if child is None:
        raise ToolError(prof.unknown_subagent(tool.agent))
    task = prof.child_task(args)
    if task is None:
        raise ToolError(f"'{tool.name}' needs a non-empty string argument 'task'")
    runs = on_stack(path, child.name)
    if runs >= child.max_depth:
        raise ToolError(f"cannot delegate to '{child.name}': the delegation depth limit ({child.max_depth}) is reached "
                        f"('{child.name}' is already running {runs} time{'s' if runs > 1 else ''} on this delegation "
                        "stack); do this part yourself")
    span.kind = "subagent"
    output, reason = await run_agent(run, child, task, depth + 1, f"{path}/{child.name}@{it}.{index}", span)
    return prof.subagent_result(child.name, output, reason)
