"""Did-you-mean suggestions for misspelt names and keys."""
from __future__ import annotations

import difflib
from typing import Iterable


def did_you_mean(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate closest to ``name`` (case-insensitive first), or ``None`` if nothing is close."""
    cands = sorted({c for c in candidates if isinstance(c, str)})
    if not cands or not isinstance(name, str):
        return None
    lower = {c.lower(): c for c in cands}
    if name.lower() in lower and lower[name.lower()] != name:
        return lower[name.lower()]
    m = difflib.get_close_matches(name, cands, n=1, cutoff=cutoff)
    if m:
        return m[0]
    m = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=cutoff)
    return lower[m[0]] if m else None
