"""Rendering diagnostics: text with a code frame and carets (colour only on a terminal), and JSON.

Detection never formats text; everything a user reads about a problem is produced here.
"""
from __future__ import annotations

import json
from typing import Iterable

from nexc.diagnostics.diagnostic import Diagnostic

_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
_BOLD, _DIM, _BLUE, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[34m", "\x1b[0m"
_MAX_LINE = 200


def _source_line(file: str, line: int) -> str | None:
    from nexc.source import cached_text

    text = cached_text(file)
    if text is None:
        try:
            with open(file, encoding="utf-8") as fh:
                text = fh.read(8 * 1024 * 1024)
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        from nexc.source import remember

        remember(file, text)
    lines = text.split("\n")
    if 1 <= line <= len(lines):
        return lines[line - 1].rstrip("\r")
    return None


def _frame(d: Diagnostic, colour: bool) -> list[str]:
    s = d.span
    src = _source_line(s.file, s.line)
    if src is None:
        return []
    shown = src.replace("\t", " ")
    start = max(1, s.column)
    if len(shown) > _MAX_LINE:  # keep the caret in view on very long lines
        cut = max(0, start - _MAX_LINE // 2)
        shown = ("…" if cut else "") + shown[cut:cut + _MAX_LINE] + "…"
        start = start - cut + (1 if cut else 0)
    width = (s.end_column - s.column) if s.end_line == s.line else len(src) - s.column + 1
    width = max(1, min(width, len(shown) - start + 2))
    gutter = str(s.line)
    pad = " " * len(gutter)
    caret = " " * (start - 1) + "^" * width
    if colour:
        c = _COLOURS.get(d.severity, "")
        return [f"{_BLUE}{pad} |{_RESET}", f"{_BLUE}{gutter} |{_RESET} {shown}", f"{_BLUE}{pad} |{_RESET} {c}{caret}{_RESET}"]
    return [f"{pad} |", f"{gutter} | {shown}", f"{pad} | {caret}"]


def render_text(diags: Iterable[Diagnostic], *, colour: bool = False) -> str:
    """Every diagnostic as ``file:line:col: severity[CODE name]: message``, a code frame, notes and fix,
    then a summary line."""
    out: list[str] = []
    counts = {"error": 0, "warning": 0, "info": 0}
    for d in diags:
        counts[d.severity] = counts.get(d.severity, 0) + 1
        s = d.span
        head = f"{s.file}:{s.line}:{s.column}: {d.severity}[{d.code} {d.name}]: {d.message}"
        if colour:
            c = _COLOURS.get(d.severity, "")
            head = (f"{_BOLD}{s.file}:{s.line}:{s.column}:{_RESET} {c}{d.severity}[{d.code} {d.name}]{_RESET}: "
                    f"{_BOLD}{d.message}{_RESET}")
        out.append(head)
        out.extend(_frame(d, colour))
        for n in d.notes:
            out.append(f"  = note: {n}")
        if d.fix:
            out.append(f"  = fix: {d.fix}")
        out.append("")
    parts = [f"{n} {k}{'s' if n != 1 else ''}" for k, n in counts.items() if n]
    out.append("; ".join(parts) if parts else "no problems found")
    return "\n".join(out) + "\n"


def render_json(diags: Iterable[Diagnostic]) -> str:
    """``{"diagnostics": [...]}`` with the fields of :meth:`Diagnostic.to_json`."""
    return json.dumps({"diagnostics": [d.to_json() for d in diags]}, indent=2, ensure_ascii=False) + "\n"


#: Renderers by ``--format`` name.
RENDERERS = {"text": render_text, "json": render_json}
