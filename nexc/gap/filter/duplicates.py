"""``duplicate-task``: runs whose task is the same as, or nearly the same as, an earlier run's (MinHash).

The task is the entry agent's first user message. Exact duplicates are found by the hash of its normalised
words; near duplicates by MinHash over word shingles (``Config.shingle`` words): ``Config.minhash_perm``
independent 32-bit hash functions — the words of a SHAKE-128 stream of the seed and the shingle, so signatures
are the same in every process and for every seed a different family — banded for locality-sensitive lookup
(bands of 5 rows), candidates confirmed by the signatures' agreement (the Jaccard estimate) reaching
``Config.duplicate_jaccard``. The first run of a group is kept; each later one is a finding at its task.
"""
from __future__ import annotations

import hashlib
import operator
import re
import struct

from nexc.gap.filter.model import Finding, Run, depth_of, short
from nexc.gap.filter.registry import Config, rule

_WORD = re.compile(r"\w+", re.UNICODE)
_ROWS = 5  # 12 bands of 5 rows (of 64): a pair at Jaccard 0.8 meets in one with p ≈ 0.99, at 0.4 p ≈ 0.12


class MinHash:
    """Seeded MinHash signatures of word-shingle sets."""

    def __init__(self, perm: int = 64, shingle: int = 3, seed: int = 0):
        self.perm, self.shingle = perm, shingle
        self.key = f"nexc-minhash:{seed}:".encode()
        self.unpack = struct.Struct(f"<{perm}I").unpack

    def shingles(self, text: str) -> set[str]:
        words = _WORD.findall(text.lower())
        n = self.shingle
        return {" ".join(words[i:i + n]) for i in range(max(1, len(words) - n + 1))} if words else set()

    def signature(self, text: str) -> tuple[int, ...]:
        """The minimum over the shingles of ``perm`` independent 32-bit hashes (one SHAKE-128 stream per
        shingle, keyed by the seed)."""
        hs = [self.unpack(hashlib.shake_128(self.key + g.encode("utf-8", "surrogatepass")).digest(4 * self.perm))
              for g in self.shingles(text)]
        if not hs:
            return ()
        return tuple(map(min, zip(*hs)))

    @staticmethod
    def similarity(s: tuple[int, ...], t: tuple[int, ...]) -> float:
        """The signatures' agreement: an estimate of the shingle sets' Jaccard similarity."""
        if not s or not t:
            return 0.0
        return sum(map(operator.eq, s, t)) / len(s)


class _Index:
    """The tasks seen so far: exact hashes and LSH bands."""

    def __init__(self, cfg: Config):
        self.mh = MinHash(cfg.minhash_perm, cfg.shingle, cfg.seed)
        self.threshold = cfg.duplicate_jaccard
        self.exact: dict[str, str] = {}
        self.bands: dict[tuple, list[int]] = {}
        self.sigs: list[tuple[tuple[int, ...], str]] = []

    def check(self, run: Run):
        task = run.task()
        words = _WORD.findall(task.lower())
        if not words:
            return
        where = _task_location(run)
        key = hashlib.sha256(" ".join(words).encode("utf-8", "surrogatepass")).hexdigest()
        first = self.exact.get(key)
        if first is not None:
            yield Finding("duplicate-task", *where, short(f"the same task as run {first}: {task}"))
            return
        self.exact[key] = run.trace_id
        sig = self.mh.signature(task)
        keys = [(i, sig[i:i + _ROWS]) for i in range(0, len(sig) - _ROWS + 1, _ROWS)]
        best, best_sim = None, 0.0
        for j in sorted({j for k in keys for j in self.bands.get(k, ())}):
            sim = MinHash.similarity(sig, self.sigs[j][0])
            if sim > best_sim:  # the earliest of the most similar
                best, best_sim = j, sim
        if best is not None and best_sim >= self.threshold:
            yield Finding("duplicate-task", *where,
                          short(f"nearly the task of run {self.sigs[best][1]} (Jaccard ≈ {best_sim:.2f}): {task}"))
            return
        n = len(self.sigs)
        self.sigs.append((sig, run.trace_id))
        for k in keys:
            self.bands.setdefault(k, []).append(n)


def _task_location(run: Run) -> tuple[int, int | None]:
    for i, rec in enumerate(run.records):
        if depth_of(rec) == 0:
            msgs = rec.get("messages")
            for j, m in enumerate(msgs if isinstance(msgs, list) else ()):
                if isinstance(m, dict) and m.get("role") == "user" and not m.get("injected"):
                    return i, j
            return i, None
    return 0, None


@rule("duplicate-task", "NEX830", "The run's task is the same as, or nearly the same as, an earlier run's.",
      corpus=True)
def duplicate_task(cfg: Config) -> _Index:
    return _Index(cfg)
