"""Replay: run a framework against a recorded trajectory instead of an LLM.

Every LLM call of a run is identified by its *agent path* and *iteration*: the entry agent's path
is its name; a sub-agent started by the ``i``-th tool call of its parent's ``n``-th iteration has
path ``parent_path/child_name@n.i``. Both are deterministic for a given sequence of replies, so the
``k``-th call of an agent is answered with the recorded reply of the same path and iteration,
however the concurrent sub-agents interleave.

Tool results. By default (``Settings.replay_tools == "recorded"``) a Python or MCP tool call is not run:
its result is the tool message the recording holds for the same call id, in the next recorded call of the
same agent path, so a replay has no side effects. A stop tool whose round ended its agent is the
exception — no later record holds its result, which is the agent's answer — and runs; another call
whose result no record holds (the round before ``max_iterations``) is answered with a note and does
not run. Sub-agents, skills and simulated tools go on as in a live run (their LLM calls are replayed).
``"run"`` runs every tool again.

A file may hold several runs (distinct ``trace_id``); one is chosen with ``trace_id`` (a unique prefix
is enough), and a file with several runs and no choice is refused.

The run *diverges* (stop reason ``replay_diverged``, with a message that shows the first differing
character with context on both sides) when it makes a call the recording does not have, when the agent
differs, or — with ``Settings.replay_strict`` (the default) — when the messages sent differ from the
recorded ones (a changed prompt, tool result or tool). With ``Settings.replay_lenient`` a differing tool
result (and a hint the runtime wrote, which may count its tokens) is a warning instead, and the run goes
on with the recorded replies. A recorded LLM error replays as the same ``llm_error``.
"""
from __future__ import annotations

import json
import os
from typing import Iterable

from nexc.runtime.llm import LlmError, LlmResponse
from nexc.runtime.types import RunAbort, StopReason

#: what a call whose result the recording does not hold observes (it is not run)
NOT_RECORDED = "[nexc replay: the recording holds no result for this call; it was not run]"


def _runs(records: list[dict]) -> dict:
    """The records grouped by ``trace_id`` (None for records without one), in file order."""
    runs: dict = {}
    for rec in records:
        tid = rec.get("trace_id") if isinstance(rec.get("trace_id"), str) else None
        runs.setdefault(tid, []).append(rec)
    return runs


def _describe_run(tid, recs: list[dict]) -> str:
    task = next((m.get("content") for r in recs for m in (r.get("messages") or [])[1:2]
                 if isinstance(m, dict) and m.get("role") == "user"), None)
    task = _clip(task, 40) if isinstance(task, str) else "?"
    return f"{tid or '(no trace id)'} ({len(recs)} calls, task {task!r})"


def select_run(records: list[dict], trace_id: str | None, cli: bool = False) -> list[dict]:
    """The records of one run: the one ``trace_id`` names (or is a unique prefix of), or the only run of
    the file. Raises ``ValueError`` when there is no such run, or several and no choice."""
    runs = _runs([r for r in records if isinstance(r, dict)])
    option = "--trace-id" if cli else "trace_id="
    if trace_id is not None:
        hits = [t for t in runs if t is not None and t.startswith(trace_id)]
        exact = [t for t in hits if t == trace_id]
        if exact or len(hits) == 1:
            return runs[(exact or hits)[0]]
        known = "; ".join(_describe_run(t, r) for t, r in list(runs.items())[:10])
        if hits:
            raise ValueError(f"trace id '{trace_id}' is a prefix of {len(hits)} runs of the recording; give more of "
                             f"it (runs: {known})")
        raise ValueError(f"the recording has no run with trace id '{trace_id}' (runs: {known})")
    if len(runs) > 1:
        known = "; ".join(_describe_run(t, r) for t, r in list(runs.items())[:10])
        more = f" and {len(runs) - 10} more" if len(runs) > 10 else ""
        raise ValueError(f"the recording holds {len(runs)} runs: {known}{more}; choose one with {option}")
    return next(iter(runs.values()), [])


