"""Crash-safe, resumable JSON Lines output, and the sample ids that make resuming exact.

A sample's id is a 64-bit BLAKE2b digest of the LLM call it comes from (trace and span id, or
the conversation itself when a record has no span id), the format and the granularity, written
as 16 hex digits at the very start of each line (``{"id":"…"``) so a resume reads ids without
parsing lines. Lines are written whole and flushed in batches; a crash can leave at most one
partial last line, which :class:`SampleFile` cuts off when it reopens the file. Ids already in
the file are kept in :class:`IdIndex` (8 bytes per sample) so no sample is written twice.
"""
from __future__ import annotations

import hashlib
import heapq
import os
from array import array
from bisect import bisect_left
from pathlib import Path
from typing import IO

from nexc.formats.messages import compact_encoder

_PREFIX = '{"id":"'


def sample_id(trace_id: str | None, span_id: str | None, content_key: str, fmt: str, granularity: str) -> str:
    """The stable id of a sample (see the module docstring)."""
    if span_id is not None:
        key = f"span\0{trace_id}\0{span_id}"
    else:
        key = "content\0" + content_key
    digest = hashlib.blake2b(f"{key}\0{fmt}\0{granularity}".encode("utf-8", "surrogatepass"), digest_size=8)
    return digest.hexdigest()


class IdIndex:
    """A set of 16-hex-digit ids in 8 bytes each: a sorted array plus a small set merged into it."""

    _MERGE = 1 << 14

    def __init__(self, ids=()) -> None:
        self._sorted = array("Q", sorted({int(i, 16) for i in ids}))
        self._recent: set[int] = set()

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def __contains__(self, sid: str) -> bool:
        n = int(sid, 16)
        if n in self._recent:
            return True
        i = bisect_left(self._sorted, n)
        return i < len(self._sorted) and self._sorted[i] == n

    def add(self, sid: str) -> None:
        self._recent.add(int(sid, 16))
        if len(self._recent) >= self._MERGE:
            self._sorted = array("Q", heapq.merge(self._sorted, sorted(self._recent)))
            self._recent = set()


def repair(path: Path) -> int:
    """Cut a partial last line (no trailing newline) off ``path``; returns the bytes removed."""
    if not path.is_file():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as fh:
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return 0
        pos, chunk = size, 1 << 16
        keep = 0
        while pos > 0:
            start = max(0, pos - chunk)
            fh.seek(start)
            block = fh.read(pos - start)
            nl = block.rfind(b"\n")
            if nl >= 0:
                keep = start + nl + 1
                break
            pos = start
        fh.truncate(keep)
        return size - keep


def read_ids(path: Path) -> list[str]:
    """The ids of the samples in ``path`` (lines that do not start with an id are ignored)."""
    ids = []
    if path.is_file():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(_PREFIX) and line[23:24] == '"':
                    ids.append(line[7:23])
    return ids


class SampleFile:
    """``data.jsonl`` of one format, opened for appending after :func:`repair`."""

    FLUSH_EVERY = 256

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.repaired = repair(path)
        self.ids = IdIndex(read_ids(path))
        self.existing = len(self.ids)
        self._fh: IO[bytes] = open(path, "ab")
        self._pending = 0

    def write(self, sid: str, fields_json: str) -> None:
        """Append the sample ``{"id": sid, …fields}`` (``fields_json``: a JSON object's text);
        ``UnicodeEncodeError`` (lone surrogates) before anything is written."""
        self._fh.write((_PREFIX + sid + '",' + fields_json[1:] + "\n").encode("utf-8"))
        self.ids.add(sid)
        self._pending += 1
        if self._pending >= self.FLUSH_EVERY:
            self._fh.flush()
            self._pending = 0

    def close(self) -> None:
        """Flush and fsync."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()


#: JSON text of an object as written to the data files (compact, ``ensure_ascii=False``, insertion order)
encode = compact_encoder(":", ",")
