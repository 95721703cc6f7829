"""What an emitter gives back: :class:`EmitResult` when it staged its files, :class:`EmitError` when the
framework cannot become this target's output. Emitters never print and never import click; ``nexc build``
(``nexc.commands.build``) prints the summary and report and turns an :class:`EmitError` into a diagnostic
rendered like any other (codes ``NEX5xx``, ``nexc.diagnostics.codes.build``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nexc.diagnostics import Diagnostic
    from nexc.ir.base import Span


@dataclass(frozen=True)
class EmitResult:
    """``summary``: the line ``nexc build`` appends to the target's status line (None: nothing to add);
    ``report``: text for the user's attention (warnings, a coverage report), printed to stderr as it is."""

    summary: str | None
    report: str | None = None

    @classmethod
    def of(cls, value: "EmitResult | str | None") -> "EmitResult":
        """An emitter's return value as a result (plugin emitters may return the summary string alone)."""
        return value if isinstance(value, EmitResult) else cls(value)


class EmitError(Exception):
    """The framework cannot be written as this target: a registered ``code`` (``NEX500`` …), the
    ``message``, where in the spec (``span``; None when the value has no place, e.g. a synthesised node)
    and an optional ``fix``."""

    def __init__(self, code: str, message: str, span: "Span | None" = None, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.span, self.fix = code, message, span, fix

    def diagnostic(self, fallback: "Span") -> "Diagnostic":
        """This error as a :class:`~nexc.diagnostics.Diagnostic` (at ``fallback`` when it has no span)."""
        from nexc.diagnostics import Diagnostic, get

        rule = get(self.code)
        if rule is None:
            raise KeyError(f"unregistered diagnostic code {self.code}")
        return Diagnostic(self.code, rule.severity, self.span or fallback, self.message, fix=self.fix)
