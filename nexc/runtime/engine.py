"""The engine: a ReAct loop per agent, sub-agents as tools, concurrent tool calls, records and spans.

One :class:`Runtime` per loaded framework holds the agent plans and the LLM client cache; each
:meth:`Runtime.run` makes a :class:`Run` (storage, tracer, records, trajectory file) and starts the
entry agent. The loop of one agent (:func:`run_agent`):

1. system prompt (rendered once per agent run) and the task as the user message;
2. before each LLM call: estimate the context, compact old tool results above
   ``Settings.compaction_ratio``, stop with ``context_limit`` if it still does not fit;
3. call the LLM (or the replay), record the call;
4. no tool call → ``completed`` with the reply's text; otherwise run the calls concurrently
   (tools with ``parallel = false``, or every call when the agent sets ``parallel_tool_calls =
   false``, run one at a time after the others), append the results;
5. a stop tool among the calls → ``stop_tool`` with its result as the answer;
6. near the limit, hints are appended to the last tool result: the iterations left (from
   ``Settings.hint_window`` left) and how full the context is (above ``context_hint_ratio``);
7. after ``max_iterations`` calls → ``max_iterations`` with the last reply's text.

Text mode (``tool_format`` other than ``openai``): the tools are declared in the system prompt by the
format, its stop sequences are sent, calls are parsed from the reply's text, the model's raw text is
sent back as its turn and tool results as the format's user turn. Parse errors go back to the model as
a user message saying what was wrong. The canonical history (OpenAI-shaped messages) is what the
trajectory records, whichever the mode.

LLM errors that survive the retries, replay divergence and internal failures end the whole run
(from any depth); everything a tool does wrong becomes an observation.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from typing import Any

from nexc.runtime.context import compact, message_tokens
from nexc.runtime.extensions import ExtensionError, HookContext, SkipTool
from nexc.runtime.llm import Endpoint, LiveLlm, LlmError
from nexc.runtime.plan import AgentPlan
from nexc.runtime.prompt import load_skill_body
from nexc.runtime.storage import GlobalStorage
from nexc.runtime.tools import ToolContext, ToolError, call_function, thread_pool
from nexc.runtime.trace import Span, Tracer, TrajectoryWriter
from nexc.runtime.types import RunAbort, RunResult, Settings, StopReason

SCHEMA_ID = "nexc.trajectory/1"
_TIMEOUT_ERRORS = (asyncio.TimeoutError, TimeoutError)


def _env(value: Any) -> Any:
    """Resolve an ``EnvRef`` from the environment (now, at run time)."""
    if value is not None and getattr(value, "kind", None) == "env":
        return os.environ.get(value.name, value.default)
    return value


class Runtime:
    """A framework ready to run: agent plans (computed once) and the shared LLM client."""

    def __init__(self, framework, root_dir: str | os.PathLike = ".", settings: Settings | None = None):
        self.framework = framework
        self.root_dir = os.path.abspath(os.fspath(root_dir))
        self.settings = settings or Settings()
        cache: dict = {}
        self.plans: dict[str, AgentPlan] = {a.name: AgentPlan(framework, a.name, self.root_dir, cache, self.settings)
                                           for a in framework.agents}
        self.llm = LiveLlm(self.settings)

    def mcp_session(self):
        """The MCP servers of one run (:func:`nexc.runtime.mcp.run_session`): those the agents' tools use."""
        servers = {s.name: s for p in self.plans.values() for s in p.mcp_servers}
        if not servers:
            return contextlib.nullcontext()
        from nexc.runtime.mcp import run_session

        return run_session(servers.values(), self.root_dir)

    @property
    def problems(self) -> list[str]:
        """What the runtime could not set up (unimportable tools, missing formats, MCP)."""
        out = [f"agent '{p.name}': {m}" for p in self.plans.values() for m in p.problems]
        seen = set()
        for p in self.plans.values():
            for t in p.tools.values():
                if t.error and t.name not in seen:
                    seen.add(t.name)
                    out.append(f"tool '{t.name}': {t.error}")
        return out

    async def run(self, task: str, *, base_url: str | None = None, api_key: str | None = None,
                  model: str | None = None, context: dict | None = None, trace_path: str | os.PathLike | None = None,
                  replay=None, timeout: float | None = None, workdir: str | None = None, agent: str | None = None,
                  on_span=None, settings: Settings | None = None) -> RunResult:
        """Run ``task`` on the entry agent (or ``agent``); never raises for LLM, tool or replay failures."""
        s = settings or self.settings
        run = Run(self, s, base_url=base_url, api_key=api_key, model=model, context=context, on_span=on_span,
                  workdir=workdir)
        t0 = time.perf_counter()
        output, reason, error = "", StopReason.ERROR, None
        name = agent or self.framework.entry
        try:
            plan = self.plans.get(name)
            if plan is None:
                raise RunAbort(StopReason.ERROR, f"no agent named '{name}'")
            if replay is not None:
                from nexc.runtime.replay import ReplayLlm

                try:
                    run.replay = ReplayLlm(replay, strict=s.replay_strict)
                except (OSError, ValueError) as exc:
                    raise RunAbort(StopReason.ERROR, f"cannot replay: {exc}") from None
            if trace_path is not None:
                run.writer = TrajectoryWriter(trace_path, fsync=s.fsync, secrets=tuple(run.secrets))
            async with self.mcp_session():  # this run's MCP servers: started now, stopped at the end
                if timeout is None:
                    output, reason = await run_agent(run, plan, task, 0, plan.name, None)
                else:
                    async with asyncio.timeout(timeout):
                        output, reason = await run_agent(run, plan, task, 0, plan.name, None)
        except RunAbort as abort:
            reason, error = abort.reason, abort.message
        except _TIMEOUT_ERRORS:
            reason, error = StopReason.CANCELLED, f"the run did not finish within {timeout:g}s"
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the caller's process
            if os.environ.get("NEXC_DEBUG"):
                import traceback

                traceback.print_exc()
            reason, error = StopReason.ERROR, f"internal error: {type(exc).__name__}: {exc}"
        finally:
            run.close()
        if run.tracer_error and not error:
            error = run.tracer_error
        return RunResult(output=output or "", stop_reason=reason, trace_id=run.tracer.trace_id, records=run.records,
                         spans=run.tracer.spans, error=error, trace_path=os.fspath(trace_path) if trace_path else None,
                         usage=run.usage, duration_s=time.perf_counter() - t0)


