"""Generated trajectory records (seeded, deterministic) for tests and benchmarks.

:func:`run_records` plays one agent run (and optionally a sub-agent run inside it) the way the
runtime records it: one record per LLM call with the request ``messages``, the reply in
``response``, ``tools``, ids, timing and usage. :func:`nexgap_record` gives a NexGAP-style
record: ``messages`` ending with the reply, arguments as JSON strings.
"""
from __future__ import annotations

import json
import random
from typing import Any, Iterator

from nexc.testing.conversations import _id, tools as sample_tools, text, value_of_type


def tool_call(rng: random.Random, tool_list: list[dict]) -> dict:
    """A call with every required argument and most optional ones, typed by the schema."""
    fn = rng.choice(tool_list)["function"]
    params = fn["parameters"]
    required = set(params.get("required") or ())
    args = {k: value_of_type(rng, v["type"]) for k, v in params["properties"].items()
            if k in required or rng.random() < 0.7}
    return {"id": _id(rng), "type": "function", "function": {"name": fn["name"], "arguments": args}}


def agent_tools(agent_name: str) -> list[dict]:
    """The fixed toolset of an agent (an agent offers the same tools in every call and run)."""
    return sample_tools(random.Random(f"tools:{agent_name}"), 3)


def _span(rng: random.Random) -> str:
    return "%016x" % rng.getrandbits(64)


def run_records(rng: random.Random, *, calls: int = 4, max_parallel: int = 2, trace_id: str | None = None,
                parent_span_id: str | None = None, agent_name: str = "researcher",
                sub_agent: bool = False) -> Iterator[dict[str, Any]]:
    """The records of one agent run with ``calls`` LLM calls (the last one answers)."""
    trace_id = trace_id or "%032x" % rng.getrandbits(128)
    run_span = _span(rng)
    tool_list = agent_tools(agent_name)
    messages: list[dict] = [{"role": "system", "content": f"You are {agent_name}. " + text(rng, 4)},
                            {"role": "user", "content": "Task: " + text(rng, 6, allow_empty=False)}]
    t = 1_700_000_000.0
    for i in range(calls):
        last = i == calls - 1
        if last:
            reply: dict[str, Any] = {"role": "assistant", "content": "Answer: " + text(rng, 6, allow_empty=False)}
        else:
            reply = {"role": "assistant", "content": text(rng, 3),
                     "tool_calls": [tool_call(rng, tool_list) for _ in range(rng.randint(1, max_parallel))]}
        span = _span(rng)
        yield {"kind": "llm", "trace_id": trace_id, "span_id": span, "parent_span_id": run_span,
               "agent_name": agent_name, "messages": json.loads(json.dumps(messages)), "tools": tool_list,
               "response": json.loads(json.dumps(reply)), "finish_reason": "stop" if last else "tool_calls",
               "started_at": t, "ended_at": t + 0.5, "usage": {"prompt_tokens": 100 + 40 * i, "completion_tokens": 30},
               "error": None}
        t += 1
        messages.append(reply)
        for c in reply.get("tool_calls") or ():
            messages.append({"role": "tool", "tool_call_id": c["id"], "name": c["function"]["name"],
                             "content": text(rng, 5)})
        if sub_agent and i == 0:
            yield from run_records(rng, calls=2, trace_id=trace_id, parent_span_id=run_span,
                                   agent_name="visit_page", max_parallel=1)


def nexgap_record(rng: random.Random, *, calls: int = 3) -> dict[str, Any]:
    """A NexGAP-style record: the whole conversation in ``messages``, arguments as JSON strings."""
    *_, final = run_records(rng, calls=calls, agent_name="nexgap_agent")
    messages = final["messages"] + [final["response"]]
    for m in messages:
        for c in m.get("tool_calls") or ():
            c["function"]["arguments"] = json.dumps(c["function"]["arguments"], ensure_ascii=False)
    return {"messages": messages, "tools": final["tools"], "agent_name": "nexgap_agent",
            "trace_id": final["trace_id"], "span_id": final["span_id"]}


def write_runs(path, runs: int, *, seed: str = "bench", sub_agents: bool = True) -> int:
    """Write ``runs`` generated runs to ``path`` (JSON Lines); returns the number of records."""
    rng = random.Random(seed)
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(runs):
            for rec in run_records(rng, calls=rng.randint(2, 5), sub_agent=sub_agents and i % 3 == 0):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
    return n


