"""Run events: what a run is doing, as it happens, for whoever watches (``nexc run --verbose``).

The runtime never prints. A caller passes ``on_event`` to :meth:`nexc.runtime.engine.Runtime.run`; the
runtime calls it with an :class:`Event` at each step, on the run's event loop, in the order the steps happen:

=================  ==========================================================================================
``agent_start``    an agent run begins (``depth`` 0: the entry; deeper: a sub-agent) — ``task``
``agent_end``      it ended — ``reason`` (a stop reason), ``output``, ``seconds``, ``error``
``llm_retry``      an LLM attempt failed and the next one waits — ``attempt`` (the next), ``attempts`` (all
                   allowed), ``wait`` (seconds), ``cause`` (``503``, ``timeout``, ``connection error``…)
``llm_call``       an LLM call ended (replayed or live) — ``iteration``, ``model``, ``usage``, ``seconds``,
                   ``attempts``, ``calls`` (names of the tools the reply calls), ``text``, ``error``, ``replayed``
``tool_call``      a tool call ended — ``tool``, ``kind``, ``arguments``, ``status`` (ok, error, skipped…),
                   ``seconds``, ``text`` (the observation), ``stop``, ``replayed``
=================  ==========================================================================================

:class:`StderrPrinter` turns events into one short line each (arguments and results cut, control
characters escaped, indented by delegation depth). A listener that raises is dropped for the rest of the
run (:func:`guard`) and its failure reported in the run's error, like a tracer's.
"""
from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_C1 = re.compile("[\x7f-\x9f]")  # DEL and the C1 controls, which JSON leaves as they are
KINDS = ("agent_start", "agent_end", "llm_retry", "llm_call", "tool_call")


@dataclass(frozen=True, slots=True)
class Event:
    """One step of a run: its ``kind`` (:data:`KINDS`), the agent run it belongs to and what happened."""

    kind: str
    agent: str
    path: str
    depth: int
    data: dict = field(default_factory=dict)
    time: float = field(default_factory=time.time)


def guard(listener: Callable[[Event], Any], failed: Callable[[str], None]) -> Callable[[Event], None]:
    """``listener`` that, the first time it raises, is dropped and ``failed`` is told why."""
    alive = [True]

    def emit(event: Event) -> None:
        if alive[0]:
            try:
                listener(event)
            except Exception as exc:  # noqa: BLE001 - a watcher must not break the run
                alive[0] = False
                failed(f"event listener {getattr(listener, '__qualname__', listener)!s} failed and was dropped: "
                       f"{type(exc).__name__}: {exc}")
    return emit


async def watch_agent(run, name: str, task: str, depth: int, path: str, agent_run):
    """Await ``agent_run`` (the coroutine of one agent run) between its ``agent_start`` and ``agent_end``."""
    from nexc.runtime.types import RunAbort

    emit, t0 = run.emit, time.perf_counter()
    emit(Event("agent_start", name, path, depth, {"task": task}))
    try:
        output, reason = await agent_run
    except RunAbort as abort:
        emit(Event("agent_end", name, path, depth, {"reason": abort.reason.value, "output": "",
                                                    "seconds": time.perf_counter() - t0,
                                                    "error": run.redact(abort.message)}))
        raise
    emit(Event("agent_end", name, path, depth, {"reason": reason.value, "output": run.redact(output or ""),
                                                "seconds": time.perf_counter() - t0, "error": None}))
    return output, reason


def retry_cause(error) -> str:
    """What an :class:`~nexc.runtime.llm.LlmError` a retry follows was, in a few words (``503``, ``timeout``)."""
    if error.status is not None:
        return str(error.status)
    return {"timeout": "timeout", "connection_error": "connection error",
            "bad_response": "bad response"}.get(error.kind, error.kind.replace("_", " "))


def retry_listener(run, plan, path: str, depth: int, iteration: int):
    """The ``on_retry`` callback of one LLM call (None when nobody watches the run)."""
    emit = run.emit
    if emit is None:
        return None

    def on_retry(attempt: int, attempts: int, wait: float, error) -> None:
        emit(Event("llm_retry", plan.name, path, depth, {"iteration": iteration, "attempt": attempt,
                                                          "attempts": attempts, "wait": wait,
                                                          "cause": retry_cause(error)}))
    return on_retry


def llm_event(record: dict, calls: list[dict] | None, text: str | None) -> Event:
    """The ``llm_call`` event of a finished call, from its trajectory record."""
    err = record.get("error")
    return Event("llm_call", record.get("agent_name") or "?", record.get("agent_path") or "",
                 record.get("depth") or 0,
                 {"iteration": record.get("iteration"), "model": record.get("model"), "usage": record.get("usage"),
                  "seconds": (record.get("duration_ms") or 0.0) / 1000.0, "attempts": record.get("attempts") or 1,
                  "calls": [c["function"]["name"] for c in calls or ()], "text": text,
                  "error": err.get("message") if isinstance(err, dict) else None,
                  "replayed": bool(record.get("replayed"))})


def tool_event(plan, path: str, depth: int, call: dict, tool, arguments, span, result, replayed: bool,
               status: str | None = None) -> Event:
    """The ``tool_call`` event of a finished call (``result``: its :class:`~nexc.runtime.calls.CallResult`)."""
    if status is None:
        status = "error" if result.error else "ok"
    return Event("tool_call", plan.name, path, depth,
                 {"tool": call["function"]["name"], "kind": tool.kind if tool is not None else "unknown",
                  "arguments": arguments, "status": status, "seconds": span.duration_ms / 1000.0,
                  "text": result.text, "stop": result.stop, "replayed": replayed})


