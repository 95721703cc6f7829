"""A fast pre-scan of ``.nex`` text, independent of the grammar: comments, bracket nesting, unclosed
brackets and strings, and where top-level declarations start.

It runs before Lark, so that hostile input (10,000 nested ``[``) is rejected before any recursion, and
it gives the formatter the comments and the error reporter the place where an unclosed thing opened.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

#: Words that start a top-level declaration (only at the start of a line count for error recovery).
DECL_KEYWORDS = ("nex", "framework", "import", "llm", "tool", "mcp", "skill", "agent", "entry")
MAX_DEPTH = 100

_TOKEN = re.compile(
    r'(?P<s>[rR]?(?:"""(?>[^"\\]+|\\[\s\S]?|"(?!""))*+(?:(?P<e1>""")|\Z)'
    r"|'''(?>[^'\\]+|\\[\s\S]?|'(?!''))*+(?:(?P<e2>''')|\Z)"
    r'|"(?>[^"\\\n]+|\\[^\n])*+(?P<e3>")?'
    r"|'(?>[^'\\\n]+|\\[^\n])*+(?P<e4>')?))"
    r"|(?P<c>#[^\n]*)"
    r"|(?P<o>[\[{(])"
    r"|(?P<x>[\]})])"
)
_DECL_START = re.compile(r"^(?:(?:llm|tool|mcp|skill|agent|entry)[ \t]+[A-Za-z_]|import[ \t]+[rR]?[\"']|nex[ \t]+[0-9]"
                         r"|framework(?![A-Za-z0-9_])(?![ \t]*[=:]))", re.M)


@dataclass
class Scan:
    """What the pre-scan found. Offsets are character offsets into the text."""

    text: str
    comments: list[tuple[int, str]] = field(default_factory=list)
    strings: list[tuple[int, int]] = field(default_factory=list)
    unclosed: list[tuple[int, str]] = field(default_factory=list)
    unterminated: tuple[int, str] | None = None
    too_deep: int | None = None
    _lines: list[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of ``offset``."""
        if self._lines is None:
            self._lines = [0] + [m.end() for m in re.finditer("\n", self.text)]
        offset = max(0, min(offset, len(self.text)))
        i = bisect.bisect_right(self._lines, offset) - 1
        return i + 1, offset - self._lines[i] + 1

    def in_string(self, offset: int) -> bool:
        """Whether ``offset`` lies inside a string literal."""
        i = bisect.bisect_right(self.strings, (offset, float("inf"))) - 1
        return i >= 0 and self.strings[i][0] < offset < self.strings[i][1]

    def decl_starts(self) -> list[int]:
        """Offsets of lines that start (in column 1) with a declaration keyword, outside strings."""
        return [m.start() for m in _DECL_START.finditer(self.text) if not self.in_string(m.start())]


def scan(text: str, *, max_depth: int = MAX_DEPTH) -> Scan:
    """Scan ``text`` once."""
    out = Scan(text)
    stack: list[tuple[int, str]] = []
    for m in _TOKEN.finditer(text):
        kind = "s" if m.group("s") is not None else m.lastgroup
        if kind == "s":
            out.strings.append((m.start(), m.end()))
            if out.unterminated is None and not (m.group("e1") or m.group("e2") or m.group("e3") or m.group("e4")):
                q = m.group().lstrip("rR")
                out.unterminated = (m.start(), q[:3] if q[:3] in ('"""', "'''") else q[:1])
        elif kind == "c":
            out.comments.append((m.start(), m.group()))
        elif kind == "o":
            stack.append((m.start(), m.group()))
            if len(stack) > max_depth and out.too_deep is None:
                out.too_deep = m.start()
        elif stack:
            stack.pop()
    out.unclosed = stack
    return out