class Run:
    """The state of one run, shared by every agent of its tree."""

    def __init__(self, rt: Runtime, settings: Settings, *, base_url, api_key, model, context, on_span, workdir):
        self.rt, self.settings = rt, settings
        tracers = list(dict.fromkeys(t for p in rt.plans.values() for t in p.tracers))  # each once
        if on_span is not None:
            tracers.insert(0, on_span)
        self.tracer_error: str | None = None
        self.tracer = Tracer(on_span=self._fan_out(tracers) if tracers else None)
        seed: dict = {}
        entry = rt.plans.get(rt.framework.entry)
        for p in rt.plans.values():
            if p is not entry:
                seed.update(p.storage_seed)
        if entry is not None:
            seed.update(entry.storage_seed)
        self.storage = GlobalStorage(seed)
        self.context = dict(context or {})
        self.records: list[dict] = []
        self.writer: TrajectoryWriter | None = None
        self.replay = None
        self.base_url, self.api_key, self.model = base_url, api_key, model
        self.secrets: list[str] = [api_key] if api_key else []
        self.endpoints: dict[Any, Endpoint] = {}
        self.bodies: dict[str, dict] = {}
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "llm_calls": 0}
        self.pool = thread_pool(settings.tool_workers)
        self.workdir = os.path.abspath(workdir or os.getcwd())

    def _fan_out(self, tracers: list):
        """One ``on_span`` for all tracers; one that raises is dropped for the rest of the run and its
        failure is reported in ``RunResult.error``."""
        live = list(tracers)

        def on_span(span: Span) -> None:
            for t in list(live):
                try:
                    t(span)
                except Exception as exc:  # noqa: BLE001 - an observer must not break the run
                    live.remove(t)
                    if self.tracer_error is None:
                        self.tracer_error = (f"tracer {getattr(t, '__qualname__', t)!s} failed and was dropped: "
                                             f"{type(exc).__name__}: {exc}")
        return on_span

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def endpoint(self, plan: AgentPlan) -> Endpoint:
        key = plan.llm.name if plan.llm is not None else None
        ep = self.endpoints.get(key)
        if ep is not None:
            return ep
        llm, env = plan.llm, os.environ
        model = self.model or (_env(llm.model) if llm else None) or env.get("NEXC_MODEL") or env.get("OPENAI_MODEL")
        base_url = self.base_url or (_env(llm.base_url) if llm else None) or env.get("OPENAI_BASE_URL")
        api_key = self.api_key or (_env(llm.api_key) if llm else None) or env.get("OPENAI_API_KEY") or "none"
        if not model:
            raise RunAbort(StopReason.ERROR, f"agent '{plan.name}' has no model: set it in the spec, pass model=, "
                                             "or set NEXC_MODEL (or OPENAI_MODEL)")
        if not base_url:
            raise RunAbort(StopReason.ERROR, f"agent '{plan.name}' has no endpoint: set base_url in the spec, pass "
                                             "base_url=, or set OPENAI_BASE_URL")
        try:
            params = plan.llm_params(_env)
        except (TypeError, ValueError) as exc:
            raise RunAbort(StopReason.ERROR, f"agent '{plan.name}': bad llm setting: {exc}") from None
        s = self.settings
        ep = Endpoint(str(base_url), str(api_key), str(model), params,
                      float(llm.timeout) if llm and llm.timeout else s.request_timeout,
                      llm.max_retries if llm and llm.max_retries is not None else s.max_retries)
        if api_key and api_key != "none":
            self.secrets.append(api_key)
            if self.writer is not None:
                self.writer.secrets = tuple(x for x in set(self.writer.secrets + (api_key,)) if len(x) >= 6)
        self.endpoints[key] = ep
        return ep

    def base_body(self, plan: AgentPlan, ep: Endpoint | None) -> dict:
        body = self.bodies.get(plan.name)
        if body is None:
            body = {"model": ep.model if ep else "replay"}
            if ep is not None:
                body.update(ep.params)
            if plan.fmt is None:
                if plan.tool_schemas:
                    body["tools"] = plan.tool_schemas
                    if not plan.parallel_tool_calls:
                        body["parallel_tool_calls"] = False
            elif plan.fmt.stop_sequences:
                body["stop"] = list(plan.fmt.stop_sequences)
            self.bodies[plan.name] = body
        return body

    def add_record(self, record: dict) -> None:
        self.records.append(record)
        if self.writer is not None:
            self.writer.write(record)


