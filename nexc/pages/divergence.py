"""Replay divergences for the viewer: found in records or in a replay report, shown as diffs.

Where a divergence comes from:

- a record's ``divergence`` field: the message a replay stopped with (a string), or an object with
  ``message`` and optionally ``messages`` (what the run sent at that call);
- a record whose ``error`` has ``type`` ``replay_diverged``;
- a *replay report* given to ``nexc view --replay-report FILE``: JSON (one object, a list, or JSON Lines)
  of ``{"trace_id"?, "agent_path", "iteration", "message", "messages"?}``, or the text ``nexc run --replay``
  printed (``stop reason: replay_diverged (at 'PATH' call N: …)``), read for its ``at 'PATH' call N:`` parts.

A divergence attaches to the recorded call with its agent path and iteration (the first run holding it, or
the run its ``trace_id`` names or is a prefix of); one that names no recorded call (the run made a call the
recording lacks) is shown on its run. With the messages the run sent, the diff is a line diff of the first
message that differs (recorded ``-``, now ``+``) as pretty-printed JSON; without them, the message of
:func:`nexc.runtime.replay._difference` is shown and its ``message i`` is marked in the recorded call.
"""
from __future__ import annotations

import difflib
import json
import re
from typing import Any

_AT = re.compile(r"at '(?P<path>[^']+)' call (?P<it>\d+): (?P<msg>.*?)(?=\s*at '[^']+' call \d+: |\)?\s*$)", re.DOTALL)
_MSG_I = re.compile(r"^message (\d+) ")
_RAN = re.compile(r"made LLM call (?P<it>\d+) of agent path '(?P<path>[^']+)'")
MAX_DIFF_LINES = 400


def read_report(text: str) -> list[dict]:
    """The divergences a replay report holds (see the module docstring); [] when it holds none."""
    items: list[Any] = []
    try:
        data = json.loads(text)
        items = data if isinstance(data, list) else [data]
    except ValueError:
        for line in text.split("\n"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            items.append(obj)
    out = [d for d in (_entry(x) for x in items if isinstance(x, dict)) if d]
    if out:
        return out
    for m in _AT.finditer(text):
        out.append({"trace_id": None, "path": m["path"], "it": int(m["it"]), "message": m["msg"].strip(),
                    "messages": None})
    for m in _RAN.finditer(text):
        out.append({"trace_id": None, "path": m["path"], "it": int(m["it"]), "message": m.group(0),
                    "messages": None})
    return out


def _entry(obj: dict) -> dict | None:
    msg = obj.get("message") or obj.get("error")
    if not isinstance(msg, str):
        return None
    path, it = obj.get("agent_path"), obj.get("iteration")
    if not (isinstance(path, str) and isinstance(it, int)):
        found = _AT.search(msg) or _RAN.search(msg)
        if not found:
            return {"trace_id": obj.get("trace_id"), "path": None, "it": None, "message": msg, "messages": None}
        path, it = found["path"], int(found["it"])
    msgs = obj.get("messages")
    return {"trace_id": obj.get("trace_id") if isinstance(obj.get("trace_id"), str) else None, "path": path,
            "it": it, "message": msg, "messages": msgs if isinstance(msgs, list) else None}


def from_record(rec: dict) -> dict | None:
    """The divergence a record carries, or None."""
    div = rec.get("divergence")
    if isinstance(div, str):
        div = {"message": div}
    err = rec.get("error")
    if not isinstance(div, dict) and isinstance(err, dict) and err.get("type") == "replay_diverged":
        div = {"message": err.get("message")}
    if not isinstance(div, dict) or not isinstance(div.get("message"), str):
        return None
    msgs = div.get("messages")
    return {"message": div["message"], "messages": msgs if isinstance(msgs, list) else None}


def _pretty(m: Any) -> list[str]:
    if isinstance(m, dict) and isinstance(m.get("content"), str):
        head = {k: v for k, v in m.items() if k != "content"}
        return json.dumps(head, ensure_ascii=False, sort_keys=True).split("\n") + ["content:"] + \
            m["content"].split("\n")  # newlines only: U+2028 and friends stay inside their line
    return json.dumps(m, ensure_ascii=False, sort_keys=True, indent=1, default=str).split("\n")


def diff(now: list, recorded: list) -> tuple[int | None, list[list[str]]]:
    """The first message index where ``now`` and ``recorded`` differ and its line diff (``[op, text]`` with
    op ``' '``, ``'-'`` recorded, ``'+'`` now); (None, []) when they are equal."""
    for i in range(max(len(now), len(recorded))):
        a = now[i] if i < len(now) else None
        b = recorded[i] if i < len(recorded) else None
        if a != b:
            lines = [[line[0], line[2:]] for line in difflib.ndiff(_pretty(b), _pretty(a)) if line[0] in " -+"]
            return i, lines[:MAX_DIFF_LINES]
    return None, []


def entry_for_call(div: dict, call: dict, table: list) -> dict:
    """The divergence as the viewer shows it on ``call`` (``index``: the differing message, ``diff``)."""
    out = {"message": div["message"], "index": None, "diff": []}
    if div.get("messages") is not None:
        out["index"], out["diff"] = diff(div["messages"], [table[k] for k in call["m"]])
    else:
        m = _MSG_I.match(div["message"])
        out["index"] = int(m.group(1)) if m else None
    return out


def attach(data: dict, report: list[dict]) -> None:
    """Put divergences on their calls (``call["div"]``) or runs (``run["div"]``) in ``data``: those the records
    carry (``call["_rd"]``, removed here) and those of ``report``."""
    runs, table = data["runs"], data["msgs"]
    for run in runs:
        for call in run["calls"]:
            found = call.pop("_rd", None)
            if found is not None:
                call["div"] = entry_for_call(found, call, table)
    for div in report:
        cands = [r for r in runs if not div["trace_id"] or r["id"].startswith(div["trace_id"])]
        hit = next(((r, c) for r in cands for c in r["calls"] if c["path"] == div["path"] and c["it"] == div["it"]),
                   None)
        if hit is not None:
            hit[1]["div"] = entry_for_call(div, hit[1], table)
        elif cands:
            run = next((r for r in cands if any(c["path"] == div["path"] for c in r["calls"])), cands[0])
            run["div"].append(div["message"])
