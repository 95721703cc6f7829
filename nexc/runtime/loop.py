"""The ReAct loop of one agent run, and its LLM calls and records.

1. the agent's own system prompt (rendered once per agent run) and the task as the user message;
2. before each LLM call: estimate the context, compact old tool results above
   ``Settings.compaction_ratio``, stop with ``context_limit`` if it still does not fit;
3. build the request (:class:`~nexc.view.wire.WireBuilder`: what the model is sent is the view's), call
   the LLM (or the replay), record the call;
4. text mode: the reply is cut where the format's calls end (:meth:`~nexc.formats.base.Format.finish_turn`;
   what is cut is recorded as ``discarded_text``) and its calls are read; a call the reply never closed
   is not run (:mod:`nexc.runtime.textmode`) but reported like an unreadable one;
5. no tool call → ``completed`` with the reply's text; otherwise run the calls (:mod:`nexc.runtime.calls`)
   and append the results;
6. a stop tool among the calls → ``stop_tool`` with its answer;
7. calls that could not be read, and the profile's hints after a round of calls, go back as one user
   message the runtime wrote (``injected``; ``specs/RUNTIME.md`` lists every kind);
8. after the profile's number of calls → ``max_iterations`` with the last reply's text.

The conversation the trajectory records is canonical (OpenAI-shaped messages whose system message is
the agent's own prompt), whichever the mode; each record also holds the exact request that was sent.
"""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from hashlib import blake2b
from typing import Any

from nexc.runtime.calls import run_tools
from nexc.runtime.context import compact, message_tokens
from nexc.runtime.events import llm_event, retry_listener, watch_agent
from nexc.runtime.extensions import ExtensionError, HookContext
from nexc.runtime.llm import LlmError
from nexc.runtime.textmode import closed_calls
from nexc.runtime.tools import ToolContext
from nexc.runtime.trace import Span
from nexc.runtime.types import RunAbort, StopReason
from nexc.view.profile import RoundState

SCHEMA_ID = "nexc.trajectory/2"


def agent_id(trace_id: str, path: str) -> str:
    """The id of one agent run (a UUID, as NexAU gives its agents; derived, so runs are reproducible)."""
    return str(uuid.UUID(bytes=blake2b(f"{trace_id}/{path}".encode(), digest_size=16).digest(), version=4))


async def run_agent(run, plan, task: str, depth: int, path: str, parent: Span | None) -> tuple[str, StopReason]:
    """Run one agent on ``task`` to its end; return (answer, stop reason)."""
    if run.emit is not None:
        return await watch_agent(run, plan.name, task, depth, path, _run_agent(run, plan, task, depth, path, parent))
    return await _run_agent(run, plan, task, depth, path, parent)


async def _run_agent(run, plan, task: str, depth: int, path: str, parent: Span | None) -> tuple[str, StopReason]:
    span = run.tracer.start(plan.name, "agent", parent, depth=depth, path=path)
    try:
        ext = plan.ext
        if ext:
            hctx = HookContext(plan.name, path, depth, run.tracer.trace_id, 0, run.storage)
            if ext.has("before_agent"):
                task = await fire(ext, "before_agent", hctx, task)
        output, reason = await _loop(run, plan, task, depth, path, span)
        if ext and ext.has("after_agent"):
            output = await fire(ext, "after_agent", hctx, output)
    except RunAbort as abort:
        span.attrs["stop_reason"] = abort.reason.value
        run.tracer.finish(span, "error")
        raise
    except BaseException:
        run.tracer.finish(span, "error")
        raise
    span.attrs["stop_reason"] = reason.value
    run.tracer.finish(span)
    return output, reason


async def fire(ext, event: str, hctx: HookContext, *args):
    """Run a non-tool extension event; a failing extension ends the run with its name in the message."""
    try:
        return await ext.fire(event, hctx, *args)
    except ExtensionError as exc:
        raise RunAbort(StopReason.ERROR, str(exc)) from None