# ---- the agent loop ------------------------------------------------------------------------------
async def run_agent(run: Run, plan: AgentPlan, task: str, depth: int, path: str,
                    parent: Span | None) -> tuple[str, StopReason]:
    """Run one agent on ``task`` to its end; return (answer, stop reason)."""
    span = run.tracer.start(plan.name, "agent", parent, depth=depth, path=path)
    try:
        ext = plan.ext
        if ext:
            hctx = HookContext(plan.name, path, depth, run.tracer.trace_id, 0, run.storage)
            if ext.has("before_agent"):
                task = await _fire(ext, "before_agent", hctx, task)
        output, reason = await _loop(run, plan, task, depth, path, span)
        if ext and ext.has("after_agent"):
            output = await _fire(ext, "after_agent", hctx, output)
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


async def _fire(ext, event: str, hctx: HookContext, *args):
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


def _wire(msg: dict, send_reasoning: bool) -> dict:
    """The message as sent to a native-mode endpoint (no nexc-only keys)."""
    role = msg["role"]
    if role == "tool":
        return {"role": "tool", "tool_call_id": msg["tool_call_id"], "content": msg["content"]}
    if role == "assistant" and not send_reasoning and "reasoning_content" in msg:
        return {k: v for k, v in msg.items() if k != "reasoning_content"}
    return msg


