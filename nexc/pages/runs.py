"""Trajectory records → the viewer's data: runs, each a span tree, and the messages of every LLM call.

A trajectory holds one record per LLM call (``specs/trajectory.schema.json``); the tree is rebuilt from it:

- an **agent run** is the records sharing a ``parent_span_id`` (the agent span), else an ``agent_path``;
- its **LLM calls** are its records in ``iteration`` order; each call's **tool calls** are the calls of its
  reply, their results the tool messages of the agent's next call (``tool_call_id``);
- a **sub-agent** run with path ``parent/name@n.i`` hangs under tool call ``i`` of its parent's call ``n``;
  a run that names no parent hangs under the run's root;
- span lines (``Span.as_dict()``: ``name``, ``kind``, ``trace_id``, ``start``, ``end``, ``attributes`` with the
  tool span's ``call_id``) give tool calls their timings when a file carries them.

Messages are stored once (``msgs``) and referenced by index: a run's requests repeat its history, so a
10,000-call file stays small. Output is deterministic: file order, then ids; no clocks, no randomness.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nexc.dataset.records import expand_inputs, iter_lines
from nexc.pages.divergence import from_record

_SUB = re.compile(r"^(?P<parent>.+)/(?P<name>[^/@]+)@(?P<n>\d+)\.(?P<i>\d+)$")
_SPAN_KINDS = {"agent", "llm", "tool"}


@dataclass
class Problem:
    """A line that could not be used: where, what, and the fix."""

    file: str
    line: int
    column: int
    message: str
    fix: str

    def __str__(self) -> str:
        return (f"{self.file}:{self.line}:{self.column}: warning[NEX843 trajectory-bad-line]: {self.message} "
                f"(fix: {self.fix})")


@dataclass
class Loaded:
    """What the input files held: LLM-call records and spans (each with its file), and the unusable lines."""

    records: list[tuple[str, dict]] = field(default_factory=list)
    spans: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def load(paths: list[str]) -> Loaded:
    """Read trajectory files and folders (``*.jsonl``, ``*.jsonl.gz``); bad lines become problems."""
    files = expand_inputs(paths)
    out = Loaded()
    for index, number, line in iter_lines(files):
        name = str(files[index])
        try:
            obj = json.loads(line.rstrip("\r\n"))
        except ValueError as exc:
            col = getattr(exc, "colno", 1)
            out.problems.append(Problem(name, number, col, f"not a JSON record ({getattr(exc, 'msg', exc)}); "
                                        "the line is skipped", "a torn last line of a killed run is harmless; "
                                        "otherwise repair or delete the line"))
            continue
        except RecursionError:
            out.problems.append(Problem(name, number, 1, "the record nests JSON too deeply to read", "delete the line"))
            continue
        if not isinstance(obj, dict):
            out.problems.append(Problem(name, number, 1, f"a record must be a JSON object, not "
                                        f"{type(obj).__name__}; the line is skipped", "delete the line"))
        elif isinstance(obj.get("kind"), str) and obj["kind"] in _SPAN_KINDS and "attributes" in obj and "messages" not in obj:
            out.spans.append(obj)
        elif isinstance(obj.get("messages"), list):
            out.records.append((name, obj))
        else:
            out.problems.append(Problem(name, number, 1, "the record has no 'messages' list (not an LLM call); "
                                        "it is skipped", "give nexc view trajectory files (nexc run, nexc gap run)"))
    return out


class _Messages:
    """The table of distinct messages; ``ref`` gives a message's index."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.index: dict[str, int] = {}

    _key = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":"), default=str).encode

    def ref(self, m: Any) -> int:
        key = self._key(m)  # key order as written: a run writes a repeated message the same way each time
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.items)
            self.items.append(m)
        return found


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def _tokens(usage: Any) -> int:
    if not isinstance(usage, dict):
        return 0
    total = usage.get("total_tokens")
    if isinstance(total, int):
        return total
    return sum(v for v in (usage.get("prompt_tokens"), usage.get("completion_tokens")) if isinstance(v, int))


def _reply(rec: dict) -> Any:
    reply = rec.get("reply")
    return reply if isinstance(reply, dict) else rec.get("response")


def _calls_of(reply: Any) -> list[dict]:
    calls = reply.get("tool_calls") if isinstance(reply, dict) else None
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


