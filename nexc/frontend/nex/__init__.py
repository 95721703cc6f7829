"""The ``.nex`` frontend: the nexc DSL (``grammar/nex.lark``, reference in ``specs/LANGUAGE.md``).

``load`` parses one file into surface IR, reporting every problem; it never raises on bad input.
Lark is imported on the first ``load``, not when nexc starts.
"""
from __future__ import annotations

from nexc.diagnostics import Reporter
from nexc.ir.surface import SourceFile

NAME = "nex"


def detect(path: str, text: str) -> bool:
    """``*.nex`` files, or text whose first meaningful line is a ``nex N`` version line."""
    if path.lower().endswith(".nex"):
        return True
    for line in text[:4096].splitlines()[:50]:
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        parts = s.split()
        return len(parts) == 2 and parts[0] == "nex" and parts[1].isdigit()
    return False


def load(path: str, text: str, reporter: Reporter) -> SourceFile | None:
    """Parse ``text`` (the content of ``path``) into a :class:`SourceFile`; None when nothing could be parsed."""
    from nexc.frontend.nex.to_surface import Converter
    from nexc.frontend.nex.parse import parse_trees

    reporter.sources[path] = text  # also for text that was never a file (code frames, suppressions)
    broken: list[str] = []
    trees = parse_trees(text, path, reporter, broken=broken)
    if trees is None:
        return None
    conv = Converter(path, reporter)
    for tree, offset in trees:
        conv.tree(tree, offset)
    out = conv.source_file(text)
    return out.model_copy(update={"broken": tuple(broken)}) if broken and out is not None else out
