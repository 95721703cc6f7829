"""Conversation → the messages of a request, in native or text mode: one builder for the runtime
(which extends it message by message) and for the dataset build (which replays it over a record).

The conversation is *canonical*: OpenAI chat messages whose system message is the agent's own
prompt, assistant calls in ``tool_calls`` (arguments as JSON text), results as ``tool`` messages
with the tool's ``name``. Keys only nexc reads travel with the messages and never reach the wire:

- ``raw`` on an assistant message of a text-mode run: the turn's text as the model wrote it (what
  the next request carries, after :meth:`nexc.formats.base.Format.finish_turn`);
- ``injected`` on a user message the runtime wrote: the kinds of text it holds (``specs/RUNTIME.md``);
- ``is_error`` on a tool message: the call failed (formats that tell errors apart show it).

Native mode sends the messages as they are, less those keys (and less ``reasoning_content`` unless
the endpoint gets it back). Text mode sends the system message with the format's declarations of
the tools, each assistant turn as its text, and each run of results — with the user messages that
follow them — as one user message: the format's rendering of the results and the texts joined by
blank lines.
"""
from __future__ import annotations

from typing import Any

#: message keys that only nexc reads
NEXC_KEYS = frozenset(("raw", "injected", "is_error", "name", "simulated"))
_NO_REASONING = NEXC_KEYS | {"reasoning_content"}


def native_message(m: dict, send_reasoning: bool) -> dict:
    """``m`` as a native-mode request carries it."""
    role = m["role"]
    if role == "tool":
        return {"role": "tool", "tool_call_id": m.get("tool_call_id"), "content": m.get("content")}
    if role == "assistant":
        drop = NEXC_KEYS if send_reasoning else _NO_REASONING
        return {k: v for k, v in m.items() if k not in drop} if not drop.isdisjoint(m) else m
    if "injected" in m:
        return {"role": role, "content": m.get("content")}
    return m


class WireBuilder:
    """The request messages of one agent's conversation, kept up to date as messages are added.

    ``fmt`` is None in native mode; ``system`` turns the agent's own prompt into the system message
    the request carries (``profile.system_message``); ``tools`` are the schemas text mode declares."""

    __slots__ = ("fmt", "system", "tools", "send_reasoning", "wire", "group", "_tail")

    def __init__(self, fmt, system, tools: list[dict], send_reasoning: bool):
        self.fmt, self.system, self.tools, self.send_reasoning = fmt, system, tools, send_reasoning
        self.wire: list[dict] = []
        self.group: list[dict] = []   # text mode: results and user messages since the last turn
        self._tail: dict | None = None

    def reset(self, messages: list[dict]) -> "WireBuilder":
        """Start again from ``messages`` (after a middleware or compaction changed them)."""
        self.wire, self.group, self._tail = [], [], None
        for m in messages:
            self.add(m)
        return self

    def add(self, m: dict) -> None:
        """Append one canonical message."""
        role = m.get("role")
        if self.fmt is None:
            self.wire.append({"role": "system", "content": self.system(m.get("content") or "")} if role == "system"
                             else native_message(m, self.send_reasoning))
            return
        if role == "system":
            self.wire.append({"role": "system", "content": self.system(m.get("content") or "")})
        elif role == "assistant":
            self._close()
            self.wire.append({"role": "assistant", "content": _turn_text(self.fmt, m)})
        else:  # user and tool messages between two turns make one user message
            self.group.append(m)
            self._tail = None

    def _close(self) -> None:
        if self.group:
            self.wire.append(self._group_message())
            self.group, self._tail = [], None

    def _group_message(self) -> dict:
        if self._tail is None:
            self._tail = {"role": "user", "content": group_text(self.fmt, self.group)}
        return self._tail

    def messages(self) -> list[dict]:
        """The request's messages now (a new list; the messages themselves are shared)."""
        if self.fmt is None or not self.group:
            return list(self.wire)
        return self.wire + [self._group_message()]

    def preview(self, text: str) -> list[dict]:
        """:meth:`messages` as they would be with one more user message holding ``text``."""
        if self.fmt is None:
            return self.wire + [{"role": "user", "content": text}]
        return self.wire + [{"role": "user", "content": group_text(self.fmt, self.group + [{"role": "user",
                                                                                             "content": text}])}]


def _turn_text(fmt, m: dict) -> str:
    raw = m.get("raw")
    if isinstance(raw, str):
        return raw
    return fmt.render_assistant(m)


def group_text(fmt, group: list[dict]) -> str:
    """One text-mode user turn: the results (rendered by ``fmt``) and the user texts after them."""
    parts: list[str] = []
    i = 0
    while i < len(group):
        if group[i].get("role") == "tool":
            j = i
            while j < len(group) and group[j].get("role") == "tool":
                j += 1
            parts.append(_results(fmt, group[i:j]))
            i = j
        else:
            parts.append(group[i].get("content") or "")
            i += 1
    return "\n\n".join(parts)


def _results(fmt, results: list[dict]) -> str:
    try:
        return fmt.render_results(results)
    except Exception:  # noqa: BLE001 - a result the format cannot write still reaches the model
        return "\n\n".join(f"[{m.get('name')} result]\n{m.get('content')}" for m in results)


def wire_messages(fmt, system, tools: list[dict], messages: list[dict], send_reasoning: bool) -> list[dict]:
    """The request messages of ``messages`` (see :class:`WireBuilder`)."""
    return WireBuilder(fmt, system, tools, send_reasoning).reset(messages).messages()


def strip_injected(messages: list[dict], kinds: Any = None) -> list[dict]:
    """``messages`` without the user messages the runtime injected (all, or those holding only
    ``kinds``)."""
    out = []
    for m in messages:
        inj = m.get("injected")
        if inj and (kinds is None or set(inj) <= set(kinds)):
            continue
        out.append(m)
    return out
