"""Sampling counts: one place, saved atomically, safe to share between processes.

The file is NexGAP's ``tag_sampling_stats.json`` (``framework``, ``path_counts`` keyed ``root→a→b``,
``total_samples``, ``last_updated``, ``statistics``), read and written as NexGAP does. Every change happens
under an exclusive lock of a sidecar ``FILE.lock`` (``fcntl.flock``; several processes or Ray workers on one
machine see each other's counts and lose none) and is saved by write-to-temporary and rename, so a crash
leaves the old file or the new one, never half of one.
"""
from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

from nexc.fileio import write_atomic


class StatsError(ValueError):
    """The stats file is not NexGAP's format (the message says where)."""


def read_counts(path: str | Path) -> dict[str, int]:
    """``path_counts`` of a stats file (``{}`` when it does not exist)."""
    p = Path(path)
    if not p.exists():
        return {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise StatsError(f"{p}: not JSON ({exc})") from None
    counts = data.get("path_counts", {}) if isinstance(data, dict) else None
    if not isinstance(counts, dict) or not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                                               and v >= 0 for k, v in counts.items()):
        raise StatsError(f"{p}: 'path_counts' must map paths to counts (non-negative integers)")
    return dict(counts)


def write_counts(path: str | Path, framework: str, counts: dict[str, int]) -> None:
    """Save ``counts`` in NexGAP's layout, atomically."""
    p = Path(path)
    values = list(counts.values())
    doc = {"framework": framework, "path_counts": dict(sorted(counts.items())), "total_samples": sum(values),
           "last_updated": time.time(),
           "statistics": {"total_paths_tracked": len(values), "min_count": min(values, default=0),
                          "max_count": max(values, default=0),
                          "avg_count": (sum(values) / len(values)) if values else 0}}
    p.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(p, json.dumps(doc, ensure_ascii=False, indent=2) + "\n", fsync=True)


@contextlib.contextmanager
def locked(path: str | Path):
    """Hold the exclusive lock of the stats file ``path`` (a ``.lock`` file beside it)."""
    import fcntl

    lock = Path(str(path) + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class SharedCounts:
    """Counts shared through a stats file: :meth:`update` reads the current counts, lets ``fn`` choose and
    change them, and saves — all under the lock. Without a file the counts live in memory."""

    def __init__(self, path: str | Path | None, framework: str):
        self.path, self.framework = (Path(path) if path else None), framework
        self.memory: dict[str, int] = {}

    def update(self, fn):
        if self.path is None:
            return fn(self.memory)
        with locked(self.path):
            counts = read_counts(self.path)
            out = fn(counts)
            write_counts(self.path, self.framework, counts)
            return out

    def snapshot(self) -> dict[str, int]:
        return dict(self.memory) if self.path is None else read_counts(self.path)
