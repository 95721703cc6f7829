"""Judge verdicts: the one ordered scale shared by the trajectory judge (``nexc gap filter --judge``),
its ``verdicts.jsonl`` and the dataset gate (``nexc dataset build --min-verdict``).

A verdict says whether a run is fit to train on, worst first:

- ``bad``: wrong or harmful to learn from (reward hacking, fabricated results, the task not done);
- ``poor``: done, with defects a model should not imitate;
- ``ok``: done, minor issues only;
- ``good``: done well, nothing to note.
"""
from __future__ import annotations

#: The verdict scale, worst first; the index is the order.
VERDICTS: tuple[str, ...] = ("bad", "poor", "ok", "good")


def rank(verdict: str) -> int:
    """Position of ``verdict`` on the scale (``bad`` = 0); ``ValueError`` for a word not on it."""
    try:
        return VERDICTS.index(verdict)
    except ValueError:
        raise ValueError(f"unknown verdict {verdict!r}: expected one of {', '.join(VERDICTS)}") from None


def at_least(verdict: str, minimum: str) -> bool:
    """True when ``verdict`` is ``minimum`` or better."""
    return rank(verdict) >= rank(minimum)
