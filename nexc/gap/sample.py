"""The allocator: one seeded source of (problem type, persona, difficulty) draws.

Modes: ``balanced`` — the least-drawn leaf first, ties broken by the seeded generator, so per-leaf counts never
differ by more than one (counts already in the stats file included); ``inverse-frequency`` — each leaf with
weight ``1 / (count + 1) ** alpha`` (NexGAP's α = 1.5), counts updated after every draw (NexGAP's parallel mode
never saves them, which makes its draws uniform). ``truncate`` (k ≥ 1): a drawn leaf is cut back to a node at a
depth between k and its own, uniformly, as NexGAP does. Counts live in :class:`~nexc.gap.stats.SharedCounts`:
each draw reads the shared counts, so several processes drawing into one file lose no count.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from nexc.gap.stats import SharedCounts
from nexc.gap.taxonomy import Taxonomy

MODES = ("balanced", "inverse-frequency")
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Draw:
    """One allocation: the taxonomy path (root's child → node), the persona index, the difficulty."""

    index: int
    path: tuple[str, ...]
    persona: int | None
    difficulty: str


class Allocator:
    def __init__(self, tax: Taxonomy, *, mode: str = "balanced", alpha: float = 1.5, seed: int = 0,
                 stats: str | None = None, truncate: int | None = None, personas: int = 0,
                 difficulties: dict[str, float] | None = None):
        if mode not in MODES:
            raise ValueError(f"unknown sampling mode {mode!r}; modes: {', '.join(MODES)}")
        self.tax, self.mode, self.alpha, self.truncate = tax, mode, float(alpha), truncate
        self.rng = random.Random(seed)
        self.counts = SharedCounts(stats, tax.framework)
        self.leaves = [leaf.path for leaf in tax.leaves()]
        self.keys = [tax.key(p) for p in self.leaves]
        self.personas = personas
        self.difficulties = difficulties or {"easy": 1.0, "medium": 1.0, "hard": 1.0}
        self.n = 0

    def _choose(self, counts: dict[str, int]) -> int:
        leaf_counts = [counts.get(k, 0) for k in self.keys]
        if self.mode == "balanced":
            low = min(leaf_counts)
            return self.rng.choice([i for i, c in enumerate(leaf_counts) if c == low])
        weights = [1.0 / (c + 1) ** self.alpha for c in leaf_counts]
        return self.rng.choices(range(len(self.keys)), weights=weights)[0]

    def draw(self) -> Draw:
        def pick(counts):
            i = self._choose(counts)
            path = self.leaves[i]
            if self.truncate and len(path) > self.truncate:
                path = path[:self.rng.randint(self.truncate, len(path))]
            # the leaf's count drives balance; a truncated path is counted under its own key too
            counts[self.keys[i]] = counts.get(self.keys[i], 0) + 1
            if path != self.leaves[i]:
                k = self.tax.key(path)
                counts[k] = counts.get(k, 0) + 1
            return path

        path = self.counts.update(pick)
        persona = self.rng.randrange(self.personas) if self.personas else None
        names = list(self.difficulties)
        difficulty = self.rng.choices(names, weights=[self.difficulties[d] for d in names])[0]
        d = Draw(self.n, tuple(path), persona, difficulty)
        self.n += 1
        return d


def coverage(tax: Taxonomy, counts: dict[str, int]) -> dict:
    """Leaves never drawn and the spread of leaf counts."""
    leaf_counts = [counts.get(tax.key(leaf.path), 0) for leaf in tax.leaves()]
    return {"leaves": len(leaf_counts), "undrawn": sum(1 for c in leaf_counts if c == 0),
            "min": min(leaf_counts, default=0), "max": max(leaf_counts, default=0)}
