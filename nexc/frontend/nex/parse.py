"""Parsing a whole ``.nex`` file: guards against hostile input, the fast parser for well-formed text, and
Lark with recovery at declaration boundaries, so that one run reports a syntax error in every broken
declaration."""
from __future__ import annotations

import re
from typing import Any

from nexc.diagnostics import Reporter
from nexc.frontend.nex import errors, fastparse
from nexc.frontend.nex.grammar import parser
from nexc.frontend.nex.scan import MAX_DEPTH, Scan, scan
from nexc.ir.base import Span

#: Syntax errors reported per file before nexc stops looking for more.
MAX_SYNTAX_ERRORS = 50


def check_input(text: str, path: str, r: Reporter) -> Scan | None:
    """Size and nesting guards; the scan of the text when it may be parsed."""
    from nexc.source import MAX_SPEC_BYTES

    if len(text) > MAX_SPEC_BYTES:
        r.report("NEX003", Span.point(path), f"spec '{path}' is {len(text.encode('utf-8', 'replace')):,} bytes; "
                 f"the limit is {MAX_SPEC_BYTES:,}", fix="move large prompt text into prompt files")
        return None
    sc = scan(text)
    if sc.too_deep is not None:
        line, col = sc.position(sc.too_deep)
        r.report("NEX107", Span(file=path, line=line, column=col, end_line=line, end_column=col + 1),
                 f"lists, maps or blocks are nested more than {MAX_DEPTH} levels deep here",
                 fix="flatten the structure")
        return None
    return sc


_DECL_NAME = re.compile(r"\s*(?:llm|tool|mcp|skill|agent)[ \t]+([A-Za-z_][A-Za-z0-9_]*)")


def parse_trees(text: str, path: str, r: Reporter, sc: Scan | None = None,
                broken: list[str] | None = None) -> list[tuple[Any, int]] | None:
    """Parse ``text``: ``[(tree, line_offset), ...]`` — one tree when the file is well-formed, else one per
    declaration that parsed (after reporting the others). None when the input was refused. The names of
    declarations that did not parse are appended to ``broken`` (uses of them are not reported again)."""
    sc = sc or check_input(text, path, r)
    if sc is None:
        return None
    try:
        return [(fastparse.parse(text), 0)]
    except fastparse.NotFast:  # a syntax error, or something only Lark reads: Lark reports and recovers
        pass
    from lark.exceptions import LarkError

    p = parser()
    try:
        return [(p.parse(text), 0)]
    except LarkError as first:
        first_exc = first
    starts = sc.decl_starts()
    bounds = [0] + [s for s in starts if s > 0] + [len(text)]
    trees: list[tuple[Any, int]] = []
    reported = 0
    for a, b in zip(bounds, bounds[1:]):
        seg = errors.Segment(sc, a, b, path)
        try:
            tree = p.parse(seg.text)
        except LarkError as exc:
            if reported < MAX_SYNTAX_ERRORS:
                errors.report(exc, seg, r)
            reported += 1
            m = _DECL_NAME.match(seg.text)
            if m and broken is not None:
                broken.append(m.group(1))
            continue
        if a > 0 and any(getattr(c, "data", None) == "version" for c in tree.children):
            v = next(c for c in tree.children if getattr(c, "data", None) == "version")
            line = v.meta.line + seg.line_offset
            r.report("NEX100", Span(file=path, line=line, column=v.meta.column, end_line=v.meta.end_line + seg.line_offset,
                                    end_column=v.meta.end_column),
                     "the version line `nex N` must come before every declaration", fix="move it to the top of the file")
            reported += 1
            tree.children = [c for c in tree.children if getattr(c, "data", None) != "version"]
        trees.append((tree, seg.line_offset))
    if reported == 0:  # the pieces parse but the whole does not: report what Lark said about the whole
        errors.report(first_exc, errors.Segment(sc, 0, len(text), path), r)
    elif reported > MAX_SYNTAX_ERRORS:
        r.report("NEX100", Span.point(path), f"{reported - MAX_SYNTAX_ERRORS} more declarations have syntax errors; "
                 "nexc stopped reporting them", notes=("fix the errors above and run again",))
    return trees
