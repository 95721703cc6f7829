"""Shared helpers of the .nex frontend tests."""
from __future__ import annotations

from pathlib import Path

from nexc.diagnostics import Diagnostic, Reporter
from nexc.frontend.nex import load
from nexc.ir.surface import SourceFile

DATA = Path(__file__).parent / "data"
RESEARCH = DATA / "research" / "research.nex"

#: Small valid specs, used as seeds for mutation fuzzing and formatter properties.
SEEDS = [
    RESEARCH.read_text(encoding="utf-8"),
    (DATA / "research" / "common.nex").read_text(encoding="utf-8"),
    'nex 1\nllm m { model = "x" }\nagent a "d" {\n  llm = m  # trailing\n  tools = [t, s.*]\n}\n'
    'tool t(x: list[dict[str, int]]?, y: any = null "y") = python "p.m:f"\nmcp s = sse env("URL") { include = ["a"] }\n',
    '# only comments\n\n# here\n',
    "framework f\nskill s { path = 'p', description = '''\n  multi\n  line\n  ''' }\nagent a {\n  prompt = r\"raw \\d\"\n}\n",
]


def parse(text: str, path: str = "t.nex") -> tuple[SourceFile | None, list[Diagnostic]]:
    """Load ``text`` with the .nex frontend: the source file and the sorted diagnostics."""
    r = Reporter()
    sf = load(path, text, r)
    return sf, r.sorted()


def codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


def assert_valid_spans(text: str, diags: list[Diagnostic], path: str = "t.nex") -> None:
    """Every diagnostic points inside the file: 1-based, not past the last line, end after start."""
    n_lines = text.count("\n") + 1
    for d in diags:
        s = d.span
        assert s.file == path, d
        assert s.line >= 1 and s.column >= 1, d
        assert s.line <= n_lines and s.end_line <= n_lines, d
        assert (s.end_line, s.end_column) >= (s.line, s.column), d
