"""``nexc lint --fix``: apply the exact edits that diagnostics carry, file by file, atomically.

An edit is applied only when the file still holds, at the edit's span, the text the diagnostic saw;
edits that overlap one already taken wait for the next round (the file is linted again after each
round, up to :data:`MAX_ROUNDS`), so one run applies every fix that does not conflict with another.
"""
from __future__ import annotations

from dataclasses import dataclass

#: Lint, fix, lint again — at most this many times.
MAX_ROUNDS = 5


@dataclass(frozen=True)
class Applied:
    """One fix made: the diagnostic's code, where it was, and what it said."""

    code: str
    file: str
    line: int
    column: int
    fix: str


def _offsets(text: str) -> list[int]:
    out, at = [0], 0
    for line in text.split("\n"):
        at += len(line) + 1
        out.append(at)
    return out


def _offset(starts: list[int], text: str, line: int, column: int) -> int | None:
    if not 1 <= line < len(starts):
        return None
    at = starts[line - 1] + column - 1
    end_of_line = starts[line] - 1
    return at if starts[line - 1] <= at <= min(end_of_line, len(text)) else None


def apply_edits(text: str, diags) -> tuple[str, list]:
    """``text`` with the edits of ``diags`` (all in one file) applied, and the diagnostics whose edits
    were applied. Edits whose text changed, or that overlap an earlier one, are left out."""
    starts = _offsets(text)
    chosen, taken = [], []
    for d in diags:
        spans = []
        for e in d.edits:
            a = _offset(starts, text, e.span.line, e.span.column)
            b = _offset(starts, text, e.span.end_line, e.span.end_column)
            if a is None or b is None or b < a or text[a:b] != e.original:
                spans = None
                break
            spans.append((a, b, e.replacement))
        if not spans or any(a < tb and ta < b or (a == b == ta == tb) for a, b, _ in spans for ta, tb in taken):
            continue
        taken.extend((a, b) for a, b, _ in spans)
        chosen.append((d, spans))
    out = text
    for a, b, new in sorted((s for _, ss in chosen for s in ss), reverse=True):
        out = out[:a] + new + out[b:]
    return out, [d for d, _ in chosen]


def fix_files(diags) -> tuple[list[Applied], list[str]]:
    """Apply the edits of ``diags`` to their files; returns what was applied and the problems met
    (a file that cannot be read or written)."""
    from nexc.fileio import write_atomic

    by_file: dict[str, list] = {}
    for d in diags:
        if d.edits and all(e.span.file == d.edits[0].span.file for e in d.edits):
            by_file.setdefault(d.edits[0].span.file, []).append(d)
    applied, problems = [], []
    for file, ds in sorted(by_file.items()):
        try:
            with open(file, "rb") as f:
                data = f.read()
            bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
            text = data.decode("utf-8")[len(bom):]  # spans count from after a BOM, as the frontends read
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}")
            continue
        new, done = apply_edits(text, ds)
        if not done or new == text:
            continue
        try:
            write_atomic(file, bom + new)
        except OSError as exc:
            problems.append(f"cannot write {file}: {exc.strerror or exc}")
            continue
        applied.extend(Applied(d.code, d.span.file, d.span.line, d.span.column, d.fix or "") for d in done)
    return applied, problems


def lint_and_fix(run, paths) -> tuple[list, list[Applied], list[str]]:
    """``run(paths)`` (the lint), apply the fixes, lint again while fixes apply; returns the last
    diagnostics, every fix applied and the problems met."""
    applied, problems = [], []
    diags = run(paths)
    for _ in range(MAX_ROUNDS):
        if not any(d.edits for d in diags):
            break
        done, trouble = fix_files(diags)
        problems.extend(trouble)
        if not done:
            break
        applied.extend(done)
        diags = run(paths)
    return diags, applied, problems
