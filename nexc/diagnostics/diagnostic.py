"""A diagnostic (one problem, located) and the :class:`Reporter` that collects all of a run's problems."""
from __future__ import annotations

from dataclasses import dataclass, field

from nexc.diagnostics import registry
from nexc.diagnostics.suggest import did_you_mean
from nexc.ir.base import Span


@dataclass(frozen=True)
class Edit:
    """A machine-applicable change: replace the text at ``span`` (which read ``original`` when the
    diagnostic was made; empty for an insertion at a zero-width span) with ``replacement``."""

    span: Span
    replacement: str
    original: str = ""


@dataclass(frozen=True)
class Diagnostic:
    """One problem: which rule, where, what exactly, and optionally notes and a fix. ``fix`` says the fix
    in words; ``edits``, when the fix is exact, are the changes that make it (``nexc lint --fix``)."""

    code: str
    severity: str
    span: Span
    message: str
    notes: tuple[str, ...] = ()
    fix: str | None = None
    edits: tuple[Edit, ...] = ()

    @property
    def name(self) -> str:
        """The rule's kebab-case name."""
        r = registry.get(self.code)
        return r.name if r else "unknown"

    def sort_key(self) -> tuple:
        s = self.span
        return (s.file, s.line, s.column, self.code, self.message)

    def to_json(self) -> dict:
        """The JSON form: exactly ``code, name, severity, file, line, column, end_line, end_column,
        message`` plus ``notes`` and ``fix`` when present."""
        out = {
            "code": self.code, "name": self.name, "severity": self.severity, "file": self.span.file,
            "line": self.span.line, "column": self.span.column, "end_line": self.span.end_line,
            "end_column": self.span.end_column, "message": self.message,
        }
        if self.notes:
            out["notes"] = list(self.notes)
        if self.fix:
            out["fix"] = self.fix
        return out


def span_text(span: Span, sources: dict[str, str]) -> str | None:
    """The source text ``span`` covers in ``sources`` (path → the file's text as the build read it), or
    ``None`` when the file is not there."""
    text = sources.get(span.file) if span.file and not span.file.startswith("<") else None
    if text is None:
        return None
    lines = text.split("\n")
    if not (1 <= span.line <= span.end_line <= len(lines)):
        return None
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1:span.end_column - 1]
    parts = [lines[span.line - 1][span.column - 1:], *lines[span.line:span.end_line - 1],
             lines[span.end_line - 1][:span.end_column - 1]]
    return "\n".join(parts)


def name_edit(span: Span, name: str, replacement: str, sources: dict[str, str]) -> Edit | None:
    """The edit replacing the one occurrence of the identifier ``name`` inside ``span`` (quotes and a
    ``server.`` prefix or ``.tool`` suffix around it stay), or ``None`` when it is not there exactly once."""
    import re

    text = span_text(span, sources)
    if not text or not name:
        return None
    hits = [m.start() for m in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text)]
    if len(hits) != 1:
        return None
    before = text[:hits[0]]
    line = span.line + before.count("\n")
    column = (span.column + len(before)) if "\n" not in before else len(before.rsplit("\n", 1)[1]) + 1
    at = Span(file=span.file, line=line, column=column, end_line=line, end_column=column + len(name))
    return Edit(at, replacement, name)


@dataclass
class Reporter:
    """Collects diagnostics; passes report into it instead of raising. ``sources`` holds the text of every
    file this run read (path as diagnostics name it → text), put there by whoever reads a file: code frames,
    suppression comments and exact edits are made from it, never from a process-wide cache."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def report(self, code: str, span: Span, message: str, *, notes: tuple[str, ...] | list[str] = (),
               fix: str | None = None, severity: str | None = None, edits=()) -> Diagnostic:
        """Record a problem under ``code`` (its registered severity unless overridden); ``edits`` are the
        exact changes of ``fix``, when it has them."""
        r = registry.get(code)
        if r is None:
            raise KeyError(f"unregistered diagnostic code {code}")
        d = Diagnostic(code, severity or r.severity, span, message, tuple(notes), fix, tuple(edits or ()))
        self.diagnostics.append(d)
        return d

    def unknown_name(self, code: str, span: Span, what: str, name: str, candidates,
                     fix_template: str | None = None) -> Diagnostic:
        """Report an unknown name with a did-you-mean suggestion from ``candidates`` when one is close
        (with the edit that replaces the name, when the name occurs once in ``span``'s text)."""
        guess = did_you_mean(name, candidates)
        msg = f"unknown {what} '{name}'"
        fix, edits = None, ()
        if guess:
            msg += f"; did you mean '{guess}'?"
            fix = (fix_template or "replace '{name}' with '{guess}'").format(name=name, guess=guess)
            found = name_edit(span, name, guess, self.sources)
            edits = (found,) if found else ()
        return self.report(code, span, msg, fix=fix, edits=edits)

    def extend(self, diags) -> None:
        self.diagnostics.extend(diags)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def sorted(self) -> list[Diagnostic]:
        """Diagnostics in a stable order (file, position, code), without exact duplicates."""
        return sorted_unique(self.diagnostics)


def sorted_unique(diags) -> list[Diagnostic]:
    """``diags`` in a stable order (file, position, code, message) without exact duplicates (the same code,
    place, message and severity): what every command prints."""
    seen, out = set(), []
    for d in sorted(diags, key=Diagnostic.sort_key):
        key = (d.code, d.span, d.message, d.severity)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