class ReplayLlm:
    """Answers LLM calls (and, by default, tool calls) from records (a trajectory path or an iterable of
    record dicts), of the run ``trace_id`` chooses."""

    def __init__(self, source: str | os.PathLike | Iterable[dict], *, strict: bool = True, lenient: bool = False,
                 trace_id: str | None = None, cli: bool = False):
        if isinstance(source, (str, os.PathLike)):
            from nexc.runtime.trace import read_trajectory

            records = read_trajectory(source)
        else:
            records = list(source)
        self.strict, self.lenient = strict, lenient
        #: the differences a lenient replay went on past
        self.differences: list[str] = []
        self.index: dict[tuple[str, int], dict] = {}
        for rec in select_run(records, trace_id, cli):
            path, it = rec.get("agent_path"), rec.get("iteration")
            if isinstance(path, str) and isinstance(it, int):
                self.index.setdefault((path, it), rec)
        if not self.index:
            raise ValueError("the recording has no LLM-call records to replay")
        self._results: dict[tuple[str, int], dict[str, dict]] = {}

    def tool_result(self, path: str, iteration: int, call_id: str) -> dict | None:
        """The recorded tool message that answered call ``call_id`` of ``path``'s call ``iteration`` (it is in
        the agent's next recorded call), or None when no record holds it."""
        key = (path, iteration)
        found = self._results.get(key)
        if found is None:
            found = {}
            rec = self.index.get((path, iteration + 1))
            msgs = rec.get("messages") if rec is not None else None
            for m in msgs if isinstance(msgs, list) else ():
                if isinstance(m, dict) and m.get("role") == "tool" and isinstance(m.get("tool_call_id"), str) \
                        and isinstance(m.get("content"), str):
                    found[m["tool_call_id"]] = m
            self._results[key] = found
        return found.get(call_id)
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
            problem, tolerated = _compare(messages, rec.get("messages") or [], tools, rec.get("tools") or [],
                                          self.lenient)
            if problem:
                raise RunAbort(StopReason.REPLAY_DIVERGED, f"at '{path}' call {iteration}: {problem}")
            self.differences += [f"at '{path}' call {iteration}: {t}" for t in tolerated]
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


def _compare(now: list[dict], then: list[dict], tools_now: list[dict], tools_then: list[dict],
             lenient: bool = False) -> tuple[str | None, list[str]]:
    """The first difference that ends the replay (or None), and the differences ``lenient`` went on past
    (tool results, and the hints the runtime wrote)."""
    now = _norm(now)
    tolerated = []
    for i, (a, b) in enumerate(zip(now, then)):
        if a != b:
            what = _difference(i, a, b)
            if lenient and isinstance(b, dict) and a.get("role") == b.get("role") and \
                    (a.get("role") == "tool" or (a.get("injected") and b.get("injected"))):
                tolerated.append(what)
                continue
            return what, tolerated
    if len(now) != len(then):
        return f"the run sent {len(now)} messages, the recording has {len(then)}", tolerated
    tools_now = _norm(tools_now)
    if tools_now != tools_then:
        return "the agent's tools differ from the recording: " + _tools_difference(tools_now, tools_then), tolerated
    return None, tolerated


def _who(m: dict) -> str:
    role = m.get("role")
    name = m.get("name")
    return f"{role} '{name}'" if role == "tool" and isinstance(name, str) else str(role)


def _difference(i: int, a: dict, b) -> str:
    """Where message ``i`` differs: the first differing character of its content (or of the whole message,
    when the contents are equal), with up to 40 characters of context on both sides of each version."""
    if not isinstance(b, dict):
        return f"message {i} ({_who(a)}) differs from the recording, which has {_clip(b)!r} there"
    ca, cb = a.get("content"), b.get("content")
    if ca != cb and isinstance(ca, str) and isinstance(cb, str):
        where, x, y = "of its content", ca, cb
    else:
        x = json.dumps(a, ensure_ascii=False, sort_keys=True, default=str)
        y = json.dumps(b, ensure_ascii=False, sort_keys=True, default=str)
        where = "of the message as JSON"
    k = next((j for j, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
    role = f" ({_who(a)})" if a.get("role") == b.get("role") else f" (now {_who(a)}, recorded {_who(b)})"
    return (f"message {i}{role} differs from the recording at character {k} {where} "
            f"(now {len(x)} characters, recorded {len(y)}): now {_around(x, k)}, recorded {_around(y, k)}")


def _around(s: str, k: int, n: int = 40) -> str:
    """``s`` around offset ``k``: ``'…before' ▸ 'after…'`` (the ▸ marks the offset)."""
    before = ("…" if k > n else "") + s[max(0, k - n):k]
    after = s[k:k + n] + ("…" if len(s) > k + n else "")
    return f"{before!r} ▸ {after!r}" if after else f"{before!r} ▸ (end)"


def _tools_difference(now: list, then: list) -> str:
    def by_name(tools):
        out = {}
        for t in tools if isinstance(tools, list) else ():
            fn = t.get("function") if isinstance(t, dict) else None
            out[fn.get("name") if isinstance(fn, dict) else repr(t)] = t
        return out

    a, b = by_name(now), by_name(then)
    parts = []
    if sorted(set(a) - set(b)):
        parts.append("new " + ", ".join(map(str, sorted(set(a) - set(b)))))
    if sorted(set(b) - set(a)):
        parts.append("gone " + ", ".join(map(str, sorted(set(b) - set(a)))))
    changed = sorted(str(k) for k in set(a) & set(b) if a[k] != b[k])
    if changed:
        parts.append("changed " + ", ".join(changed))
    return "; ".join(parts) or "their order changed"


def _clip(v, n: int = 120) -> str:
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return s if len(s) <= n else s[:n] + "…"