async def _loop(run: Run, plan: AgentPlan, task: str, depth: int, path: str, span: Span) -> tuple[str, StopReason]:
    s = run.settings
    count = plan.count
    try:
        system = plan.system_prompt(run.context)
    except Exception as exc:  # noqa: BLE001 - a template error ends the run with a clear message
        raise RunAbort(StopReason.ERROR, f"agent '{plan.name}': cannot render the system prompt: "
                                         f"{type(exc).__name__}: {exc}") from None
    messages: list[dict] = [{"role": "system", "content": system}, {"role": "user", "content": task}]
    tokens = [message_tokens(m, count) for m in messages]
    native = plan.fmt is None
    wire: list[dict] = list(messages)
    raw_text: dict[int, str] = {}
    ep = None if run.replay is not None else run.endpoint(plan)
    base = run.base_body(plan, ep)
    limit = plan.context_tokens
    soft = int(limit * s.compaction_ratio)
    ctx = ToolContext(run.storage, run.context, plan.name, run.tracer.trace_id, run.workdir, run.rt.root_dir)
    max_it = plan.max_iterations
    last = ""
    ext = plan.ext or None
    hctx = HookContext(plan.name, path, depth, run.tracer.trace_id, 0, run.storage) if ext is not None else None
    for it in range(1, max_it + 1):
        total = sum(tokens) + plan.tools_tokens
        if total > soft:
            changed = compact(messages, tokens, soft - plan.tools_tokens, s.keep_recent_results, count)
            if changed and native:
                for i in changed:
                    wire[i] = _wire(messages[i], s.send_reasoning)
            total = sum(tokens) + plan.tools_tokens
            if total > limit:
                span.attrs["context_tokens"] = total
                return last, StopReason.CONTEXT_LIMIT
        if ext is not None and ext.has("before_model"):
            hctx.iteration = it
            new = await _fire(ext, "before_model", hctx, list(messages))
            if new != messages:
                if not all(isinstance(m, dict) and m.get("role") for m in new):
                    raise RunAbort(StopReason.ERROR, "a before_model middleware returned messages without roles")
                messages[:] = new
                tokens[:] = [message_tokens(m, count) for m in messages]
                if native:
                    wire[:] = [_wire(m, s.send_reasoning) for m in messages]
        body = dict(base)
        body["messages"] = wire if native else _text_wire(messages, raw_text, plan.fmt)
        resp = await _call_llm(run, plan, ep, body, messages, it, path, depth, span)

        content = resp.content or ""
        errors: list[str] = []
        if native:
            calls = resp.tool_calls
            seen = set()
            for i, c in enumerate(calls):
                if not c["id"] or c["id"] in seen:
                    c["id"] = f"call_{it}_{i}"
                seen.add(c["id"])
            msg: dict[str, Any] = {"role": "assistant", "content": resp.content}
        else:
            parsed = plan.fmt.parse_assistant(content, plan.tool_schemas)
            errors = parsed.errors
            calls = [{"id": f"call_{it}_{i}", "type": "function",
                      "function": {"name": c["function"]["name"],
                                   "arguments": json.dumps(c["function"]["arguments"], ensure_ascii=False)}}
                     for i, c in enumerate(parsed.tool_calls)]
            content = parsed.content
            msg = {"role": "assistant", "content": content}
            if resp.reasoning is None and parsed.reasoning:
                resp.reasoning = parsed.reasoning
        if calls:
            msg["tool_calls"] = calls
        elif msg["content"] is None:
            msg["content"] = ""
        if resp.reasoning is not None:
            msg["reasoning_content"] = resp.reasoning
        raw = resp.content or ""
        if ext is not None and ext.has("after_model"):
            hctx.iteration = it
            new = await _fire(ext, "after_model", hctx, dict(msg))
            if new != msg:
                msg = _assistant_from_middleware(new)
                calls = msg.get("tool_calls", [])
                content = msg["content"] or ""
                if not native:
                    errors = []
                    raw = plan.fmt.render_assistant(msg)
        messages.append(msg)
        tokens.append(message_tokens(msg, count))
        if native:
            wire.append(_wire(msg, s.send_reasoning))
        else:
            raw_text[id(msg)] = raw
        last = content

        if not calls and not errors:
            return content, StopReason.COMPLETED

        stop_answer = None
        if calls:
            results = await _run_tools(run, plan, calls, ctx, depth, path, it, span)
            for call, (text, is_stop) in zip(calls, results):
                tmsg = {"role": "tool", "tool_call_id": call["id"], "name": call["function"]["name"], "content": text}
                messages.append(tmsg)
                tokens.append(message_tokens(tmsg, count))
                if native:
                    wire.append({"role": "tool", "tool_call_id": call["id"], "content": text})
                if is_stop and stop_answer is None:
                    stop_answer = text
        if stop_answer is not None:
            return stop_answer, StopReason.STOP_TOOL
        if errors:
            note = {"role": "user", "content": (
                "nexc: your last reply contained tool calls that could not be read, so they were not run:\n- "
                + "\n- ".join(errors) + "\nWrite the calls again in the required format.")}
            messages.append(note)
            tokens.append(message_tokens(note, count))
            if native:
                wire.append(note)
        hint = _hint(max_it - it, s, sum(tokens) + plan.tools_tokens, limit)
        if hint:
            i = len(messages) - 1
            m = messages[i]
            new = dict(m, content=f"{m.get('content') or ''}\n\n{hint}")
            messages[i] = new
            tokens[i] = message_tokens(new, count)
            if native:
                wire[i] = _wire(new, s.send_reasoning)
    span.attrs["iterations"] = max_it
    return last, StopReason.MAX_ITERATIONS


