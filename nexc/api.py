"""The public Python API: load a spec, run it.

    >>> import nexc.api as nx
    >>> fw = nx.load("examples/deep_research/research.nex")
    >>> result = fw.run("What changed in MCP 2.0?", trace_path="runs/mcp.jsonl")
    >>> result.output, result.stop_reason, result.trace_id, len(result.records)

``arun`` is the same coroutine for code that already runs an event loop; many ``arun`` may run at
once in one process (each run has its own storage, tracer and records; HTTP clients are shared).

Which endpoint a run calls, in order of precedence:

1. the ``base_url``/``api_key``/``model`` arguments of ``run``/``arun``;
2. the agent's ``llm`` in the spec (``env("NAME", default)`` values are read when the run starts);
3. the environment: ``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``NEXC_MODEL`` (else ``OPENAI_MODEL``).

``replay=`` (a trajectory file or a list of records) answers every LLM call from a recording
instead, and every tool call with the recorded result (``Settings(replay_tools="run")`` runs the tools
again): no endpoint is needed, nothing has side effects, and a run that departs from the recording
stops with ``replay_diverged``.
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from nexc.runtime.types import RunResult, Settings, StopReason

__all__ = ["CompiledFramework", "RunResult", "Settings", "SpecError", "StopReason", "load"]


class SpecError(Exception):
    """A spec that does not compile. ``diagnostics`` are the problems; ``str()`` is their rendered text (code
    frames from ``sources``, the build's texts, when given)."""

    def __init__(self, diagnostics: list, text: str | None = None, sources: dict[str, str] | None = None):
        self.diagnostics = list(diagnostics)
        if text is None:
            from nexc.diagnostics.render import render_text

            text = render_text(self.diagnostics, sources).rstrip("\n") or "the spec could not be compiled"
        self.text = text
        super().__init__(text)

    def __str__(self) -> str:
        return self.text


def load(path: str | os.PathLike, *, settings: Settings | None = None,
         simulate_missing: bool = False) -> "CompiledFramework":
    """Compile the spec at ``path`` and make it runnable; raise :class:`SpecError` if it has errors.
    ``simulate_missing``: tools whose implementation cannot be found are played by an LLM
    (:mod:`nexc.runtime.simulate`) instead of being errors."""
    from nexc.pipeline import BuildOptions, compile_path

    res = compile_path(path, options=BuildOptions(simulate_missing=simulate_missing))
    diags = res.reporter.sorted()
    if res.framework is None or res.reporter.has_errors:
        raise SpecError(diags, sources=res.sources)
    root = res.context.root_dir if res.context is not None else Path(path).resolve().parent
    fw = CompiledFramework(res.framework, root, settings=settings)
    fw.diagnostics = diags
    return fw


class CompiledFramework:
    """A framework ready to run. Loading binds tools and compiles prompts once; runs are cheap."""

    def __init__(self, framework, root_dir: str | os.PathLike = ".", *, settings: Settings | None = None):
        from nexc.runtime.engine import Runtime

        self.framework = framework
        self.root_dir = Path(root_dir).resolve()
        self.runtime = Runtime(framework, self.root_dir, settings)
        self.diagnostics: list = []

    @classmethod
    def from_ir(cls, framework, root_dir: str | os.PathLike = ".", *, settings: Settings | None = None
                ) -> "CompiledFramework":
        """Wrap an IR :class:`~nexc.ir.model.Framework` built in Python (paths relative to ``root_dir``)."""
        return cls(framework, root_dir, settings=settings)

    @property
    def name(self) -> str:
        return self.framework.name

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def problems(self) -> list[str]:
        """What could not be set up (tools that do not import, unknown formats, MCP servers)."""
        return self.runtime.problems

    async def arun(self, task: str, *, base_url: str | None = None, api_key: str | None = None,
                   model: str | None = None, context: dict[str, Any] | None = None,
                   trace_path: str | os.PathLike | None = None, replay: Any = None, timeout: float | None = None,
                   workdir: str | os.PathLike | None = None, agent: str | None = None, on_span=None,
                   settings: Settings | None = None, replay_trace_id: str | None = None, on_event=None) -> RunResult:
        """Run ``task`` and return a :class:`~nexc.runtime.types.RunResult`.

        ``context``: variables for prompt templates (and tools, through ``run_context``);
        ``trace_path``: append the trajectory (JSON Lines) there (no file is written without it);
        ``replay``: a trajectory to replay (tool results come from it too, unless
        ``Settings.replay_tools == "run"``); ``replay_trace_id``: the run of ``replay`` to replay when it
        holds several; ``timeout``: seconds before the run stops with ``cancelled``; ``workdir``: where
        file tools work; ``agent``: start at this agent instead of the entry; ``on_span``: called with
        every finished span; ``on_event``: called with each step as it happens (agent start/end, LLM calls,
        retries before their wait, tool calls: :mod:`nexc.runtime.events`). LLM, tool and replay failures
        come back as stop reasons, never as exceptions; a tool that cannot be loaded, or a declared prompt
        variable ``context`` does not give (and the agent has no default for), stops the run with ``error``
        before its first LLM call.
        """
        return await self.runtime.run(task, base_url=base_url, api_key=api_key, model=model, context=context,
                                      trace_path=trace_path, replay=replay, timeout=timeout,
                                      workdir=os.fspath(workdir) if workdir else None, agent=agent,
                                      on_span=on_span, settings=settings, replay_trace_id=replay_trace_id,
                                      on_event=on_event)

    def run(self, task: str, **kwargs: Any) -> RunResult:
        """:meth:`arun` from synchronous code (starts an event loop; use ``arun`` inside one)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._run_closing(task, kwargs))
        raise RuntimeError("CompiledFramework.run() was called inside a running event loop; await arun() instead")

    async def _run_closing(self, task: str, kwargs: dict) -> RunResult:
        """:meth:`arun`, then close this loop's LLM clients before :func:`asyncio.run` closes the loop."""
        try:
            return await self.arun(task, **kwargs)
        finally:
            close = getattr(self.runtime.llm, "aclose", None)
            if close is not None:
                await close()

    def __repr__(self) -> str:
        return f"<CompiledFramework {self.framework.name} entry={self.framework.entry}>"
