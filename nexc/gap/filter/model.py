"""What the filter rules look at: a *run* (every trajectory record sharing one ``trace_id``, sub-agents
included) read once, its lines kept byte for byte, and its conversation *steps* — each message of each
agent run counted once, where it first appears.

A record's ``messages`` repeat the whole conversation so far, so the message of step ``k`` is located by
``(record, message)``: the index of the record within the run (file order) and the index in that record's
conversation, ``messages + [reply]``: a reply is message ``len(messages)`` of the record that made it (the
index it takes in the next request). Tool results and injected user messages are located in the first
record whose request carries them.

:class:`Finding` is one defect at one step; a rule returns findings, the runner drops the runs that have any.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

_DECODE = json.JSONDecoder().decode


@dataclass(slots=True)
class Step:
    """One message of a run, counted once."""

    record: int          #: index of the record within the run
    message: int         #: index within that record's ``messages + [reply]``
    agent_path: str
    message_dict: dict   #: the message itself (role, content, tool_calls, raw …)
    is_reply: bool = False

    @property
    def role(self) -> str:
        return self.message_dict.get("role") or ""

    @property
    def text(self) -> str:
        return content_text(self.message_dict.get("content"))


@dataclass(slots=True)
class Finding:
    """One defect: the rule, where (record, message or None) and a short piece of evidence."""

    rule: str
    record: int
    message: int | None
    evidence: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "record": self.record, "message": self.message, "evidence": self.evidence}


@dataclass
class Run:
    """The records of one ``trace_id`` in file order, their raw lines, and (from :meth:`steps`) its steps."""

    trace_id: str
    lines: list[bytes] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    #: from ``RUNS/results.jsonl`` when the input is a ``gap run`` folder
    result: dict | None = None
    #: that result's line as it was in the file (copied to ``OUT/results.jsonl`` for kept runs)
    result_line: bytes | None = None
    _steps: list[Step] | None = None
    #: what several rules compute once per run (parsed text-mode turns, tool schemas), by key
    memo: dict = field(default_factory=dict)

    def steps(self) -> list[Step]:
        """Every message once, in the order the run made them (see the module docstring)."""
        if self._steps is None:
            self._steps = conversation_steps(self.records)
        return self._steps

    def task(self) -> str:
        """The entry agent's task: its first user message ('' when none)."""
        for rec in self.records:
            if depth_of(rec) == 0:
                msgs = rec.get("messages")
                for m in msgs if isinstance(msgs, list) else ():
                    if isinstance(m, dict) and m.get("role") == "user" and not m.get("injected"):
                        return content_text(m.get("content"))
                break
        return ""


def content_text(content: Any) -> str:
    """A message content as text (content parts joined; None → '')."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text") or "") if isinstance(p, dict) else str(p) for p in content)
    return str(content)


def calls_of(message: dict) -> list[dict]:
    """The tool calls of a message that are call objects (odd shapes are skipped)."""
    calls = message.get("tool_calls")
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


def depth_of(rec: dict) -> int:
    d = rec.get("depth")
    return d if isinstance(d, int) else 0


def text_field(rec: dict, key: str) -> str | None:
    """A record's string field (None when absent or not a string)."""
    v = rec.get(key)
    return v if isinstance(v, str) else None


def reply_of(rec: dict) -> dict | None:
    """The assistant turn a record's call became (``reply``; ``response`` for older writers)."""
    r = rec.get("reply")
    if r is None:
        r = rec.get("response")
    return r if isinstance(r, dict) else None


def _agent_key(rec: dict) -> str:
    return f"{rec.get('agent_path') or rec.get('agent_name') or ''}\0{rec.get('parent_span_id') or ''}"


def conversation_steps(records: list[dict]) -> list[Step]:
    """The steps of a run's records: per agent run (agent path and parent span), the messages each record adds
    to the previous record's conversation, then its reply."""
    seen: dict[str, list] = {}  # agent key → previous conversation (messages + [reply])
    out: list[Step] = []
    for i, rec in enumerate(records):
        if rec.get("kind") == "tool_simulation":
            continue
        msgs = rec.get("messages")
        if not isinstance(msgs, list):
            msgs = []
        key = _agent_key(rec)
        path = rec.get("agent_path") or rec.get("agent_name") or ""
        path = path if isinstance(path, str) else json.dumps(path, default=str)
        prev = seen.get(key)
        start = 0
        if prev:
            n = len(prev)
            if len(msgs) >= n and msgs[n - 1] == prev[n - 1] and msgs[0] == prev[0]:
                start = n  # the usual case: the request extends the previous conversation
            else:  # compacted or rewritten context: the common prefix is not new
                while start < min(n, len(msgs)) and msgs[start] == prev[start]:
                    start += 1
        for j in range(start, len(msgs)):
            m = msgs[j]
            if isinstance(m, dict):
                out.append(Step(i, j, path, m))
        reply = reply_of(rec)
        conv = list(msgs)
        if reply is not None:
            out.append(Step(i, len(msgs), path, reply, is_reply=True))
            conv.append(reply)
        seen[key] = conv
    return out


def parse_record(line: bytes) -> dict | None:
    """A trajectory line as a record (None: not a JSON object with a trace_id).

    No rule reads ``request`` (the exact body sent, the conversation once more): when the line holds it
    where the trajectory writer puts it (between ``tools`` and ``response``) it is cut out before decoding,
    which saves about a third of the time. A cut that was not the top-level key (the decoded record still has
    a ``request``, or no longer decodes) is undone by decoding the whole line."""
    i = line.find(b',"request":{')
    j = line.find(b'},"response":', i) if i >= 0 else -1
    rec = None
    if j >= 0:
        try:
            rec = _DECODE((line[:i] + line[j + 1:]).decode("utf-8", "surrogateescape"))
        except ValueError:
            rec = None
        if isinstance(rec, dict) and "request" in rec:
            rec = None
    if rec is None:
        try:
            rec = _DECODE(line.decode("utf-8", "surrogateescape"))
        except ValueError:
            return None
    if not isinstance(rec, dict) or not isinstance(rec.get("trace_id"), str):
        return None
    return rec


def short(text: str, limit: int = 120) -> str:
    """``text`` on one line, at most ``limit`` characters (an ellipsis marks a cut)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
