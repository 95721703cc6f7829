"""Replay: run a framework against a recorded trajectory instead of an LLM.

Every LLM call of a run is identified by its *agent path* and *iteration*: the entry agent's path
is its name; a sub-agent started by the ``i``-th tool call of its parent's ``n``-th iteration has
path ``parent_path/child_name@n.i``. Both are deterministic for a given sequence of replies, so the
``k``-th call of an agent is answered with the recorded reply of the same path and iteration,
however the concurrent sub-agents interleave.

The run *diverges* (stop reason ``replay_diverged``, with a message saying where) when it makes a
call the recording does not have, when the agent differs, or — with ``Settings.replay_strict`` (the
default) — when the messages sent differ from the recorded ones (a changed prompt, tool result or
tool). A recorded LLM error replays as the same ``llm_error``.
"""
from __future__ import annotations

import json
import os
from typing import Iterable

from nexc.runtime.llm import LlmError, LlmResponse
from nexc.runtime.types import RunAbort, StopReason


class ReplayLlm:
    """Answers LLM calls from records (a trajectory path or an iterable of record dicts)."""

    def __init__(self, source: str | os.PathLike | Iterable[dict], *, strict: bool = True):
        if isinstance(source, (str, os.PathLike)):
            from nexc.runtime.trace import read_trajectory

            records = read_trajectory(source)
        else:
            records = list(source)
        self.strict = strict
        self.index: dict[tuple[str, int], dict] = {}
        for rec in records:
            if not isinstance(rec, dict):
                continue
            path, it = rec.get("agent_path"), rec.get("iteration")
            if isinstance(path, str) and isinstance(it, int):
                self.index.setdefault((path, it), rec)
        if not self.index:
            raise ValueError("the recording has no LLM-call records to replay")

    def take(self, agent_name: str, path: str, iteration: int, messages: list[dict], tools: list[dict]) -> LlmResponse:
        rec = self.index.get((path, iteration))
        if rec is None:
            known = sorted({p for p, _ in self.index})
            raise RunAbort(StopReason.REPLAY_DIVERGED,
                           f"the run made LLM call {iteration} of agent path '{path}', which the recording does not "
                           f"have (recorded paths: {', '.join(known[:10])})")
        if rec.get("agent_name") != agent_name:
            raise RunAbort(StopReason.REPLAY_DIVERGED,
                           f"at '{path}' call {iteration} the run has agent '{agent_name}', the recording "
                           f"'{rec.get('agent_name')}'")
        bad = _malformed(rec)
        if bad:
            raise RunAbort(StopReason.ERROR, f"cannot replay '{path}' call {iteration}: the recorded record {bad}")
        if self.strict:
            problem = _compare(messages, rec.get("messages") or [], tools, rec.get("tools") or [])
            if problem:
                raise RunAbort(StopReason.REPLAY_DIVERGED, f"at '{path}' call {iteration}: {problem}")
        err = rec.get("error")
        if err:
            raise LlmError(f"(replayed) {err.get('message')}", status=err.get("status"), kind=err.get("type") or "error")
        resp = rec.get("response") or {}
        return LlmResponse(resp.get("content"), [dict(c, function=dict(c["function"])) for c in
                                                  resp.get("tool_calls") or ()],
                           resp.get("reasoning_content"), rec.get("finish_reason"), rec.get("usage"), 1,
                           rec.get("model"))


def _malformed(rec: dict) -> str | None:
    """What is wrong with a record's shape (a hand-edited or foreign file), or None."""
    msgs = rec.get("messages")
    if msgs is not None and not (isinstance(msgs, list) and all(isinstance(m, dict) for m in msgs)):
        return "has 'messages' that are not a list of messages"
    tools = rec.get("tools")
    if tools is not None and not (isinstance(tools, list) and all(isinstance(t, dict) for t in tools)):
        return "has 'tools' that are not a list of tool declarations"
    err = rec.get("error")
    if err is not None and not isinstance(err, dict):
        return "has an 'error' that is not an object"
    resp = rec.get("response")
    if err is None and resp is not None:
        if not isinstance(resp, dict):
            return "has a 'response' that is not an object"
        if resp.get("content") is not None and not isinstance(resp.get("content"), str):
            return "has a response whose content is not text"
        calls = resp.get("tool_calls") or []
        if not isinstance(calls, list):
            return "has response tool_calls that are not a list"
        for c in calls:
            fn = c.get("function") if isinstance(c, dict) else None
            if not (isinstance(fn, dict) and isinstance(fn.get("name"), str) and isinstance(fn.get("arguments"), str)):
                return "has a tool call without a function name and JSON-text arguments"
    return None


def _norm(value):
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _compare(now: list[dict], then: list[dict], tools_now: list[dict], tools_then: list[dict]) -> str | None:
    now = _norm(now)
    for i, (a, b) in enumerate(zip(now, then)):
        if a != b:
            return (f"message {i} ({a.get('role')}) differs from the recording: now {_clip(a.get('content'))!r}, "
                    f"recorded {_clip(b.get('content'))!r}")
    if len(now) != len(then):
        return f"the run sent {len(now)} messages, the recording has {len(then)}"
    if _norm(tools_now) != tools_then:
        return "the agent's tools differ from the recording"
    return None


def _clip(v, n: int = 120) -> str:
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return s if len(s) <= n else s[:n] + "…"
