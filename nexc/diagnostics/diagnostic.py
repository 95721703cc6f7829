"""A diagnostic (one problem, located) and the :class:`Reporter` that collects all of a run's problems."""
from __future__ import annotations

from dataclasses import dataclass, field

from nexc.diagnostics import registry
from nexc.diagnostics.suggest import did_you_mean
from nexc.ir.base import Span


@dataclass(frozen=True)
class Diagnostic:
    """One problem: which rule, where, what exactly, and optionally notes and a fix."""

    code: str
    severity: str
    span: Span
    message: str
    notes: tuple[str, ...] = ()
    fix: str | None = None

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


@dataclass
class Reporter:
    """Collects diagnostics; passes report into it instead of raising."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def report(self, code: str, span: Span, message: str, *, notes: tuple[str, ...] | list[str] = (),
               fix: str | None = None, severity: str | None = None) -> Diagnostic:
        """Record a problem under ``code`` (its registered severity unless overridden)."""
        r = registry.get(code)
        if r is None:
            raise KeyError(f"unregistered diagnostic code {code}")
        d = Diagnostic(code, severity or r.severity, span, message, tuple(notes), fix)
        self.diagnostics.append(d)
        return d

    def unknown_name(self, code: str, span: Span, what: str, name: str, candidates,
                     fix_template: str | None = None) -> Diagnostic:
        """Report an unknown name with a did-you-mean suggestion from ``candidates`` when one is close."""
        guess = did_you_mean(name, candidates)
        msg = f"unknown {what} '{name}'"
        fix = None
        if guess:
            msg += f"; did you mean '{guess}'?"
            fix = (fix_template or "replace '{name}' with '{guess}'").format(name=name, guess=guess)
        return self.report(code, span, msg, fix=fix)

    def extend(self, diags) -> None:
        self.diagnostics.extend(diags)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def sorted(self) -> list[Diagnostic]:
        """Diagnostics in a stable order (file, position, code), without exact duplicates."""
        seen, out = set(), []
        for d in sorted(self.diagnostics, key=Diagnostic.sort_key):
            key = (d.code, d.span, d.message)
            if key not in seen:
                seen.add(key)
                out.append(d)
        return out
