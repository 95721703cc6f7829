"""Narrowing a node's span to the place where a word occurs in it, for fields the IR keeps without a
span of their own (stop tools, literal strings)."""
from __future__ import annotations

import re

from nexc.ir.base import Span


def _text(file: str) -> str | None:
    from nexc.source import cached_text

    text = cached_text(file)
    if text is None:
        from nexc.source import MAX_PROMPT_BYTES, read_file_text

        try:
            text = read_file_text(file, limit=MAX_PROMPT_BYTES, what="file")
        except (OSError, UnicodeDecodeError, ValueError):
            return None
    return text


def locate(span: Span, needle: str, *, after: str | None = None, word: bool = True) -> Span:
    """The first occurrence of ``needle`` inside ``span`` (after the first ``after``, when given) as a
    span; ``span`` itself when the text is not available or the needle is not found."""
    text = _text(span.file)
    if text is None or not needle:
        return span
    lines = text.split("\n")
    pat = re.compile((r"(?<![\w.])" + re.escape(needle) + r"(?![\w])") if word else re.escape(needle))
    seen_after = after is None
    for ln in range(span.line, min(span.end_line, len(lines)) + 1):
        line = lines[ln - 1]
        start = span.column - 1 if ln == span.line else 0
        if not seen_after:
            i = line.find(after, start)
            if i < 0:
                continue
            seen_after, start = True, i + len(after)
        m = pat.search(line, start)
        if m:
            return Span(file=span.file, line=ln, column=m.start() + 1, end_line=ln, end_column=m.end() + 1)
    return span