# ---- the printer -------------------------------------------------------------------------------------------
def clip(value: Any, n: int) -> str:
    """``value`` as one line of at most ``n`` characters: JSON text (so line breaks and control characters
    are escapes, never raw), cut with ``…``."""
    s = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    s = json.dumps(" ".join(s.split()), ensure_ascii=False)[1:-1]
    return _cut(_C1.sub(_escape, s), n)


def _escape(m: re.Match) -> str:
    return f"\\u{ord(m.group()):04x}"


def _cut(s: str, n: int) -> str:
    return s if len(s) <= n else s[: max(1, n - 1)] + "…"


def short_arguments(args: Any, n: int = 80) -> str:
    """A call's arguments as ``key="value", k2=3``, each value cut, the whole at most ``n`` characters."""
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            return clip(args, n)
    if not isinstance(args, dict):
        return clip(args, n)
    parts = []
    for k, v in args.items():
        key = clip(k, 30)
        if isinstance(v, str):
            parts.append(f'{key}="{clip(v, 40)}"')
        else:  # JSON as it is (its strings' control characters are escapes already)
            text = json.dumps(v, ensure_ascii=False, default=str)
            parts.append(f"{key}={_cut(_C1.sub(_escape, ' '.join(text.split())), 40)}")
    return _cut(", ".join(parts), n)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class StderrPrinter:
    """An ``on_event`` listener writing one line per event to ``stream`` (default ``sys.stderr``)::

        [  0.00s] agent lead: start "Add a docstring to greet."
        [  0.01s]   llm lead #1: fake, 120+15 tokens, 0.01s -> planner
        [  0.01s]   sub-agent planner: start "Plan the change."
        [  0.02s]     llm planner #1: fake, 80+9 tokens, 0.01s -> answer "1. Add a docstring."
        [  0.02s]   sub-agent planner: completed after 1 LLM call, 0.01s
        [  0.03s]   llm lead #2: retrying in 2.0s after 503 (attempt 2/4)

    Times are seconds since the first event; lines are at most ``width`` characters.
    """

    def __init__(self, stream=None, *, width: int = 160, clock: Callable[[], float] = time.monotonic):
        self.stream, self.width, self.clock = stream, width, clock
        self.t0: float | None = None
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        line = self.format(event)
        if line is None:
            return
        with self.lock:
            if self.t0 is None:
                self.t0 = self.clock()
            stream = self.stream or sys.stderr
            text = f"[{self.clock() - self.t0:7.2f}s] {line}"
            if len(text) > self.width:
                text = text[: self.width - 1] + "…"
            enc = getattr(stream, "encoding", None) or "utf-8"
            stream.write(text.encode(enc, "replace").decode(enc, "replace") + "\n")
            stream.flush()

    def format(self, ev: Event) -> str | None:
        """The line of ``ev`` without its time (None: the event shows nothing of its own)."""
        d = ev.data
        inner = "  " * (ev.depth + 1)
        if ev.kind in ("agent_start", "agent_end"):
            who = f"{'agent' if ev.depth == 0 else 'sub-agent'} {ev.agent}"
            pad = "  " * ev.depth
            if ev.kind == "agent_start":
                return f"{pad}{who}: start \"{clip(d.get('task') or '', 70)}\""
            n = self.calls.get(ev.path, 0)
            tail = f': "{clip(d["output"], 60)}"' if d.get("output") else ""
            if d.get("error"):
                tail = f": {clip(d['error'], 90)}"
            return f"{pad}{who}: {d.get('reason')} after {_plural(n, 'LLM call')}, {d.get('seconds', 0.0):.2f}s{tail}"
        if ev.kind == "llm_retry":
            return (f"{inner}llm {ev.agent} #{d['iteration']}: retrying in {d['wait']:.1f}s after {d['cause']} "
                    f"(attempt {d['attempt']}/{d['attempts']})")
        if ev.kind == "llm_call":
            self.calls[ev.path] = self.calls.get(ev.path, 0) + 1
            head = f"{inner}llm {ev.agent} #{d['iteration']}"
            if d.get("error"):
                return f"{head}: failed: {clip(d['error'], 130)}"
            u = d.get("usage") or {}
            tokens = f"{u.get('prompt_tokens', '?')}+{u.get('completion_tokens', '?')} tokens" if u else "no usage"
            how = "replayed" if d.get("replayed") else f"{d.get('seconds', 0.0):.2f}s"
            tries = f" after {d['attempts']} attempts" if d.get("attempts", 1) > 1 else ""
            out = ", ".join(d["calls"]) if d.get("calls") else f"answer \"{clip(d.get('text') or '', 50)}\""
            return f"{head}: {d.get('model')}, {tokens}, {how}{tries} -> {out}"
        if ev.kind == "tool_call":
            if d.get("kind") == "agent" and d.get("status") == "ok":
                return None  # the sub-agent's own start and end lines say it
            what = "stop" if d.get("stop") else d.get("status")
            how = "replayed" if d.get("replayed") else f"{d.get('seconds', 0.0):.2f}s"
            head, tail = f"{inner}tool {clip(d['tool'], 60)}(", f"): {what} {how} \"{clip(d.get('text') or '', 50)}\""
            room = max(20, self.width - 11 - len(head) - len(tail))  # the arguments get what the line has left
            return f"{head}{short_arguments(d.get('arguments'), min(room, 90))}{tail}"
        return None
