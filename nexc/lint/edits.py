"""Building the exact edits that diagnostics carry (:class:`nexc.diagnostics.diagnostic.Edit`) for fixes
that add a setting to a declaration, in the language the declaration is written in.

Each builder reads the file as the build read it and returns ``()`` when it cannot be sure of the
result (a one-line YAML flow mapping, a block it cannot find): a fix in words stays, an edit is only
made when applying it is safe.
"""
from __future__ import annotations

import re

from nexc.diagnostics.diagnostic import Edit
from nexc.ir.base import Span

_YAML_SUFFIXES = (".yaml", ".yml")


def _lines(file: str, sources: dict[str, str]) -> list[str] | None:
    text = sources.get(file) if file and not file.startswith("<") else None
    return text.split("\n") if text is not None else None


def setting_edit(decl: Span, key: str, value: str, sources: dict[str, str]) -> tuple[Edit, ...]:
    """The edit adding ``key = value`` (.nex) or ``key: value`` (YAML) as the first setting of the
    declaration at ``decl`` (an agent's span: from its keyword or key to the end of its block) in
    ``sources`` (path → the text the build read)."""
    lines = _lines(decl.file, sources)
    if lines is None or not (1 <= decl.line <= len(lines)):
        return ()
    if decl.file.lower().endswith(_YAML_SUFFIXES):
        return _yaml_setting(decl, lines, key, value)
    if decl.file.lower().endswith(".nex"):
        return _nex_setting(decl, lines, key, value)
    return ()


def _open_brace(line: str, start: int) -> int | None:
    """Index of the first ``{`` at or after ``start`` outside strings and comments, or ``None``."""
    i, quote = start, None
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#":
            return None
        elif c == "{":
            return i
        i += 1
    return None


def _nex_setting(decl: Span, lines: list[str], key: str, value: str) -> tuple[Edit, ...]:
    for n in range(decl.line, min(decl.end_line, len(lines)) + 1):
        text = lines[n - 1].rstrip("\r")
        at = _open_brace(text, decl.column - 1 if n == decl.line else 0)
        if at is None:
            continue
        header = len(text) - len(text.lstrip())
        inner = next((ln for ln in lines[n:decl.end_line] if ln.strip() and not ln.strip().startswith("}")), None)
        depth = len(inner) - len(inner.lstrip()) if inner is not None else 0
        indent = " " * (depth if depth > header else header + 2)
        rest = text[at + 1:]
        if not rest.strip() or rest.strip().startswith("#"):  # `{` ends the line: a new line after it
            where = Span(file=decl.file, line=n, column=len(text) + 1, end_line=n, end_column=len(text) + 1)
            return (Edit(where, f"\n{indent}{key} = {value}"),)
        gap = len(rest) - len(rest.lstrip())  # `{ prompt = …` on one line: the setting goes between
        where = Span(file=decl.file, line=n, column=at + 2, end_line=n, end_column=at + 2 + gap)
        return (Edit(where, f"\n{indent}{key} = {value}\n{indent}", rest[:gap]),)
    return ()


_YAML_KEY = re.compile(r"""^(\s*)(?:[A-Za-z_][\w.-]*|"[^"]*"|'[^']*')\s*:(\s*(#.*)?)$""")


def _yaml_setting(decl: Span, lines: list[str], key: str, value: str) -> tuple[Edit, ...]:
    head = lines[decl.line - 1].rstrip("\r")
    m = _YAML_KEY.match(head)
    if not m:  # `name: {…}` or `name: value` on one line: no safe place
        return ()
    child = next((ln for ln in lines[decl.line:] if ln.strip() and not ln.lstrip().startswith("#")), None)
    if child is None:
        return ()
    indent = len(child) - len(child.lstrip())
    if indent <= len(m.group(1)) or child.lstrip().startswith(("-", "?")):
        return ()
    where = Span.point(decl.file, decl.line + 1, 1)
    return (Edit(where, f"{' ' * indent}{key}: {value}\n"),)
