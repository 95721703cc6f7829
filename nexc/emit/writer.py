"""A build output directory that never loses a user's files, shared safely by several targets.

Files are written only when their content changes (so a rebuild touches only what changed). Every
file written is recorded in ``.nexc-files`` under the target that wrote it
(``{"version": 2, "targets": {"manifest": {"manifest.json": "<sha256>"}, …}}``), so several targets
(``nexc build --target manifest --target bundle …``, or separate builds) can share one folder:

- a file that exists but was not written by nexc is never overwritten or deleted unless ``force``;
- a file another target wrote is never overwritten (unless ``force``) nor deleted;
- files a target wrote earlier that its rebuild no longer produces are removed, but only if they are
  unchanged since nexc wrote them and no other target recorded them too.

A record of an older nexc (``{"files": {…}}``, written without targets) still marks its files as nexc's,
so they may be rewritten; since it does not say which target wrote them, they are never removed.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from nexc.fileio import write_atomic_bytes

RECORD = ".nexc-files"
RECORD_VERSION = 2
#: the target name of an :class:`OutputDir` made without one (API callers, tests)
DEFAULT_TARGET = "default"


class OutputConflict(Exception):
    """Output files exist that this target may not overwrite. ``args[0]``: the paths (sorted);
    :attr:`owners`: the paths another target wrote, with that target's name."""

    def __init__(self, paths: list[str], owners: dict[str, str] | None = None) -> None:
        super().__init__(paths)
        self.paths, self.owners = paths, dict(owners or {})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _str_map(value) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def read_record(root: Path) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The record of ``root``: ``(targets, legacy)`` — path → SHA-256 per target, and the files of a record
    written by an older nexc (no targets). Both empty when there is no readable record."""
    try:
        data = json.loads((Path(root) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, {}
    if not isinstance(data, dict):
        return {}, {}
    targets = data.get("targets")
    targets = {t: _str_map(files) for t, files in targets.items() if isinstance(t, str)} \
        if isinstance(targets, dict) else {}
    return targets, _str_map(data.get("files"))


def _write_atomic(p: Path, data: bytes) -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    write_atomic_bytes(p, data)


class OutputDir:
    """Collects the files of one target of a build and writes them safely on :meth:`commit`."""

    def __init__(self, root: Path, *, force: bool = False, target: str = DEFAULT_TARGET) -> None:
        self.root, self.force, self.target = Path(root), force, target
        self.files: dict[str, bytes] = {}

    def add(self, rel: str, content: str | bytes) -> None:
        """Stage ``content`` for ``rel`` (a POSIX path inside the output directory)."""
        p = Path(rel)
        if p.is_absolute() or ".." in p.parts or rel in ("", RECORD) or p.as_posix() == RECORD:
            raise ValueError(f"refusing to write outside the output directory: {rel!r}")
        self.files[p.as_posix()] = content.encode("utf-8") if isinstance(content, str) else content

    def _owner(self, rel: str, sha: str, targets: dict[str, dict[str, str]]) -> str | None:
        """Another target whose record says it wrote exactly this content at ``rel``."""
        return next((t for t, files in sorted(targets.items()) if t != self.target and files.get(rel) == sha), None)

    def check(self) -> tuple[list[str], dict[str, str]]:
        """``(paths, owners)``: staged paths that exist with other content and may not be overwritten — not
        written by nexc (or changed since), or written by another target (``owners`` maps those to it)."""
        targets, legacy = read_record(self.root)
        mine = targets.get(self.target, {})
        bad, owners = [], {}
        for rel, data in self.files.items():
            p = self.root / rel
            if not p.exists():
                continue
            if not p.is_file():
                bad.append(rel)
                continue
            current = _sha(p.read_bytes())
            if current == _sha(data):
                continue
            other = self._owner(rel, current, targets)
            if other is not None:
                bad.append(rel)
                owners[rel] = other
            elif mine.get(rel) != current and legacy.get(rel) != current:
                bad.append(rel)
        return sorted(bad), owners

    def conflicts(self) -> list[str]:
        """Staged paths that :meth:`commit` would refuse to overwrite (see :meth:`check`)."""
        return self.check()[0]

    def commit(self) -> dict[str, list[str]]:
        """Write staged files; returns ``{"written": [...], "unchanged": [...], "removed": [...]}``.
        Raises :class:`OutputConflict` (writing nothing) when files may not be overwritten."""
        if not self.force:
            bad, owners = self.check()
            if bad:
                raise OutputConflict(bad, owners)
        targets, legacy = read_record(self.root)
        previous = targets.get(self.target, {})
        written, unchanged, removed = [], [], []
        try:
            for rel in sorted(self.files):
                data, p = self.files[rel], self.root / rel
                if p.is_file() and p.read_bytes() == data:
                    unchanged.append(rel)
                    continue
                _write_atomic(p, data)  # os.replace: a link at ``p`` is replaced, never written through
                written.append(rel)
        except OSError:  # record what was written, so that the next build knows these files are nexc's
            done = {rel: _sha(self.files[rel]) for rel in written + unchanged}
            try:
                self._save(targets, legacy, {**previous, **done})
            except OSError:
                pass
            raise
        others = {t: files for t, files in targets.items() if t != self.target}
        for rel, sha in sorted(previous.items()):
            if rel in self.files or any(rel in files for files in others.values()):
                continue
            p = self.root / rel
            if p.is_file() and _sha(p.read_bytes()) == sha:
                p.unlink()
                removed.append(rel)
                self._prune_dirs(p.parent)
        self._save(targets, legacy, {rel: _sha(d) for rel, d in sorted(self.files.items())})
        return {"written": written, "unchanged": unchanged, "removed": removed}

    def _save(self, targets: dict[str, dict[str, str]], legacy: dict[str, str], mine: dict[str, str]) -> None:
        """Write the record: ``mine`` as this target's files; a path another target recorded with other
        content than ``mine`` gives it is this target's now (it was overwritten with force)."""
        others = {t: {rel: sha for rel, sha in files.items() if rel not in mine or mine[rel] == sha}
                  for t, files in targets.items() if t != self.target}
        legacy = {rel: sha for rel, sha in legacy.items() if rel not in mine and (self.root / rel).is_file()}
        record: dict = {"version": RECORD_VERSION,
                        "targets": {t: files for t, files in sorted({**others, self.target: mine}.items()) if files}}
        if legacy:
            record["files"] = legacy
        _write_atomic(self.root / RECORD, (json.dumps(record, indent=1, sort_keys=True) + "\n").encode("utf-8"))

    def _prune_dirs(self, d: Path) -> None:
        """Remove ``d`` and its parents up to the output root while they are empty."""
        root = self.root.resolve()
        while True:
            try:
                if d.resolve() == root or root not in d.resolve().parents:
                    return
                d.rmdir()
            except OSError:  # not empty (or gone): stop
                return
            d = d.parent
