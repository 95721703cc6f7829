"""Inline suppressions: ``# nex: ignore[NEX201]``, ``# nex: ignore[unknown-tool]``, several
comma-separated (``# nex: ignore[NEX401, unused-tool]``), in ``.nex`` and YAML files alike.

A suppression applies to diagnostics whose start line is the comment's line, or — when the comment
stands on a line of its own — the next line. A code or name that suppresses nothing is reported
(NEX490, unused-suppression); one that names no rule is NEX491 (unknown-rule). Comments are found by
a line scan (``#`` followed by ``nex: ignore[…]``), so the same text inside a string also counts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from nexc.ir.base import Span
from nexc.lint.selectors import known, specificity, suggest

_COMMENT = re.compile(r"#\s*nex:\s*ignore\[([^\]]*)\]")


@dataclass
class Suppression:
    """One selector of one comment, with where it stands and whether it was used."""

    selector: str
    span: Span
    lines: tuple[int, ...]
    used: bool = field(default=False)


def parse(file: str, text: str) -> list[Suppression]:
    """Every suppression selector in ``text``."""
    out = []
    if "nex:" not in text:
        return out
    for n, line in enumerate(text.split("\n"), start=1):
        if "#" not in line:
            continue
        for m in _COMMENT.finditer(line):
            own_line = not line[:m.start()].strip()
            lines = (n, n + 1) if own_line else (n,)
            offset = m.start(1)
            for part in m.group(1).split(","):
                sel = part.strip()
                if sel:
                    col = offset + part.index(sel) + 1
                    out.append(Suppression(sel, Span(file=file, line=n, column=col, end_line=n,
                                                      end_column=col + len(sel)), lines))
                offset += len(part) + 1
    return out


def apply(diags, texts: dict[str, str]):
    """``(kept, extra)``: the diagnostics that no suppression matched, and NEX490/NEX491 for unused
    or unknown selectors in the files of ``texts`` (file → text)."""
    from nexc.diagnostics import Diagnostic, get

    by_file = {f: parse(f, t) for f, t in texts.items()}
    kept = []
    for d in diags:
        hit = False
        for s in by_file.get(d.span.file, ()):
            if d.span.line in s.lines and d.code not in ("NEX490", "NEX491") and specificity(s.selector, d.code, d.name):
                s.used = hit = True
        if not hit:
            kept.append(d)
    extra = []
    for sups in by_file.values():
        for s in sups:
            if not known(s.selector):
                r = get("NEX491")
                guess = suggest(s.selector)
                extra.append(Diagnostic("NEX491", r.severity, s.span,
                                        f"'{s.selector}' in a suppression comment names no rule"
                                        + (f"; did you mean '{guess}'?" if guess else ""),
                                        fix=f"replace it with '{guess}'" if guess
                                        else "use a code or name from `nexc explain --list`"))
            elif not s.used:
                r = get("NEX490")
                extra.append(Diagnostic("NEX490", r.severity, s.span,
                                        f"suppression of '{s.selector}' matches no diagnostic on this line",
                                        fix=f"remove '{s.selector}' from the comment"))
    return kept, extra