def _hint(remaining: int, s: Settings, used: int, limit: int) -> str:
    parts = []
    if remaining == 1:
        parts.append("nexc: this is your last step. Do not call any more tools; give your final answer now.")
    elif 0 < remaining <= s.hint_window:
        parts.append(f"nexc: {remaining} steps left before this agent is stopped. Wrap up and give your final "
                     "answer soon.")
    if limit and used >= s.context_hint_ratio * limit:
        parts.append(f"nexc: the context is {100 * used // limit}% full (about {used} of {limit} tokens). Be "
                     "concise and finish soon.")
    return "\n".join(parts)


def _text_wire(messages: list[dict], raw_text: dict[int, str], fmt) -> list[dict]:
    """Canonical history → what a text-mode model reads: its raw turns and results as user turns."""
    out: list[dict] = []
    pending: list[dict] = []

    def flush() -> None:
        if pending:
            try:
                text = fmt.render_results(pending)
            except Exception:  # noqa: BLE001
                text = "\n\n".join(f"[{m.get('name')} result]\n{m.get('content')}" for m in pending)
            out.append({"role": "user", "content": text})
            pending.clear()

    for m in messages:
        role = m["role"]
        if role == "tool":
            pending.append(m)
            continue
        flush()
        if role == "assistant":
            out.append({"role": "assistant", "content": raw_text.get(id(m), m.get("content") or "")})
        elif role == "user" and out and out[-1]["role"] == "user":
            out[-1] = {"role": "user", "content": f"{out[-1]['content']}\n\n{m['content']}"}
        else:
            out.append(m)
    flush()
    return out