def _text(v: Any) -> str:
    return v if isinstance(v, str) else "" if v is None else json.dumps(v, ensure_ascii=False, default=str)


def _list(v: Any) -> list:
    return v if isinstance(v, list) else []


def _refs(messages: list, prev: tuple[list, list[int]], msgs: _Messages) -> list[int]:
    """Message refs of a call; the prefix it shares with the agent's previous call (``prev``: its messages and
    refs) is compared, not encoded again."""
    old, old_refs = prev
    k, n = 0, min(len(old), len(messages))
    while k < n and messages[k] == old[k]:
        k += 1
    return old_refs[:k] + [msgs.ref(m) for m in messages[k:]]


def _call(rec: dict, msgs: _Messages, file: str, prev: tuple[list, list[int]] = ([], [])) -> dict:
    """One LLM call as the viewer shows it."""
    reply = _reply(rec)
    fmt = rec.get("tool_format") or rec.get("format")
    resp = rec.get("response")
    raw = resp.get("content") if isinstance(resp, dict) and fmt not in (None, "openai") else None
    err = rec.get("error")
    return {"id": _text(rec.get("span_id")), "agent": _text(rec.get("agent_name")) or "?",
            "path": _text(rec.get("agent_path")), "it": rec.get("iteration"), "model": rec.get("model"),
            "fmt": fmt, "fin": rec.get("finish_reason"), "usage": rec.get("usage") if isinstance(rec.get("usage"),
                                                                                              dict) else None,
            "err": err.get("message") if isinstance(err, dict) else (_text(err) or None),
            "ms": _num(rec.get("duration_ms")), "t0": _num(rec.get("started_at")),
            "m": _refs(rec["messages"], prev, msgs), "rp": msgs.ref(reply) if isinstance(reply, dict) else None,
            "raw": raw if isinstance(raw, str) else None,
            "disc": rec.get("discarded_text") if isinstance(rec.get("discarded_text"), str) else None,
            "tools": [_text(t["function"].get("name")) for t in _list(rec.get("tools"))
                      if isinstance(t, dict) and isinstance(t.get("function"), dict)],
            "replayed": bool(rec.get("replayed")), "file": file, "div": None, "_rd": from_record(rec)}


def _short(args: Any, n: int = 80) -> str:
    s = _text(args)
    return s if len(s) <= n else s[:n] + "…"


def build_run(trace_id: str | None, items: list[tuple[str, dict]], msgs: _Messages, tool_spans: dict) -> dict:
    """One run: its calls and its span tree (see the module docstring)."""
    agents: dict[Any, dict] = {}
    for order, (file, rec) in enumerate(items):
        key = rec.get("parent_span_id") if isinstance(rec.get("parent_span_id"), str) else \
            ("path", _text(rec.get("agent_path")) or _text(rec.get("agent_name")))
        a = agents.setdefault(key, {"recs": [], "order": order})
        a["recs"].append((order, file, rec))
    calls: list[dict] = []
    nodes: dict[Any, dict] = {}
    by_path: dict[str, dict] = {}
    for key, a in sorted(agents.items(), key=lambda kv: kv[1]["order"]):
        recs = sorted(a["recs"], key=lambda x: (x[2].get("iteration") if isinstance(x[2].get("iteration"), int)
                                                else 1 << 30, x[0]))
        first = recs[0][2]
        node = {"k": "agent", "n": _text(first.get("agent_name")) or "?", "path": _text(first.get("agent_path")),
                "id": key if isinstance(key, str) else "", "c": [], "tk": 0}
        nodes[key] = node
        if node["path"]:
            by_path.setdefault(node["path"], node)
        prev: tuple[list, list[int]] = ([], [])
        for _, file, rec in recs:
            call = _call(rec, msgs, file, prev)
            prev = (rec["messages"], call["m"])
            ci = len(calls)
            calls.append(call)
            tk = _tokens(rec.get("usage"))
            node["tk"] += tk
            cnode = {"k": "llm", "n": f"llm #{call['it'] or ci + 1}", "i": ci, "id": call["id"], "tk": tk,
                     "ms": call["ms"], "t0": call["t0"], "err": bool(call["err"]), "c": []}
            for ti, tc in enumerate(_calls_of(_reply(rec))):
                fn = tc.get("function") if isinstance(tc.get("function"), dict) else {}
                span = tool_spans.get((trace_id, tc.get("id")))
                cnode["c"].append({"k": "tool", "n": _text(fn.get("name")) or "?", "a": _short(fn.get("arguments")),
                                   "i": ci, "ti": ti, "cid": _text(tc.get("id")), "c": [],
                                   "ms": span["ms"] if span else None, "t0": span["t0"] if span else None})
            node["c"].append(cnode)
        _results(node["c"], calls, msgs)
        starts = [c["t0"] for c in node["c"] if c["t0"] is not None]
        ends = [c["t0"] + (c["ms"] or 0) / 1000 for c in node["c"] if c["t0"] is not None]
        node["t0"] = min(starts) if starts else None
        node["ms"] = round((max(ends) - min(starts)) * 1000, 3) if starts else None
    return _link(trace_id, list(nodes.values()), by_path, calls, items)


