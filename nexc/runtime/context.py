"""Context management: token estimates and compaction of old tool results.

The default counter is a cheap estimate (``len(text) // 4`` plus a few tokens of framing per
message), good enough to stay clear of a model's window; plug a real tokenizer with
``Settings.token_counter`` (a ``str -> int`` function) or an agent extension of kind
``token_counter`` (``"module:function"``).

Before every LLM call the engine estimates the conversation. Above ``compaction_ratio`` of the
agent's ``context_tokens`` it compacts: the oldest tool results (never the latest
``keep_recent_results``) are replaced by a one-line stub, oldest first, until the estimate is back
under that ratio. If the conversation still does not fit the limit the agent stops with
``context_limit``.
"""
from __future__ import annotations

from typing import Callable

FRAME = 4
COMPACTED = "[nexc: this tool result ({n} characters) was removed to save context]"
_STUB_HEAD = "[nexc: this tool result ("


def estimate(text: str) -> int:
    """About four characters per token."""
    return len(text) // 4


def message_tokens(msg: dict, count: Callable[[str], int] = estimate) -> int:
    """Tokens of one chat message (content, tool-call names and arguments)."""
    n = FRAME
    content = msg.get("content")
    if content:
        n += count(content) if isinstance(content, str) else count(str(content))
    calls = msg.get("tool_calls")
    if calls:
        for c in calls:
            fn = c.get("function") or {}
            args = fn.get("arguments")
            n += FRAME + count(fn.get("name") or "") + count(args if isinstance(args, str) else str(args))
    return n


def compact(messages: list[dict], tokens: list[int], target: int, keep_recent: int,
            count: Callable[[str], int] = estimate) -> list[int]:
    """Replace old tool results by stubs until ``sum(tokens) <= target``; return the changed indexes.

    ``messages`` and ``tokens`` are updated in place (messages are replaced, never mutated, so
    snapshots taken earlier stay as they were).
    """
    tool_idx = [i for i, m in enumerate(messages) if m.get("role") == "tool"]
    candidates = tool_idx[:-keep_recent] if keep_recent > 0 else tool_idx
    total = sum(tokens)
    changed = []
    for i in candidates:
        if total <= target:
            break
        old = messages[i]
        content = old.get("content") or ""
        if not isinstance(content, str) or content.startswith(_STUB_HEAD):
            continue
        stub = COMPACTED.format(n=len(content))
        if len(stub) >= len(content):
            continue
        new = dict(old, content=stub)
        messages[i] = new
        t = message_tokens(new, count)
        total += t - tokens[i]
        tokens[i] = t
        changed.append(i)
    return changed
