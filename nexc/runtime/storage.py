"""GlobalStorage: one key-value store shared by every agent (and every tool) of a run.

It is safe from threads (sync tools run in a thread pool) and from asyncio tasks (concurrent tool
calls and sub-agents): every operation takes a re-entrant lock for a few dictionary operations only,
so it never blocks the event loop for long. Values are whatever tools put in; tools that store JSON
values keep trajectories and replays meaningful.
"""
from __future__ import annotations

import copy
import threading
from typing import Any, Callable, Iterator

_MISSING = object()


class GlobalStorage:
    """A thread- and task-safe mapping shared by the whole agent tree of one run."""

    __slots__ = ("_data", "_lock")

    def __init__(self, seed: dict[str, Any] | None = None):
        self._data: dict[str, Any] = copy.deepcopy(dict(seed or {}))
        self._lock = threading.RLock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._data[key] = value

    def setdefault(self, key: str, value: Any) -> Any:
        with self._lock:
            return self._data.setdefault(key, value)

    def delete(self, key: str) -> bool:
        """Remove ``key``; True when it was there."""
        with self._lock:
            return self._data.pop(key, _MISSING) is not _MISSING

    def update(self, key: str, fn: Callable[[Any], Any], default: Any = None) -> Any:
        """Atomically replace ``key``'s value by ``fn(old)`` (``default`` when absent); return the new value.

        Use it for read-modify-write (counters, appending to lists): ``get`` then ``set`` from two
        threads would lose updates.
        """
        with self._lock:
            new = fn(self._data.get(key, default))
            self._data[key] = new
            return new

    def snapshot(self) -> dict[str, Any]:
        """A shallow copy of the whole store."""
        with self._lock:
            return dict(self._data)

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._data)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._data

    def __getitem__(self, key: str) -> Any:
        with self._lock:
            return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.set(key, value)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __repr__(self) -> str:
        return f"GlobalStorage({self.snapshot()!r})"
