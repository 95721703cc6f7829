"""Simulated tools: an LLM plays a tool that has no implementation (``binding = simulated``, or any tool
whose code is missing with ``--simulate-missing``).

The simulator is asked, in one LLM call on the calling agent's endpoint (temperature 0, the run's
``Settings.simulation_seed`` as ``seed``), for exactly what the tool returns: it reads the tool's name,
description, JSON Schema, declared ``returns``, the binding's prompt and examples, and the call's
arguments. A tool that declares ``returns`` gets its answer validated (JSON, against the schema): an
answer that fails is asked for once more with the error, then the call fails with an observation.

Results are cached by (tool, arguments, seed, the tool's declaration): in memory for the runtime, and
in ``Settings.simulation_cache`` (JSON Lines, appended) when set, so reruns and replays give the same
results. Every simulated call is recorded as a trajectory record of ``kind`` ``tool_simulation`` (a
cache hit too, marked ``cached``), whose ``agent_path`` is the call's (``PATH/~sim:TOOL@ITERATION.INDEX``):
a replay answers it from the recording. Dataset builds skip these records (they are not an agent's
turns), and the tool message of a simulated result carries ``simulated: true``.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from typing import Any

from nexc.runtime.tools import ToolError

SIMULATOR_PROMPT = (
    "You simulate a tool of a software system for an agent that calls it. Reply with exactly what the tool "
    "returns for the call — its output only: no explanation, no quotes around it, no markdown. Make the output "
    "plausible, specific and consistent with the arguments, the tool's description and its result schema; "
    "invent realistic data where the tool would fetch or compute some. If the arguments are invalid for the "
    "tool, reply with the error message the tool would give.")


def declaration(tool) -> dict[str, Any]:
    """What the simulator is told about ``tool`` (a :class:`~nexc.runtime.tools.ToolImpl`)."""
    sim = tool.sim or {}
    out: dict[str, Any] = {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
    if sim.get("returns") is not None:
        out["returns"] = sim["returns"]
    return out


def _key(tool, args: dict, seed: int) -> str:
    data = json.dumps([declaration(tool), (tool.sim or {}).get("prompt", ""), args, seed], sort_keys=True,
                      ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


class SimulationCache:
    """Results by key, in memory and (with a path) in a JSON Lines file read at start, appended to."""

    def __init__(self, path: str | None = None):
        self.path = path
        self.items: dict[str, str] = {}
        self.lock = threading.Lock()
        if path and os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    try:
                        rec = json.loads(line)
                        self.items[str(rec["key"])] = str(rec["result"])
                    except (ValueError, KeyError, TypeError):
                        continue  # a torn last line

    def get(self, key: str) -> str | None:
        return self.items.get(key)

    def put(self, key: str, result: str) -> None:
        with self.lock:
            self.items[key] = result
            if self.path:
                os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
                line = json.dumps({"key": key, "result": result}, ensure_ascii=False) + "\n"
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                try:
                    os.write(fd, line.encode("utf-8", "surrogatepass"))
                finally:
                    os.close(fd)


def messages(tool, args: dict, retry: str | None = None) -> list[dict]:
    """The simulator's conversation for one call."""
    sim = tool.sim or {}
    system = SIMULATOR_PROMPT
    if sim.get("prompt"):
        system += "\n\n" + sim["prompt"]
    system += "\n\nThe tool:\n" + json.dumps(declaration(tool), ensure_ascii=False, indent=2)
    for ex in sim.get("examples") or ():
        system += ("\n\nExample call: " + json.dumps(ex.get("arguments"), ensure_ascii=False) + "\nIts result: "
                   + (ex["result"] if isinstance(ex.get("result"), str) else json.dumps(ex.get("result"),
                                                                                        ensure_ascii=False)))
    out = [{"role": "system", "content": system},
           {"role": "user", "content": "Call: " + json.dumps(args, ensure_ascii=False)}]
    if retry:
        out.append({"role": "user", "content": retry})
    return out


def check(tool, text: str) -> str | None:
    """Why ``text`` is not a result of ``tool``'s declared ``returns`` (None: it is)."""
    schema = (tool.sim or {}).get("returns")
    if not schema:
        return None
    import jsonschema

    if schema.get("type") == "string":
        value: Any = text
    else:
        try:
            value = json.loads(text)
        except ValueError as exc:
            return f"the result must be JSON matching the result schema ({exc})"
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        return f"the result does not match the result schema: {exc.message}"
    except jsonschema.SchemaError:
        return None
    return None


async def simulate(run, plan, tool, args: dict, path: str, it: int, index: int, parent) -> str:
    """The simulated result of one call (raises :class:`ToolError` when no valid result comes)."""
    from nexc.runtime.loop import SCHEMA_ID, _call_llm_raw

    s = run.settings
    key = _key(tool, args, s.simulation_seed)
    sim_path = f"{path}/~sim:{tool.name}@{it}.{index}"
    cache = run.rt.simulation_cache
    hit = cache.get(key)
    record_base = {"schema": SCHEMA_ID, "kind": "tool_simulation", "agent_name": f"~sim:{tool.name}",
                   "agent_path": sim_path, "tool": tool.name, "arguments": args, "simulation_key": key}
    if hit is not None and run.replay is None:
        from nexc.runtime.trace import new_id

        now = time.time()
        run.add_record({**record_base, "trace_id": run.tracer.trace_id, "span_id": new_id(),
                        "parent_span_id": parent.span_id, "iteration": 1, "cached": True,
                        "messages": messages(tool, args), "response": {"role": "assistant", "content": hit},
                        "error": None, "started_at": now, "ended_at": now, "replayed": False})
        return hit
    retry = None
    for attempt in (1, 2):
        msgs = messages(tool, args, retry)
        text = await _call_llm_raw(run, plan, msgs, sim_path, attempt, parent, record_base,
                                   {"temperature": 0.0, "seed": s.simulation_seed})
        problem = check(tool, text)
        if problem is None:
            cache.put(key, text)
            return text
        retry = f"That result was not valid: {problem}. Reply again with the tool's result only."
    raise ToolError(f"the simulation of '{tool.name}' gave no valid result: {problem}")
