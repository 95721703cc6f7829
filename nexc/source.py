"""Reading spec files safely: size limit, binary detection, UTF-8 decoding, and a cache of the text
of every file read so diagnostics can show code frames."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from nexc.diagnostics import Reporter
from nexc.ir.base import Span

#: Largest spec file nexc parses. Prompt files may be larger (see MAX_PROMPT_BYTES).
MAX_SPEC_BYTES = 4 * 1024 * 1024
MAX_PROMPT_BYTES = 16 * 1024 * 1024

_TEXTS: dict[str, str] = {}


#: Files or folders that mark the top of a project: imports and NexAU file references stay below it.
PROJECT_MARKERS = (".git", ".hg", "pyproject.toml", "setup.py", "setup.cfg", "LICENSE", "README.md", ".nexc-root")


@lru_cache(maxsize=256)
def project_root(folder: str) -> str:
    """The project a spec in ``folder`` belongs to: the nearest folder at or above it holding one of
    :data:`PROJECT_MARKERS`, or ``folder`` itself when none does (a real path)."""
    start = d = os.path.realpath(folder)
    while True:
        if any(os.path.exists(os.path.join(d, m)) for m in PROJECT_MARKERS):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return start
        d = parent


def within(path: str, root: str) -> bool:
    """Whether ``path`` resolves (symbolic links followed) inside the folder ``root`` (a real path)."""
    return os.path.commonpath([os.path.realpath(path), root]) == root


def remember(path: str, text: str) -> None:
    """Keep ``text`` as the content of ``path`` for code frames (also for in-memory sources)."""
    _TEXTS[path] = text


def cached_text(path: str) -> str | None:
    """The text of a file read earlier in this process, if any."""
    return _TEXTS.get(path)


def display_path(path: str | os.PathLike) -> str:
    """``path`` as shown in diagnostics: relative to the working directory when below it."""
    p = Path(path)
    try:
        rel = os.path.relpath(p)
    except ValueError:  # different drive on Windows
        return str(p)
    return rel if not rel.startswith("..") else str(p)


def read_text(path: str | os.PathLike, reporter: Reporter, *, span: Span | None = None,
              limit: int = MAX_SPEC_BYTES, what: str = "spec file") -> str | None:
    """Read a UTF-8 text file, reporting NEX001–NEX004 instead of raising. ``span`` locates the
    reference that named the file (an import, a prompt file); without one the file itself is blamed."""
    shown = display_path(path)
    where = span or Span.point(shown)
    p = Path(path)
    try:
        if not p.exists():
            reporter.report("NEX001", where, f"{what} '{shown}' does not exist")
            return None
        if not p.is_file():
            reporter.report("NEX002", where, f"{what} '{shown}' is not a regular file")
            return None
        size = p.stat().st_size
        if size > limit:
            reporter.report("NEX003", where, f"{what} '{shown}' is {size:,} bytes; the limit is {limit:,}",
                            fix="pass the spec itself, or split large text into prompt files")
            return None
        data = p.read_bytes()
    except OSError as exc:
        reporter.report("NEX002", where, f"cannot read {what} '{shown}': {exc.strerror or exc}")
        return None
    text = decode(data, shown, reporter, what=what)
    if text is not None:
        remember(shown, text)
    return text


def decode(data: bytes, shown: str, reporter: Reporter, *, what: str = "spec file") -> str | None:
    """Decode UTF-8 (a BOM is dropped); NUL bytes or invalid UTF-8 report NEX004 at the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    bad = data.find(b"\x00")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start if bad < 0 else min(bad, exc.start)
        text = None
    if bad >= 0 or text is None:
        line = data.count(b"\n", 0, bad) + 1
        col = bad - (data.rfind(b"\n", 0, bad) + 1) + 1
        reporter.report("NEX004", Span(file=shown, line=line, column=col, end_line=line, end_column=col + 1),
                        f"{what} '{shown}' is not UTF-8 text (byte 0x{data[bad]:02x} at offset {bad})",
                        fix="pass a text file saved as UTF-8")
        return None
    return text


def offset_to_position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col
