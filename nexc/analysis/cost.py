"""Worst-case number of LLM calls of one run.

Definition (also in ``specs/diagnostics.md``). Let ``I(A)`` be agent A's ``max_iterations``: A's
own ReAct loop makes at most ``I(A)`` LLM calls. Each of those calls may start sub-agent runs
through tool calls, and each sub-agent run costs its own worst case. Per LLM call of A:

- a **sequential** agent (``parallel_tool_calls = false``, or a format that writes one call per
  turn) starts at most one sub-agent run: ``W(A) = I(A) × (1 + max_c W(c))``;
- a **parallel** agent is assumed to call each of its sub-agents at most once per response:
  ``W(A) = I(A) × (1 + Σ_c W(c))``.

(``c`` ranges over A's sub-agents; an agent without sub-agents costs ``I(A)``.) Recursion is
followed along the delegation stack: an agent with ``max_depth = N`` may be on the stack at most N
times, so an edge into it is dropped once it is there N times. A cycle with no bounded agent makes
the worst case unbounded (``None``). Numbers are exact Python integers.
"""
from __future__ import annotations

from nexc.analysis.graph import children
from nexc.ir.model import Agent, Framework

#: Unrolled recursion states explored before giving up (the result is then reported as too large).
MAX_STATES = 200_000


class TooLarge(Exception):
    """The recursion unrolls into more states than :data:`MAX_STATES`."""


def is_sequential(agent: Agent) -> bool:
    """True when one LLM response of ``agent`` carries at most one tool call."""
    if not agent.parallel_tool_calls:
        return True
    try:
        from nexc.formats import get_format

        return bool(get_format(agent.tool_format).single_call)
    except Exception:  # an unknown format is reported elsewhere
        return False


def worst_case_calls(fw: Framework, start: str | None = None) -> dict:
    """``{"calls": int | None, "status": "bounded" | "unbounded" | "too-large", "agents": {name: int|None}}``:
    the worst-case LLM calls of a run started at ``start`` (default: the entry), and of runs started
    at each reachable agent."""
    agents = {a.name: a for a in fw.agents}
    start = start or fw.entry
    seq = {n: is_sequential(a) for n, a in agents.items()}
    memo: dict[tuple, int | None] = {}

    bounded = {n for n, a in agents.items() if a.limits.max_depth is not None}
    active: set[tuple] = set()

    def w(name: str, stack: tuple[tuple[str, int], ...]) -> int | None:
        """Worst case of a run of ``name`` entered with ``stack`` (times each bounded agent is on it)."""
        key = (name, stack)
        if key in memo:
            return memo[key]
        if key in active:  # back in the same state: a cycle through no bounded agent
            return None
        if len(memo) > MAX_STATES:
            raise TooLarge
        active.add(key)
        a = agents[name]
        counts = dict(stack)
        if name in bounded:
            counts[name] = counts.get(name, 0) + 1
        inner = tuple(sorted(counts.items()))
        subs: list[int] = []
        result: int | None = 0
        for c in children(a):
            if c not in agents:
                continue
            if c in bounded and counts.get(c, 0) >= agents[c].limits.max_depth:
                continue
            sub = w(c, inner)
            if sub is None:
                result = None
                break
            subs.append(sub)
        if result is not None:
            extra = max(subs, default=0) if seq[name] else sum(subs)
            result = a.limits.max_iterations * (1 + extra)
        active.discard(key)
        memo[key] = result
        return result

    def run(name: str) -> tuple[int | None, str]:
        try:
            v = w(name, ())
        except (TooLarge, RecursionError):
            return None, "too-large"
        return v, ("bounded" if v is not None else "unbounded")

    total, status = run(start) if start in agents else (0, "bounded")
    from nexc.analysis.graph import reachable

    per = {n: run(n)[0] for n in reachable(fw)}
    return {"calls": total, "status": status, "agents": per}