def _results(llm_nodes: list[dict], calls: list[dict], msgs: _Messages) -> None:
    """Each tool node's result: the tool message answering it in the agent's next call (``r``, a message ref)."""
    for k, cnode in enumerate(llm_nodes[:-1]):
        answers = {}
        for ref in calls[llm_nodes[k + 1]["i"]]["m"]:
            m = msgs.items[ref]
            if isinstance(m, dict) and m.get("role") == "tool" and isinstance(m.get("tool_call_id"), str):
                answers[m["tool_call_id"]] = ref
        for t in cnode["c"]:
            t["r"] = answers.get(t["cid"])


def _link(trace_id, agent_nodes: list[dict], by_path: dict, calls: list[dict], items) -> dict:
    """Hang sub-agent runs under the tool call that started them; the rest under the run's root."""
    tops = []
    for node in agent_nodes:
        m = _SUB.match(node["path"] or "")
        parent = by_path.get(m["parent"]) if m else None
        target = None
        if parent is not None:
            n, i = int(m["n"]), int(m["i"])
            llm = next((c for c in parent["c"] if calls[c["i"]]["it"] == n), None)
            if llm is not None and i < len(llm["c"]):
                target = llm["c"][i]
        if target is not None:
            target["c"].append(node)
        else:
            tops.append(node)
    starts = [n["t0"] for n in tops if n.get("t0") is not None]
    ends = [n["t0"] + (n["ms"] or 0) / 1000 for n in tops if n.get("t0") is not None]
    root = tops[0] if len(tops) == 1 else {"k": "run", "n": "run", "id": trace_id or "", "c": tops,
                                           "tk": sum(n["tk"] for n in tops), "t0": min(starts) if starts else None,
                                           "ms": round((max(ends) - min(starts)) * 1000, 3) if starts else None}
    if len(tops) == 1:
        root["tk"] = sum(_tokens(rec.get("usage")) for _, rec in items)
    task = next((m.get("content") for _, r in items[:1] for m in r["messages"]
                 if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)), "")
    agents = sorted({c["agent"] for c in calls})
    return {"id": trace_id or "", "file": items[0][0], "task": task[:200], "agents": agents,
            "root": root, "calls": calls, "tokens": root["tk"], "ms": root.get("ms"),
            "errors": sum(1 for c in calls if c["err"]), "div": []}


def _tool_spans(spans: list[dict]) -> dict:
    out = {}
    for s in spans:
        attrs = s.get("attributes") if isinstance(s.get("attributes"), dict) else {}
        start, end = _num(s.get("start")), _num(s.get("end"))
        if s.get("kind") == "tool" and isinstance(attrs.get("call_id"), str) and start is not None:
            out[(s.get("trace_id"), attrs["call_id"])] = {"t0": start, "ms": round(((end or start) - start) * 1000, 3)}
    return out


def build(loaded: Loaded, title: str) -> dict:
    """The viewer's whole data: ``runs`` (file order of their first record) and the message table."""
    groups: dict[tuple, list[tuple[str, dict]]] = {}
    for file, rec in loaded.records:
        tid = rec.get("trace_id") if isinstance(rec.get("trace_id"), str) else None
        groups.setdefault((tid,) if tid else (None, file), []).append((file, rec))
    msgs = _Messages()
    spans = _tool_spans(loaded.spans)
    runs = [build_run(key[0], items, msgs, spans) for key, items in groups.items()]
    return {"title": title, "runs": runs, "msgs": msgs.items}


def sources(paths: list[str]) -> str:
    """The inputs as the page's header names them."""
    return ", ".join(Path(p).name for p in paths)
