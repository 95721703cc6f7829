"""The one exception type of ``nexc train``: a problem the user can fix, shown as a message (no
traceback) with exit code 2."""
from __future__ import annotations


class TrainError(Exception):
    """A user-fixable training problem. ``hint`` is an optional second line (what to do);
    ``every_rank`` marks problems that may differ between processes (out of memory), which every
    rank reports; others are reported by the main process only."""

    def __init__(self, message: str, hint: str | None = None, *, every_rank: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.every_rank = every_rank

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message