def text_mode_records(rng: random.Random, fmt, *, calls: int = 3, max_parallel: int = 2, profile: str = "nexc",
                      hints: bool = True) -> Iterator[dict[str, Any]]:
    """The records of one text-mode run in ``fmt`` as the runtime writes them (``nexc.trajectory/2``): the
    canonical conversation (the agent's own system prompt; assistant turns with their text in ``raw``;
    injected hints marked), the reply as it entered the conversation and the request that was sent,
    built by the view."""
    from nexc.formats.translate import relink_ids
    from nexc.view.profile import get_profile
    from nexc.view.wire import wire_messages

    prof = get_profile(profile)
    trace_id = "%032x" % rng.getrandbits(128)
    run_span = _span(rng)
    tool_list = agent_tools("texter")
    messages: list[dict] = [{"role": "system", "content": "You are texter. " + text(rng, 4)},
                            {"role": "user", "content": "Task: " + text(rng, 6, allow_empty=False)}]
    for i in range(calls):
        if i == calls - 1:
            turn: dict[str, Any] = {"role": "assistant", "content": "Answer: " + text(rng, 6, allow_empty=False)}
        else:
            n = 1 if fmt.single_call else rng.randint(1, max_parallel)
            turn = {"role": "assistant", "content": text(rng, 3), "tool_calls": [tool_call(rng, tool_list)
                                                                                  for _ in range(n)]}
        turn = relink_ids([turn], fmt)[0]  # ids the format can write (Mistral: 9 alphanumerics)
        raw = fmt.render_assistant(turn)
        parsed = fmt.parse_assistant(raw, tool_list)
        reply: dict[str, Any] = {"role": "assistant", "content": parsed.content, "raw": raw}
        if parsed.tool_calls:
            reply["tool_calls"] = [{"id": f"call_{i + 1}_{j}", "type": "function", "function": {
                "name": c["function"]["name"], "arguments": json.dumps(c["function"]["arguments"], ensure_ascii=False)}}
                for j, c in enumerate(parsed.tool_calls)]
        request = {"model": "fake", "stop": list(fmt.call_stops),
                   "messages": wire_messages(fmt, lambda own: prof.system_message(fmt, own, tool_list), tool_list,
                                             messages, False)}
        yield {"schema": "nexc.trajectory/2", "trace_id": trace_id, "span_id": _span(rng), "parent_span_id": run_span,
               "agent_name": "texter", "agent_path": "texter", "depth": 0, "iteration": i + 1, "model": "fake",
               "tool_format": fmt.id, "profile": profile, "params": {"model": "fake"},
               "messages": json.loads(json.dumps(messages)), "tools": tool_list, "request": request,
               "response": {"role": "assistant", "content": raw}, "reply": reply, "discarded_text": None,
               "finish_reason": "stop", "usage": None, "error": None, "attempts": 1}
        messages.append(reply)
        for c in reply.get("tool_calls") or ():
            messages.append({"role": "tool", "tool_call_id": c["id"], "name": c["function"]["name"],
                             "content": text(rng, 5)})
        if hints and reply.get("tool_calls") and rng.random() < 0.5:
            messages.append({"role": "user", "content": "nexc: 2 steps left before this agent is stopped.",
                             "injected": ["iteration_hint"]})


#: what :func:`spoil_turn` can do to an assistant turn, by the drop reason the build gives it
SPOILS = ("unknown-tool", "invalid-arguments")


def spoil_turn(records: list[dict], call: int, how: str = "unknown-tool") -> str:
    """Make the reply of the ``call``-th record of ``records`` (one agent run, in call order; a reply with
    a tool call) a bad turn the way :data:`SPOILS` names — its first call names no tool of the run, or
    its first required argument has the wrong type — in that record and wherever it recurs in a later
    record's history; returns the spoiled call's id."""
    if how not in SPOILS:
        raise ValueError(f"unknown spoil {how!r}; one of {', '.join(SPOILS)}")
    calls = records[call]["response"].get("tool_calls")
    if not calls:
        raise ValueError(f"call {call} answers without a tool call: nothing to spoil")
    key = calls[0]["id"]
    for rec in records[call:]:
        for m in [*rec["messages"], rec["response"]]:
            for c in m.get("tool_calls") or () if m.get("role") == "assistant" else ():
                if c.get("id") != key:
                    continue
                fn = c["function"]
                if how == "unknown-tool":
                    fn["name"] = "no_such_tool"
                    continue
                tool = next(t["function"] for t in rec["tools"] if t["function"]["name"] == fn["name"])
                first = tool["parameters"]["required"][0]
                kind = tool["parameters"]["properties"][first]["type"]
                fn["arguments"][first] = "not an object" if kind == "object" else {"not": "a " + kind}
    return key
