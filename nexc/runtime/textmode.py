"""Text-mode turns: which of the calls a format read from a reply the model actually finished.

Some parsers read a call whose block the reply never closed (``<tool_call>\\n<function=get_issue>…`` and
the reply ends): a reply cut by ``max_tokens``, or a model that stopped half-way. The runtime runs only
closed calls: the rendering of the calls (:meth:`~nexc.formats.base.Format.render_assistant`) ends with
the format's closing marker (``</tool_call>``, ``<|tool_calls_section_end|>``, ``}``), and a call counts
as closed when the reply holds that marker after it — where the endpoint stopped at a closing stop string,
:meth:`~nexc.formats.base.Format.finish_turn` has already put it back. The calls after the last closed one
become format errors (the model is told they were not run). A format whose unclosed calls are complete
says so with a true ``unclosed_calls_complete`` class attribute.
"""
from __future__ import annotations

import re

_CLOSING = re.compile(r"(</[^<>\n]+>|<[|｜][^<>\n]*[|｜]>|\]|\})\s*$")


def closing_marker(fmt, calls: list[dict]) -> str | None:
    """The text the rendering of ``calls`` in ``fmt`` ends with (its closing tag), or None when there is none
    to look for (a renderer that refuses the calls, a rendering without a closing marker)."""
    try:
        rendered = fmt.render_assistant({"role": "assistant", "content": "", "tool_calls": calls})
    except Exception:  # noqa: BLE001 - a turn the renderer refuses: nothing to check against
        return None
    text = rendered.rstrip()
    for stop in getattr(fmt, "stop_sequences", ()) or ():
        if stop and text.endswith(stop):
            text = text[:-len(stop)].rstrip()
    m = _CLOSING.search(text)
    return m.group(1) if m else None


def _same(a: list[dict], b: list[dict]) -> bool:
    return [(c["function"]["name"], c["function"]["arguments"]) for c in a] == \
        [(c["function"]["name"], c["function"]["arguments"]) for c in b]


def closed_calls(fmt, text: str, calls: list[dict], tools: list[dict] | None) -> tuple[int, str | None]:
    """How many of ``calls`` (read from ``text``) are closed, and the closing marker looked for."""
    if not calls or getattr(fmt, "unclosed_calls_complete", False):
        return len(calls), None
    marker = closing_marker(fmt, calls)
    if marker is None:
        return len(calls), None
    tail = text.rstrip()
    if tail.endswith(marker):
        return len(calls), marker
    pos = tail.rfind(marker)
    while pos >= 0:
        got = fmt.parse_assistant(tail[:pos + len(marker)], tools)
        n = len(got.tool_calls)
        if not got.errors and n <= len(calls) and _same(got.tool_calls, calls[:n]):
            return n, marker
        pos = tail.rfind(marker, 0, pos)
    return 0, marker
