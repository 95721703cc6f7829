"""A run as numbered steps of text, cut into chunks that fit the judge's context — never truncated.

Each step (:meth:`nexc.gap.filter.model.Run.steps`: every message once) is rendered whole as
``[step N] role · agent`` and its text (a text-mode turn as the model wrote it; otherwise its content and
its calls). A step longer than half a chunk's budget is split into parts (``[step N, part 2/3]``) that go
to consecutive chunks, so every character of the run reaches the judge. Tokens are estimated as
``ceil(utf8_bytes / 4)`` (:func:`nexc.analysis.context.estimate_tokens`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from nexc.analysis.context import estimate_tokens
from nexc.gap.filter.model import Step


@dataclass(frozen=True)
class Piece:
    """A step, or one part of a long step, as sent to the judge."""

    step: int
    part: int
    parts: int
    body: str

    def text(self, step: Step) -> str:
        label = f"[step {self.step}" + (f", part {self.part}/{self.parts}" if self.parts > 1 else "") + "]"
        extra = " (error)" if step.message_dict.get("is_error") else ""
        name = step.message_dict.get("name")
        who = f"{step.role}{' ' + name if step.role == 'tool' and name else ''}{extra} · {step.agent_path}"
        return f"{label} {who}\n{self.body}\n"


def step_body(step: Step) -> str:
    """The whole text of a step."""
    m = step.message_dict
    raw = m.get("raw")
    if isinstance(raw, str) and raw:
        return raw
    lines = [step.text] if step.text else []
    for c in m.get("tool_calls") or ():
        fn = c.get("function") if isinstance(c, dict) else None
        if isinstance(fn, dict):
            a = fn.get("arguments")
            lines.append(f"→ call {fn.get('name')} {a if isinstance(a, str) else json.dumps(a, ensure_ascii=False)}")
    return "\n".join(lines)


def split_text(text: str, max_tokens: int) -> list[str]:
    """``text`` in consecutive parts of at most ``max_tokens`` each (estimated); ''.join gives it back."""
    max_tokens = max(16, max_tokens)
    if estimate_tokens(text) <= max_tokens:
        return [text]
    out, i = [], 0
    while i < len(text):
        n = max_tokens * 4
        while n > 1 and estimate_tokens(text[i:i + n]) > max_tokens:
            n = n * 3 // 4
        out.append(text[i:i + n])
        i += n
    return out


def pieces(steps: list[Step], max_piece: int) -> list[Piece]:
    """Every step as one piece, or as parts of at most ``max_piece`` tokens."""
    out = []
    for i, st in enumerate(steps):
        parts = split_text(step_body(st), max_piece)
        out += [Piece(i, k + 1, len(parts), p) for k, p in enumerate(parts)]
    return out


def take(ps: list[Piece], steps: list[Step], start: int, budget: int) -> int:
    """The end (exclusive) of the chunk that starts at piece ``start``: as many pieces as fit ``budget``
    tokens, at least one."""
    used, end = 0, start
    while end < len(ps):
        t = estimate_tokens(ps[end].text(steps[ps[end].step]))
        if end > start and used + t > budget:
            break
        used += t
        end += 1
    return end


def trace_tokens(steps: list[Step]) -> int:
    """Tokens of one pass over the run: every step rendered once, whole (the overhead's baseline)."""
    return sum(estimate_tokens(Piece(i, 1, 1, step_body(st)).text(st)) for i, st in enumerate(steps))