async def _call_llm(run: Run, plan: AgentPlan, ep: Endpoint | None, body: dict, messages: list[dict], it: int,
                    path: str, depth: int, parent: Span):
    tracer = run.tracer
    span = tracer.start("llm", "llm", parent, iteration=it, agent=plan.name)
    snapshot = messages[:]
    error: LlmError | None = None
    resp = None
    try:
        if run.replay is not None:
            resp = run.replay.take(plan.name, path, it, snapshot, plan.tool_schemas)
        else:
            resp = await run.rt.llm.complete(ep, body)
    except LlmError as exc:
        error = exc
    except BaseException:
        tracer.finish(span, "error")
        raise
    ended = time.time()
    params = {k: v for k, v in body.items() if k not in ("messages", "tools")}
    record: dict[str, Any] = {
        "schema": SCHEMA_ID, "trace_id": span.trace_id, "span_id": span.span_id, "parent_span_id": parent.span_id,
        "agent_name": plan.name, "agent_path": path, "depth": depth, "iteration": it,
        "model": (resp.model if resp is not None and resp.model else None) or body.get("model"),
        "tool_format": plan.tool_format, "params": params, "messages": snapshot, "tools": plan.tool_schemas,
        "response": None, "finish_reason": None, "usage": None, "error": None,
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
    if error is not None:
        record["error"] = error.as_record()
    run.add_record(record)
    span.end = ended
    if error is not None:
        span.status = "error"
        span.attrs["error"] = error.message
        if tracer.on_span is not None:
            tracer.on_span(span)
        raise RunAbort(StopReason.LLM_ERROR, f"agent '{plan.name}': {error.message}")
    if tracer.on_span is not None:
        tracer.on_span(span)
    return resp


# ---- tools ---------------------------------------------------------------------------------------
async def _run_tools(run: Run, plan: AgentPlan, calls: list[dict], ctx: ToolContext, depth: int, path: str,
                     it: int, span: Span) -> list[tuple[str, bool]]:
    n = len(calls)
    if n == 1:
        return [await _exec(run, plan, calls[0], 0, ctx, depth, path, it, span)]
    tools = plan.tools
    parallel = [i for i, c in enumerate(calls) if plan.parallel_tool_calls
                and getattr(tools.get(c["function"]["name"]), "parallel", True)]
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


async def _exec(run: Run, plan: AgentPlan, call: dict, index: int, ctx: ToolContext, depth: int, path: str,
                it: int, parent: Span) -> tuple[str, bool]:
    fn = call["function"]
    name = fn["name"]
    tracer = run.tracer
    span = tracer.start(name, "tool", parent, call_id=call["id"])
    status = "ok"
    tool = plan.tools.get(name)
    ext = plan.ext or None
    args: dict = {}
    try:
        if tool is None:
            raise ToolError(f"there is no tool named '{name}'; the tools are: {', '.join(plan.tools) or 'none'}")
        args = tool.arguments(fn["arguments"])
        kind = tool.kind
        if ext is not None and ext.has("before_tool"):
            hctx = HookContext(plan.name, path, depth, run.tracer.trace_id, it, run.storage, tool.annotations)
            try:
                out = await ext.fire("before_tool", hctx, name, args)
            except ExtensionError as exc:
                raise ToolError(str(exc)) from None
            if isinstance(out, SkipTool):  # a gate or cache answered instead of the tool (never a stop)
                kind, status = "skipped", "skipped"
                text = str(out)
            else:
                args = out
        if kind == "skipped":
            pass
        elif kind == "python":
            text = await call_function(tool, args, ctx, run.pool, run.settings.tool_timeout,
                                       run.settings.inline_fast_tools)
        elif kind == "agent":
            text = await _delegate(run, plan, tool, args, depth, path, it, index, span)
        elif kind == "skill":
            try:
                text = load_skill_body(plan.skills, str(args.get("name")))
            except KeyError as exc:
                raise ToolError(exc.args[0]) from None
        else:  # an unbound stop tool: its arguments are the answer
            text = args["answer"] if len(args) == 1 and isinstance(args.get("answer"), str) else \
                json.dumps(args, ensure_ascii=False)
    except RunAbort:
        tracer.finish(span, "error")
        raise
    except ToolError as exc:
        text, status = f"Error: {exc}", "error"
    except _TIMEOUT_ERRORS:
        text, status = f"Error: tool '{name}' did not finish within {run.settings.tool_timeout}s", "error"
    except Exception as exc:  # noqa: BLE001 - tool failures are observations
        text, status = f"Error: tool '{name}' raised {type(exc).__name__}: {exc}", "error"
    if ext is not None and ext.has("after_tool"):
        hctx = HookContext(plan.name, path, depth, run.tracer.trace_id, it, run.storage,
                           tool.annotations if tool is not None else {})
        try:
            text = await ext.fire("after_tool", hctx, name, args, text)
        except ExtensionError as exc:
            text, status = f"Error: {exc}", "error"
    tracer.finish(span, status)
    return text, status == "ok" and name in plan.stop_tools


def on_stack(path: str, name: str) -> int:
    """How many runs of agent ``name`` are on the delegation stack ``path`` (``root/child@it.i/…``).

    An agent's ``max_depth`` (the spec's, else ``Settings.max_depth``) bounds this count, the same definition
    the static analysis uses (:mod:`nexc.analysis.cost`)."""
    return sum(1 for seg in path.split("/") if seg.partition("@")[0] == name)


async def _delegate(run: Run, plan: AgentPlan, tool, args: dict, depth: int, path: str, it: int, index: int,
                    span: Span) -> str:
    child = run.rt.plans.get(tool.agent)
    if child is None:
        raise ToolError(f"agent '{tool.agent}' does not exist")
    task = args.get("task", args.get("message"))
    if not isinstance(task, str) or not task.strip():
        raise ToolError(f"'{tool.name}' needs a non-empty string argument 'task'")
    runs = on_stack(path, child.name)
    if runs >= child.max_depth:
        raise ToolError(f"cannot delegate to '{child.name}': the delegation depth limit ({child.max_depth}) is reached "
                        f"('{child.name}' is already running {runs} time{'s' if runs > 1 else ''} on this delegation "
                        "stack); do this part yourself")
    span.kind = "subagent"
    output, reason = await run_agent(run, child, task, depth + 1, f"{path}/{child.name}@{it}.{index}", span)
    if reason.ok:
        return output
    return f"{output}\n\n[nexc: sub-agent '{child.name}' stopped before finishing ({reason.value})]".lstrip()
