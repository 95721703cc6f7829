"""Base classes of every IR node: frozen pydantic models that forbid unknown fields and carry a span."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    """A region of a source file. Lines and columns are 1-based; the end is exclusive.

    ``file`` is the path as the user gave it (or as it was found through an import).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, file: str, line: int = 1, column: int = 1) -> "Span":
        """A zero-width span at one position."""
        return cls(file=file, line=line, column=column, end_line=line, end_column=column)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


#: The span used for nodes that the compiler synthesises (defaults, stdlib entries).
BUILTIN_SPAN = Span(file="<builtin>", line=1, column=1, end_line=1, end_column=1)


class Node(BaseModel):
    """Every IR node: immutable, strict about its fields, and located in the source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    span: Span = BUILTIN_SPAN


def strip_spans(value: Any) -> Any:
    """Return a JSON-like copy of ``value`` (a node, or a dump of one) with every ``span`` removed.

    Two IRs built from different source files describe the same framework when their stripped
    dumps are equal; the tests of ``convert`` use this.
    """
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True)
    if isinstance(value, dict):
        return {k: strip_spans(v) for k, v in value.items() if k != "span"}
    if isinstance(value, (list, tuple)):
        return [strip_spans(v) for v in value]
    return value
