"""A build output directory that never loses a user's files.

Files are written only when their content changes (so a rebuild touches only what changed); every
file written is recorded in ``.nexc-files``; a file that exists but was not written by nexc is never
overwritten or deleted unless ``force`` is set, and files nexc wrote earlier that a rebuild no longer
produces are removed only if they are unchanged since nexc wrote them.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

RECORD = ".nexc-files"


class OutputConflict(Exception):
    """An output file exists and was not written by nexc."""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class OutputDir:
    """Collects the files of one build and writes them safely on :meth:`commit`."""

    def __init__(self, root: Path, *, force: bool = False) -> None:
        self.root, self.force = Path(root), force
        self.files: dict[str, bytes] = {}

    def add(self, rel: str, content: str | bytes) -> None:
        """Stage ``content`` for ``rel`` (a POSIX path inside the output directory)."""
        p = Path(rel)
        if p.is_absolute() or ".." in p.parts or rel in ("", RECORD):
            raise ValueError(f"refusing to write outside the output directory: {rel!r}")
        self.files[p.as_posix()] = content.encode("utf-8") if isinstance(content, str) else content

    def _record(self) -> dict[str, str]:
        try:
            data = json.loads((self.root / RECORD).read_text(encoding="utf-8"))
            return data.get("files", {}) if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def conflicts(self) -> list[str]:
        """Staged paths that exist, differ, and were not written by nexc (or changed since)."""
        record, out = self._record(), []
        for rel, data in self.files.items():
            p = self.root / rel
            if p.exists():
                current = p.read_bytes() if p.is_file() else b""
                if not p.is_file() or (_sha(current) != _sha(data) and record.get(rel) != _sha(current)):
                    out.append(rel)
        return sorted(out)

    def commit(self) -> dict[str, list[str]]:
        """Write staged files; returns ``{"written": [...], "unchanged": [...], "removed": [...]}``."""
        if not self.force:
            bad = self.conflicts()
            if bad:
                raise OutputConflict(bad)
        record = self._record()
        written, unchanged, removed = [], [], []
        for rel in sorted(self.files):
            data, p = self.files[rel], self.root / rel
            if p.is_file() and p.read_bytes() == data:
                unchanged.append(rel)
                continue
            p.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".nexc-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, p)
            written.append(rel)
        for rel, sha in sorted(record.items()):
            p = self.root / rel
            if rel not in self.files and p.is_file() and _sha(p.read_bytes()) == sha:
                p.unlink()
                removed.append(rel)
        new = {rel: _sha(d) for rel, d in sorted(self.files.items())}
        (self.root / RECORD).write_text(json.dumps({"files": new}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return {"written": written, "unchanged": unchanged, "removed": removed}
