"""Reading spec files safely: size limit, binary detection, UTF-8 decoding. What a build reads is kept in
its reporter's ``sources`` (path → text) for code frames, suppressions and edits — there is no cache here."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from nexc.diagnostics import Reporter
from nexc.ir.base import Span

#: Largest spec file nexc parses. Prompt files may be larger (see MAX_PROMPT_BYTES).
MAX_SPEC_BYTES = 4 * 1024 * 1024
MAX_PROMPT_BYTES = 16 * 1024 * 1024


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
    """Whether ``path`` resolves (symbolic links followed) inside the folder ``root`` (a real path); a path
    that cannot be a file name (a NUL byte) is inside nothing."""
    if "\x00" in os.fspath(path):
        return False
    return os.path.commonpath([os.path.realpath(path), root]) == root


def display_path(path: str | os.PathLike) -> str:
    """``path`` as shown in diagnostics: relative to the working directory when below it."""
    p = Path(path)
    try:
        rel = os.path.relpath(p)
    except ValueError:  # different drive on Windows
        return str(p)
    return rel if not rel.startswith("..") else str(p)


class Unreadable(OSError):
    """A file nexc will not read: ``code`` (NEX001 missing, NEX002 not a regular file or unreadable,
    NEX003 too large, NEX309 outside the project) and a message naming it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def read_bytes(path: str | os.PathLike, *, limit: int = MAX_SPEC_BYTES, root: str | None = None,
               what: str = "file") -> bytes:
    """The bytes of a file that a spec names — the one way nexc reads such a file. Refused (raising
    :class:`Unreadable`): a path with a NUL byte, a path outside ``root`` (symbolic links followed), anything
    but a regular file (a FIFO is opened without blocking, a device such as ``/dev/zero`` never read),
    and more than ``limit`` bytes (at most ``limit + 1`` are ever read)."""
    import stat

    shown = display_path(path) if "\x00" not in os.fspath(path) else repr(os.fspath(path))
    raw = os.fspath(path)
    if "\x00" in raw:
        raise Unreadable("NEX002", f"{what} path {shown} contains a NUL byte")
    if root is not None and not within(raw, root):
        raise Unreadable("NEX309", f"{what} '{shown}' is outside the project root '{display_path(root)}'")
    try:
        fd = os.open(raw, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise Unreadable("NEX001", f"{what} '{shown}' does not exist") from None
    except (OSError, ValueError) as exc:
        raise Unreadable("NEX002", f"cannot read {what} '{shown}': {getattr(exc, 'strerror', None) or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                    else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file")
            raise Unreadable("NEX002", f"{what} '{shown}' is {kind}, not a regular file")
        if st.st_size > limit:
            raise Unreadable("NEX003", f"{what} '{shown}' is {st.st_size:,} bytes; the limit is {limit:,}")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:  # it grew while being read
            raise Unreadable("NEX003", f"{what} '{shown}' is over the limit of {limit:,} bytes")
        return data
    except Unreadable:
        raise
    except OSError as exc:
        raise Unreadable("NEX002", f"cannot read {what} '{shown}': {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_file_text(path: str | os.PathLike, *, limit: int = MAX_PROMPT_BYTES, root: str | None = None,
                   what: str = "file", errors: str = "strict") -> str:
    """:func:`read_bytes` decoded as UTF-8 (a BOM dropped); undecodable text is :class:`Unreadable` (NEX004)
    unless ``errors`` says otherwise."""
    data = read_bytes(path, limit=limit, root=root, what=what)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        raise Unreadable("NEX004", f"{what} '{display_path(path)}' is not UTF-8 text (offset {exc.start})") from None


def add_texts(sources: dict[str, str], files) -> dict[str, str]:
    """``sources`` with the text of each of ``files`` it lacks (the files diagnostics point at that no
    frontend read: a prompt file, a lockfile), read with the safe reader; unreadable ones stay out."""
    for f in dict.fromkeys(files):
        if f and not f.startswith("<") and f not in sources:
            try:
                sources[f] = read_file_text(f, limit=MAX_PROMPT_BYTES, what="file", errors="replace")
            except (OSError, ValueError):
                pass
    return sources


def read_text(path: str | os.PathLike, reporter: Reporter, *, span: Span | None = None,
              limit: int = MAX_SPEC_BYTES, what: str = "spec file") -> str | None:
    """Read a UTF-8 text file, reporting NEX001–NEX004 instead of raising, and keep its text in
    ``reporter.sources``. ``span`` locates the reference that named the file (an import, a prompt file);
    without one the file itself is blamed."""
    raw = os.fspath(path)
    shown = display_path(path) if "\x00" not in raw else repr(raw)
    where = span or Span.point(shown)
    try:
        data = read_bytes(path, limit=limit, what=what)
    except Unreadable as exc:
        fix = "pass the spec itself, or split large text into prompt files" if exc.code == "NEX003" else None
        reporter.report(exc.code, where, exc.message, fix=fix)
        return None
    text = decode(data, shown, reporter, what=what)
    if text is not None:
        reporter.sources[shown] = text
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
