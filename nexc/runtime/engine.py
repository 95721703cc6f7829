"""The engine: a runtime per loaded framework, a run per task.

One :class:`Runtime` holds the agent plans (:mod:`nexc.runtime.plan`, built with the framework's
wire profile) and the LLM client cache; each :meth:`Runtime.run` makes a :class:`Run` (storage,
tracer, records, trajectory file) and starts the entry agent's loop (:mod:`nexc.runtime.loop`),
whose tool calls and delegations are :mod:`nexc.runtime.calls`.

LLM errors that survive the retries, replay divergence and internal failures end the whole run
(from any depth); everything a tool does wrong becomes an observation.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import time
from typing import Any

from nexc.runtime.llm import Endpoint, LiveLlm
from nexc.runtime.loop import run_agent
from nexc.runtime.plan import AgentPlan
from nexc.runtime.storage import GlobalStorage
from nexc.runtime.tools import thread_pool
from nexc.runtime.trace import Span, Tracer, TrajectoryWriter
from nexc.runtime.types import RunAbort, RunResult, Settings, StopReason
from nexc.view.agent import framework_profile

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
        #: MCP servers an outer session holds for many runs (a GAP worker's); a run's own session leaves them out
        self.shared_mcp: tuple = ()
        self.profile = framework_profile(framework, self.settings.profile)
        cache: dict = {}
        self.plans: dict[str, AgentPlan] = {a.name: AgentPlan(framework, a.name, self.root_dir, cache, self.settings,
                                                              self.profile) for a in framework.agents}
        self.llm = LiveLlm(self.settings)
        from nexc.runtime.simulate import SimulationCache

        self.simulation_cache = SimulationCache(self.settings.simulation_cache)

    def mcp_session(self):
        """The MCP servers of one run (:func:`nexc.mcp.client.run_session`): those the agents' tools use,
        less :attr:`shared_mcp` (servers an outer session — a GAP worker's — holds for many runs)."""
        shared = {s.name for s in self.shared_mcp}
        servers = {s.name: s for p in self.plans.values() for s in p.mcp_servers if s.name not in shared}
        if not servers:
            return contextlib.nullcontext()
        from nexc.mcp.client import run_session

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

    def reachable(self, name: str) -> list[AgentPlan]:
        """The plans of agent ``name`` and of every agent it may delegate to, transitively."""
        out: dict[str, AgentPlan] = {}
        todo = [name]
        while todo:
            plan = self.plans.get(todo.pop())
            if plan is None or plan.name in out:
                continue
            out[plan.name] = plan
            todo.extend(t.agent for t in plan.tools.values() if t.kind == "agent" and t.agent)
        return list(out.values())

    def unloadable(self, name: str) -> list[str]:
        """What keeps the tools of agent ``name`` (and its sub-agents) from loading: a binding that does not
        import, a stdlib tool that does not exist (lazy tools are imported on first call, so not here)."""
        out, seen = [], set()
        for p in self.reachable(name):
            for t in p.tools.values():
                if t.kind == "python" and t.error and t.name not in seen:
                    seen.add(t.name)
                    out.append(f"tool '{t.name}' of agent '{p.name}' cannot be loaded: {t.error}")
        return out

    def missing_variables(self, name: str, context: dict | None, cli: bool = False) -> list[str]:
        """The declared prompt variables of agent ``name`` (and its sub-agents) that neither the run's
        ``context``, the agent's own context (its defaults) nor the profile (``date``, ``agent_name``, …)
        provide, as messages."""
        out = []
        for p in self.reachable(name):
            prompt = p.view.agent.prompt
            if prompt is None or not prompt.template or not prompt.variables:
                continue
            have = p.profile.variables(p.name, p.name, p.view.prompt_type, dict(p.view.agent.context), context)
            for v in prompt.variables:
                if v not in have:
                    how = f"pass --context {v}=VALUE" if cli else f"pass context={{{v!r}: …}}"
                    out.append(f"agent '{p.name}': prompt variable '{v}' has no value: {how}, or give it a "
                               "default in the agent's context")
        return out

    async def run(self, task: str, *, base_url: str | None = None, api_key: str | None = None,
                  model: str | None = None, context: dict | None = None, trace_path: str | os.PathLike | None = None,
                  replay=None, timeout: float | None = None, workdir: str | None = None, agent: str | None = None,
                  on_span=None, settings: Settings | None = None, replay_trace_id: str | None = None,
                  on_event=None) -> RunResult:
        """Run ``task`` on the entry agent (or ``agent``); never raises for LLM, tool or replay failures.
        ``on_event`` is told each step as it happens (:mod:`nexc.runtime.events`).

        Before the first LLM call the run stops with ``error`` when a tool it would run cannot be loaded or
        a declared prompt variable has no value."""
        s = settings or self.settings
        run = Run(self, s, base_url=base_url, api_key=api_key, model=model, context=context, on_span=on_span,
                  workdir=workdir, on_event=on_event)
        t0 = time.perf_counter()
        output, reason, error = "", StopReason.ERROR, None
        name = agent or self.framework.entry
        try:
            plan = self.plans.get(name)
            if plan is None:
                raise RunAbort(StopReason.ERROR, f"no agent named '{name}'")
            if s.replay_tools not in ("recorded", "run"):
                raise RunAbort(StopReason.ERROR, f"replay_tools must be 'recorded' or 'run', not {s.replay_tools!r}")
            problems = self.missing_variables(name, run.context, s.cli)
            if replay is None or s.replay_tools == "run":
                problems = self.unloadable(name) + problems
            if problems:
                more = f" (and {len(problems) - 1} more: {'; '.join(problems[1:4])})" if len(problems) > 1 else ""
                raise RunAbort(StopReason.ERROR, f"the run did not start: {problems[0]}{more}")
            if replay is not None:
                from nexc.runtime.replay import ReplayLlm

                try:
                    run.replay = ReplayLlm(replay, strict=s.replay_strict, lenient=s.replay_lenient,
                                           trace_id=replay_trace_id, cli=s.cli)
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
        if error:
            error = run.redact(error)
        output = run.redact(output) if output else output
        warnings = [run.redact(w) for w in run.replay.differences] if run.replay is not None else []
        return RunResult(output=output or "", stop_reason=reason, trace_id=run.tracer.trace_id, records=run.records,
                         spans=run.tracer.spans, error=error, trace_path=os.fspath(trace_path) if trace_path else None,
                         usage=run.usage, duration_s=time.perf_counter() - t0, warnings=warnings)


class Run:
    """The state of one run, shared by every agent of its tree."""

    def __init__(self, rt: Runtime, settings: Settings, *, base_url, api_key, model, context, on_span, workdir,
                 on_event=None):
        self.rt, self.settings = rt, settings
        tracers = list(dict.fromkeys(t for p in rt.plans.values() for t in p.tracers))  # each once
        if on_span is not None:
            tracers.insert(0, on_span)
        self.tracer_error: str | None = None
        self.tracer = Tracer(on_span=self._fan_out(tracers) if tracers else None)
        self.emit = None  # the run's event listener (nexc.runtime.events), guarded
        if on_event is not None:
            from nexc.runtime.events import guard

            self.emit = guard(on_event, lambda why: setattr(self, "tracer_error", self.tracer_error or why))
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
        off = frozenset(settings.disabled_injections)
        self.injection_enabled = (lambda kind: kind not in off) if off else (lambda kind: True)

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

    def redact(self, text: str) -> str:
        """``text`` with the run's secrets (API keys) replaced by ``***``: every message that leaves the
        runtime (errors, answers, records) goes through it."""
        for s in self.secrets:
            if s and len(s) >= 6 and s in text:
                text = text.replace(s, "***")
        return text

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def endpoint(self, plan: AgentPlan) -> Endpoint:
        key = plan.llm.name if plan.llm is not None else None
        ep = self.endpoints.get(key)
        if ep is not None:
            return ep
        llm, chain = plan.llm, plan.profile.env_fallbacks

        def setting(key: str, given):
            value = given or (_env(getattr(llm, key)) if llm else None)
            return value or next((os.environ[n] for n in chain[key] if os.environ.get(n)), None)

        model, base_url = setting("model", self.model), setting("base_url", self.base_url)
        api_key = setting("api_key", self.api_key) or "none"
        cli = self.settings.cli
        if not model:
            raise RunAbort(StopReason.ERROR, f"agent '{plan.name}' has no model: set model in its llm in the spec, "
                                             + ("pass --model" if cli else "pass model= to run()")
                                             + f", or set {' or '.join(chain['model'])}")
        if not base_url:
            raise RunAbort(StopReason.ERROR, f"agent '{plan.name}' has no endpoint: set base_url in its llm in the "
                                             "spec, " + ("pass --base-url" if cli else "pass base_url= to run()")
                                             + f", or set {' or '.join(chain['base_url'])}")
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
        """Everything of the agent's request body but the messages (built once per run and agent)."""
        body = self.bodies.get(plan.name)
        if body is None:
            body = plan.view.base_body(ep.model if ep else "replay", ep.params if ep is not None else {})
            self.bodies[plan.name] = body
        return body

    def add_record(self, record: dict) -> None:
        self.records.append(record)
        if self.writer is not None:
            self.writer.write(record)
