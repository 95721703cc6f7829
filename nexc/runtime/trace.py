"""Spans and the trajectory file.

A run has one ``trace_id``; every agent run, LLM call and tool call is a :class:`Span` whose parent
is the span that caused it (a sub-agent's agent span is a child of the parent's tool span). Spans
are kept on the run (``RunResult.spans``) and passed to any ``on_span`` callback when they end.

:class:`TrajectoryWriter` appends one JSON line per LLM call (the record format of
``specs/trajectory.schema.json``). Durability: the file is opened with ``O_APPEND`` and each record
is written with a single ``os.write`` of the whole line, so

- a process killed at any moment leaves only complete lines, plus at most one torn last line that
  has no newline (readers skip it: :func:`read_trajectory`); a writer that reopens such a file starts
  on a fresh line;
- several runs (or processes) may append to one file: lines never interleave;
- ``fsync`` policy (``Settings.fsync``): ``"run"`` fsyncs when the run ends, ``"record"`` after
  every record, ``"never"`` leaves it to the OS. A killed process loses nothing already written
  under any policy; fsync protects against a crash of the machine.
"""
from __future__ import annotations

import json
import os
import time
from typing import Any, Callable, Iterator

_urandom = os.urandom


def new_id(nbytes: int = 8) -> str:
    """A random hex id (16 hex digits for spans, 32 for traces)."""
    return _urandom(nbytes).hex()


class Span:
    """One timed step of a run."""

    __slots__ = ("name", "kind", "trace_id", "span_id", "parent_id", "start", "end", "attrs", "status")

    def __init__(self, name: str, kind: str, trace_id: str, parent_id: str | None, attrs: dict | None = None):
        self.name, self.kind, self.trace_id, self.parent_id = name, kind, trace_id, parent_id
        self.span_id = _urandom(8).hex()
        self.start = time.time()
        self.end: float | None = None
        self.attrs = attrs if attrs is not None else {}
        self.status = "ok"

    @property
    def duration_ms(self) -> float:
        return ((self.end or time.time()) - self.start) * 1000.0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "trace_id": self.trace_id, "span_id": self.span_id,
                "parent_span_id": self.parent_id, "start": self.start, "end": self.end, "status": self.status,
                "attributes": self.attrs}

    def __repr__(self) -> str:
        return f"<Span {self.kind}:{self.name} {self.span_id} parent={self.parent_id} {self.status}>"


class Tracer:
    """Creates and collects the spans of one run."""

    __slots__ = ("trace_id", "spans", "on_span")

    def __init__(self, trace_id: str | None = None, on_span: Callable[[Span], None] | None = None):
        self.trace_id = trace_id or new_id(16)
        self.spans: list[Span] = []
        self.on_span = on_span

    def start(self, name: str, kind: str, parent: Span | None, **attrs: Any) -> Span:
        span = Span(name, kind, self.trace_id, parent.span_id if parent is not None else None, attrs)
        self.spans.append(span)
        return span

    def finish(self, span: Span, status: str = "ok") -> None:
        span.end = time.time()
        span.status = status
        if self.on_span is not None:
            self.on_span(span)


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (strict JSON has no such numbers)."""
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def record_line(record: dict, *, ascii_only: bool = False) -> str:
    """One record as a line of strict JSON: no ``NaN``/``Infinity`` (they become null); with
    ``ascii_only`` every non-ASCII character, lone surrogates included, is a ``\\u`` escape."""
    try:
        return json.dumps(record, ensure_ascii=ascii_only, separators=(",", ":"), default=str, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(record), ensure_ascii=ascii_only, separators=(",", ":"), default=str,
                          allow_nan=False)


class TrajectoryWriter:
    """Appends records to a JSON Lines file, one ``os.write`` per line (see the module docstring).

    ``secrets`` are replaced by ``***`` in every line written, as a last line of defence (records
    never carry API keys in the first place).
    """

    def __init__(self, path: str | os.PathLike, *, fsync: str = "run", secrets: tuple[str, ...] = ()):
        self.path = os.fspath(path)
        self.fsync = fsync
        self.secrets = tuple(s for s in secrets if s and len(s) >= 6)
        parent = os.path.dirname(self.path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._fresh_line()

    def _fresh_line(self) -> None:
        """If a previous writer was killed mid-line, start on a new line so our records parse."""
        size = os.fstat(self.fd).st_size
        if size:
            with open(self.path, "rb") as f:
                f.seek(size - 1)
                if f.read(1) != b"\n":
                    os.write(self.fd, b"\n")

    def write(self, record: dict) -> None:
        line = record_line(record)
        for s in self.secrets:
            if s in line:
                line = line.replace(s, "***")
        try:
            data = (line + "\n").encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (surrogateescape text): write it as a JSON escape
            data = (record_line(record, ascii_only=True) + "\n").encode("ascii")
            for s in self.secrets:
                data = data.replace(s.encode("ascii", "backslashreplace"), b"***")
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        if self.fsync == "record":
            os.fsync(self.fd)

    def close(self) -> None:
        if self.fd is not None:
            try:
                if self.fsync in ("run", "record"):
                    os.fsync(self.fd)
            finally:
                os.close(self.fd)
                self.fd = None

    def __enter__(self) -> "TrajectoryWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_trajectory(path: str | os.PathLike) -> list[dict]:
    """The records of a trajectory file; a torn (unterminated, unparsable) last line is skipped."""
    return list(iter_trajectory(path))


def iter_trajectory(path: str | os.PathLike) -> Iterator[dict]:
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except ValueError:
            if i == len(lines) - 1:  # torn last line from a killed writer
                return
            continue  # a torn line that a later writer started after
