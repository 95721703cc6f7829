"""Persona pools: NexGAP's ``persona.jsonl`` (``persona``, ``persona_chinese``), each persona with a stable id
(a hash of its text), never modified: a rewritten persona belongs to the run's own pool version
(:class:`Pool.add`, deduplicated), the input file is only read."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from nexc.diagnostics import Reporter
from nexc.ir.base import Span


@dataclass(frozen=True)
class Persona:
    id: str
    text: str
    zh: str | None = None
    parent: str | None = None  # the persona this one was rewritten from


def persona_id(text: str) -> str:
    return "p-" + hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:12]


@dataclass
class Pool:
    personas: list[Persona] = field(default_factory=list)
    source: str = ""

    def add(self, text: str, parent: str | None = None) -> Persona:
        """A new persona of this pool version (the existing one when the text is already there)."""
        pid = persona_id(text)
        for p in self.personas:
            if p.id == pid:
                return p
        p = Persona(pid, text.strip(), None, parent)
        self.personas.append(p)
        return p


def load_personas(path: str, r: Reporter) -> Pool | None:
    from nexc.source import MAX_SPEC_BYTES, read_text

    text = read_text(path, r, limit=16 * MAX_SPEC_BYTES, what="persona pool")
    if text is None:
        return None
    pool, seen = Pool(source=path), set()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = Span(file=path, line=n, column=1, end_line=n, end_column=len(line) + 1)
        try:
            item = json.loads(line)
        except ValueError as exc:
            r.report("NEX804", where, f"persona line {n} is not JSON ({exc.msg})")
            continue
        if isinstance(item, str):
            item = {"persona": item}
        if not isinstance(item, dict) or not isinstance(item.get("persona"), str) or not item["persona"].strip():
            r.report("NEX804", where, f"persona line {n} has no 'persona' text", fix='{"persona": "A …"}')
            continue
        pid = persona_id(item["persona"])
        if pid in seen:
            continue  # the same persona twice: one entry
        seen.add(pid)
        zh = item.get("persona_chinese") or item.get("persona_zh")
        pool.personas.append(Persona(pid, item["persona"].strip(), zh if isinstance(zh, str) else None))
    if not pool.personas and not r.has_errors:
        r.report("NEX804", Span.point(path), "the persona pool is empty")
    return pool