def _assistant_from_middleware(msg: dict) -> dict:
    """An ``after_model`` replacement, checked and put in the runtime's shape (arguments as JSON text)."""
    content = msg.get("content")
    if content is not None and not isinstance(content, str):
        raise RunAbort(StopReason.ERROR, "an after_model middleware returned a message whose content is not text")
    out: dict[str, Any] = {"role": "assistant", "content": content}
    calls = []
    for i, c in enumerate(msg.get("tool_calls") or ()):
        fn = c.get("function") if isinstance(c, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise RunAbort(StopReason.ERROR, "an after_model middleware returned a tool call without function.name")
        args = fn.get("arguments", "{}")
        if not isinstance(args, str):
            args = json.dumps(args, ensure_ascii=False)
        calls.append({"id": str(c.get("id") or f"call_mw_{i}"), "type": "function",
                      "function": {"name": fn["name"], "arguments": args}})
    if calls:
        out["tool_calls"] = calls
    elif content is None:
        out["content"] = ""
    if "reasoning_content" in msg:
        out["reasoning_content"] = msg["reasoning_content"]
    return out


def sendable(text: Any) -> Any:
    """``text`` with every lone surrogate (undecodable bytes that ``os.listdir`` or a subprocess gave as
    ``surrogateescape`` text, a reply's unpaired ``\\ud800`` escape) replaced by U+FFFD, so the request
    can be encoded as UTF-8; the conversation holds this text, so what was sent is what is recorded."""
    if not isinstance(text, str) or text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _sendable_message(m: dict) -> dict:
    for key in ("content", "raw", "reasoning_content"):
        v = m.get(key)
        if isinstance(v, str) and not v.isascii():
            m[key] = sendable(v)
    for c in m.get("tool_calls") or ():
        fn = c.get("function") or {}
        if isinstance(fn.get("arguments"), str) and not fn["arguments"].isascii():
            fn["arguments"] = sendable(fn["arguments"])
    return m


class _Conversation:
    """The canonical messages of one agent run, their token estimates and the request messages."""

    __slots__ = ("messages", "tokens", "wire", "count")

    def __init__(self, plan, system: str, task: str, send_reasoning: bool):
        self.count = plan.count
        self.messages: list[dict] = [{"role": "system", "content": sendable(system)},
                                     {"role": "user", "content": sendable(task)}]
        self.tokens = [message_tokens(m, self.count) for m in self.messages]
        self.wire = plan.view.wire(send_reasoning).reset(self.messages)

    def add(self, m: dict) -> None:
        _sendable_message(m)
        self.messages.append(m)
        self.tokens.append(message_tokens(m, self.count))
        self.wire.add(m)

    def replace_all(self, messages: list[dict]) -> None:
        self.messages[:] = messages
        self.tokens[:] = [message_tokens(m, self.count) for m in messages]
        self.wire.reset(messages)

    def inject(self, parts: list[tuple[str, str]]) -> None:
        """One user message the runtime wrote, holding ``parts`` (kind, text)."""
        self.add({"role": "user", "content": "\n\n".join(t for _, t in parts), "injected": [k for k, _ in parts]})


def _turn(plan, resp, it: int, native: bool) -> tuple[dict, list[dict], list[str], str | None]:
    """The assistant message a reply becomes, its calls, the calls that could not be read, and the
    text cut off after the calls (text mode)."""
    prof = plan.profile
    if native:
        calls = resp.tool_calls
        seen = set()
        for i, c in enumerate(calls):
            if not c["id"] or c["id"] in seen:
                c["id"] = f"call_{it}_{i}"
            seen.add(c["id"])
        content = resp.content
        if calls and not content and prof.empty_call_content is not None:
            content = prof.empty_call_content
        msg: dict[str, Any] = {"role": "assistant", "content": content}
        errors: list[str] = []
        cut = None
    else:
        kept, cut = plan.fmt.finish_turn(resp.content or "", resp.finish_reason, resp.stop_reason, plan.tool_schemas)
        parsed = plan.fmt.parse_assistant(kept, plan.tool_schemas)
        errors = list(parsed.errors)
        read = parsed.tool_calls
        n, marker = closed_calls(plan.fmt, kept, read, plan.tool_schemas)
        for c in read[n:]:  # a call the reply never closed is not run (a reply cut short, a model that stopped)
            errors.append(f"the call of '{c['function']['name']}' is not closed (no {marker} after it), so it is "
                          "not complete")
        calls = [{"id": f"call_{it}_{i}", "type": "function",
                  "function": {"name": c["function"]["name"],
                               "arguments": json.dumps(c["function"]["arguments"], ensure_ascii=False)}}
                 for i, c in enumerate(read[:n])]
        msg = {"role": "assistant", "content": parsed.content, "raw": kept}
        if resp.reasoning is None and parsed.reasoning:
            resp.reasoning = parsed.reasoning
    if calls:
        msg["tool_calls"] = calls
    elif msg["content"] is None:
        msg["content"] = ""
    if resp.reasoning is not None:
        msg["reasoning_content"] = resp.reasoning
    return msg, calls, errors, (cut if cut and cut.strip() else None)


def _answer(plan, msg: dict) -> str:
    """The agent's answer when its turn calls no tool: the turn's text (NexAU: as the model wrote it)."""
    if plan.profile.raw_answers and "raw" in msg:
        return msg["raw"]
    return msg.get("content") or ""


async def _loop(run, plan, task: str, depth: int, path: str, span: Span) -> tuple[str, StopReason]:
    s = run.settings
    prof = plan.profile
    enabled = run.injection_enabled
    aid = agent_id(run.tracer.trace_id, path)
    try:
        system = plan.view.system_prompt(run.context, aid)
    except Exception as exc:  # noqa: BLE001 - a template error ends the run with a clear message
        raise RunAbort(StopReason.ERROR, f"agent '{plan.name}': cannot render the system prompt: "
                                         f"{type(exc).__name__}: {exc}") from None
    conv = _Conversation(plan, system, task, s.send_reasoning)
    messages, tokens = conv.messages, conv.tokens
    native = plan.fmt is None
    ep = None if run.replay is not None else run.endpoint(plan)
    base = run.base_body(plan, ep)
    limit = plan.context_tokens
    soft = int(limit * s.compaction_ratio)
    ctx = ToolContext(run.storage, run.context, plan.name, run.tracer.trace_id, run.workdir, run.rt.root_dir, aid)
    max_calls = prof.llm_call_limit(plan.max_iterations)
    last = ""
    ext = plan.ext or None
    hctx = HookContext(plan.name, path, depth, run.tracer.trace_id, 0, run.storage) if ext is not None else None
    for it in range(1, max_calls + 1):
        total = sum(tokens) + plan.tools_tokens
        if total > soft:
            if compact(messages, tokens, soft - plan.tools_tokens, s.keep_recent_results, conv.count):
                conv.wire.reset(messages)
            total = sum(tokens) + plan.tools_tokens
            if total > limit:
                span.attrs["context_tokens"] = total
                return last, StopReason.CONTEXT_LIMIT
        if ext is not None and ext.has("before_model"):
            hctx.iteration = it
            new = await fire(ext, "before_model", hctx, list(messages))
            if new != messages:
                if not all(isinstance(m, dict) and m.get("role") for m in new):
                    raise RunAbort(StopReason.ERROR, "a before_model middleware returned messages without roles")
                conv.replace_all(new)
        body = dict(base)
        body["messages"] = conv.wire.messages()
        resp, record = await _call_llm(run, plan, ep, body, messages, it, path, depth, span)
        msg = cut = None
        try:
            msg, calls, errors, cut = _turn(plan, resp, it, native)
            if ext is not None and ext.has("after_model"):
                hctx.iteration = it
                new = await fire(ext, "after_model", hctx, {k: v for k, v in msg.items() if k != "raw"})
                if new != {k: v for k, v in msg.items() if k != "raw"}:
                    msg = _assistant_from_middleware(new)
                    calls = msg.get("tool_calls", [])
                    if not native:
                        errors = []
                        msg["raw"] = plan.fmt.render_assistant(msg)
        finally:
            record["reply"], record["discarded_text"] = msg, cut
            run.add_record(record)
        if run.emit is not None:
            run.emit(llm_event(record, calls, msg.get("content")))
        conv.add(msg)
        last = _answer(plan, msg)

        note_errors = bool(errors) and prof.retry_unreadable
        if not calls and not note_errors:
            return last, StopReason.COMPLETED

        if calls:
            results = await run_tools(run, plan, calls, ctx, depth, path, it, span)
            stop = next((r for r in results if r.stop), None)
            if stop is not None and not prof.results_after_stop:
                return prof.stop_answer(stop.value, stop.text), StopReason.STOP_TOOL
            for call, r in zip(calls, results):
                tmsg = {"role": "tool", "tool_call_id": call["id"], "name": call["function"]["name"], "content": r.text}
                if r.error:
                    tmsg["is_error"] = True
                if r.simulated:
                    tmsg["simulated"] = True
                conv.add(tmsg)
            if stop is not None:
                return prof.stop_answer(stop.value, stop.text), StopReason.STOP_TOOL
        parts: list[tuple[str, str]] = []
        if note_errors and enabled("format_error"):
            parts.append(("format_error", "nexc: your last reply contained tool calls that could not be read, so "
                                          "they were not run:\n- " + "\n- ".join(errors)
                          + "\nWrite the calls again in the required format."))
        wire = conv.wire
        state = RoundState(it, plan.max_iterations, limit, sum(tokens) + plan.tools_tokens, prof.count(body["messages"]),
                           lambda text: prof.count(wire.preview(text) if text else wire.messages()))
        parts += prof.round_hints(state, s, enabled)
        if parts:
            conv.inject(parts)
    span.attrs["iterations"] = max_calls
    return prof.max_iterations_answer(last), StopReason.MAX_ITERATIONS


async def _call_llm(run, plan, ep, body: dict, messages: list[dict], it: int, path: str, depth: int,
                    parent: Span):
    """One LLM call (or its replay): the response and the call's record, which the caller completes with
    the turn the reply became and then writes; a failed call is recorded here and ends the run."""
    tracer = run.tracer
    span = tracer.start("llm", "llm", parent, iteration=it, agent=plan.name)
    snapshot = messages[:]
    error: LlmError | None = None
    resp = None
    try:
        if run.replay is not None:
            resp = run.replay.take(plan.name, path, it, snapshot, plan.tool_schemas)
        else:
            resp = await run.rt.llm.complete(ep, body, retry_listener(run, plan, path, depth, it))
    except LlmError as exc:
        error = exc
        error.message = run.redact(error.message)
    except asyncio.CancelledError:  # the run's timeout (or its caller) ended it with this call in flight
        _record_cancelled(run, plan, body, snapshot, it, path, depth, span, parent)
        tracer.finish(span, "error")
        raise
    except BaseException:
        tracer.finish(span, "error")
        raise
    ended = time.time()
    params = {k: v for k, v in body.items() if k not in ("messages", "tools")}
    record: dict[str, Any] = {
        "schema": SCHEMA_ID, "trace_id": span.trace_id, "span_id": span.span_id, "parent_span_id": parent.span_id,
        "agent_name": plan.name, "agent_path": path, "depth": depth, "iteration": it,
        "model": (resp.model if resp is not None and resp.model else None) or body.get("model"),
        "tool_format": plan.tool_format, "profile": plan.profile.name, "params": params, "messages": snapshot,
        "tools": plan.tool_schemas, "request": body, "response": None, "reply": None, "discarded_text": None,
        "finish_reason": None, "usage": None, "error": None,
        "attempts": error.attempts if error is not None else resp.attempts,
        "started_at": span.start, "ended_at": ended, "duration_ms": round((ended - span.start) * 1000.0, 3),
        "replayed": run.replay is not None,
    }
    if resp is not None:
        out: dict[str, Any] = {"role": "assistant", "content": resp.content}
        if resp.tool_calls:
            out["tool_calls"] = [dict(c, function=dict(c["function"])) for c in resp.tool_calls]
        if resp.reasoning is not None:
            out["reasoning_content"] = resp.reasoning
        record["response"] = out
        record["finish_reason"] = resp.finish_reason
        usage = resp.usage
        if usage:
            record["usage"] = usage
            u = run.usage
            for k in ("prompt_tokens", "completion_tokens", "total_tokens"):
                v = usage.get(k)
                if isinstance(v, int):
                    u[k] += v
    run.usage["llm_calls"] += 1
    span.end = ended
    if error is not None:
        record["error"] = error.as_record()
        run.add_record(record)
        if run.emit is not None:
            run.emit(llm_event(record, None, None))
        span.status = "error"
        span.attrs["error"] = error.message
        if tracer.on_span is not None:
            tracer.on_span(span)
        raise RunAbort(StopReason.LLM_ERROR, f"agent '{plan.name}': {error.message}")
    if tracer.on_span is not None:
        tracer.on_span(span)
    return resp, record


def _record_cancelled(run, plan, body: dict, snapshot: list[dict], it: int, path: str, depth: int, span: Span,
                      parent: Span) -> None:
    """The record of a call the run was cancelled in (nothing came back)."""
    ended = time.time()
    run.add_record({
        "schema": SCHEMA_ID, "trace_id": span.trace_id, "span_id": span.span_id, "parent_span_id": parent.span_id,
        "agent_name": plan.name, "agent_path": path, "depth": depth, "iteration": it, "model": body.get("model"),
        "tool_format": plan.tool_format, "profile": plan.profile.name,
        "params": {k: v for k, v in body.items() if k not in ("messages", "tools")}, "messages": snapshot,
        "tools": plan.tool_schemas, "request": body, "response": None, "reply": None, "discarded_text": None,
        "finish_reason": None, "usage": None,
        "error": {"type": "cancelled", "message": "the run was cancelled while this call was in flight",
                  "status": None},
        "attempts": 1, "started_at": span.start, "ended_at": ended,
        "duration_ms": round((ended - span.start) * 1000.0, 3), "replayed": run.replay is not None})


async def _call_llm_raw(run, plan, messages: list[dict], path: str, it: int, parent: Span, base: dict,
                        params: dict) -> str:
    """One plain LLM call on ``plan``'s endpoint (or the replay) outside the agent's conversation — a tool
    simulation: recorded with ``base``'s fields; returns the reply's text (raises ``ToolError`` on failure)."""
    from nexc.runtime.tools import ToolError

    tracer = run.tracer
    span = tracer.start("llm", "llm", parent, iteration=it, agent=base.get("agent_name"))
    ep = None if run.replay is not None else run.endpoint(plan)
    body = {"model": ep.model if ep is not None else "replay", "messages": messages, **params}
    resp, error = None, None
    try:
        if run.replay is not None:
            resp = run.replay.take(base["agent_name"], path, it, messages, [])
        else:
            resp = await run.rt.llm.complete(ep, body, retry_listener(run, plan, path, base.get("depth") or 0, it))
    except LlmError as exc:
        error = exc
    ended = time.time()
    record = {**base, "trace_id": span.trace_id, "span_id": span.span_id, "parent_span_id": parent.span_id,
              "iteration": it, "model": body["model"], "messages": messages, "request": body,
              "response": None if resp is None else {"role": "assistant", "content": resp.content},
              "error": error.as_record() if error is not None else None, "started_at": span.start,
              "ended_at": ended, "replayed": run.replay is not None}
    run.add_record(record)
    tracer.finish(span, "error" if error is not None else "ok")
    if run.emit is not None:
        run.emit(llm_event(dict(record, duration_ms=(ended - span.start) * 1000.0), None,
                           resp.content if resp is not None else None))
    if error is not None:
        raise ToolError(f"the simulator's LLM call failed: {error.message}")
    return resp.content or ""
