"""The hand-written fast parser builds exactly Lark's trees (rule names, kept tokens, every position), never
accepts what Lark rejects, and takes every well-formed file in the repository without Lark being imported."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Token
from lark.exceptions import LarkError

from nexc.frontend.nex.fastparse import Node, NotFast, Tok, parse
from nexc.frontend.nex.grammar import parser

from .helpers import SEEDS
from .strategies import mutated, specs

ROOT = Path(__file__).resolve().parents[2]
ATTRS = ("line", "column", "end_line", "end_column", "start_pos", "end_pos")
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NEX_FILES = sorted(p for d in ("examples", "tests") for p in (ROOT / d).rglob("*.nex") if p.is_file())


def assert_same(fast, lark, path: str = "start") -> None:
    """``fast`` (fastparse) and ``lark`` (Lark) are the same tree, positions included."""
    if isinstance(lark, Token):
        assert isinstance(fast, Tok), (path, fast, lark)
        assert (fast.type, str(fast)) == (lark.type, str(lark)), path
        assert [getattr(fast, a) for a in ATTRS] == [getattr(lark, a) for a in ATTRS], (path, str(lark))
        return
    assert isinstance(fast, Node) and fast.data == lark.data, (path, fast, lark)
    assert fast.meta.empty == lark.meta.empty, path
    if not lark.meta.empty:
        assert [getattr(fast.meta, a) for a in ATTRS] == [getattr(lark.meta, a) for a in ATTRS], (path, lark.data)
    assert len(fast.children) == len(lark.children), (path, fast.children, lark.children)
    for i, (f, l) in enumerate(zip(fast.children, lark.children)):
        assert_same(f, l, f"{path}/{lark.data}[{i}]")


def lark_tree(text: str):
    try:
        return parser().parse(text)
    except LarkError:
        return None


def check(text: str) -> bool:
    """Whether the fast parser took ``text``; asserts that Lark agrees when it did."""
    try:
        fast = parse(text)
    except NotFast:
        return False
    lark = lark_tree(text)
    assert lark is not None, f"the fast parser accepts text Lark rejects: {text!r}"
    assert_same(fast, lark)
    return True


def test_the_repository_has_nex_files():
    assert len(NEX_FILES) > 20


@pytest.mark.parametrize("path", NEX_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_nex_file_in_the_repository(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    took = check(text)
    assert took == (lark_tree(text) is not None), "the fast parser declined a file Lark parses"


@pytest.mark.parametrize("text", [
    "", "# only a comment\n", "nex 1\n", "framework\nllm main { model = \"m\" }", "framework llm x {}", "tool t() -> str?",
    'tool t(a: "x" | "y" "d", b: list[dict[str, int?],]? = [1, {k: 2, "q": r"\\d"},]) -> str "D" = python "m:f" {}',
    'mcp m = stdio "c" ["-v"] { env = { A: env("A", default = "b") } }\nmcp h = http env("U")\nmcp s { x = 1 }',
    'skill s = "p.md"\nskill t = "q" { a = 1 }\nskill u { path = "r" }\nentry a\nimport "x.nex"',
    'agent a """multi\nline""" {\n  x = a.b.*, y = -1.5e3, z = true, w = null, v = f(1, k = [2]),\n}',
    'llm m { nex = 1 agent = llm }\nframework n "d" { metadata = {} }',
])
def test_constructs(text):
    assert check(text)


@pytest.mark.parametrize("text", [
    "llmfoo {}", "agent r\"d\" {}", "nex 1\nnex 1", "tool t = pythonx \"m\"", "mcp m = stdiox(\"a\")",
    "llm m { a = f(true = 1) }", "llm m { a = 1,, }", "llm m { a = x.1 }", "agent a {", "tool t() -> ",
])
def test_declines_what_it_does_not_read_exactly_like_lark(text):
    """Lark's contextual lexer reads some of these in surprising ways (``llmfoo`` as ``llm foo``); the fast
    parser leaves them all to Lark, which parses or reports them."""
    with pytest.raises(NotFast):
        parse(text)


@FAST
@given(specs())
def test_generated_specs(text):
    assert check(text), text


@FAST
@given(mutated(SEEDS))
def test_mutated_specs_never_diverge(text):
    check(text)


@FAST
@given(st.lists(st.sampled_from(["llm", "agent", "tool", "mcp", "framework", "nex", "stdio", "python", "true",
                                 "x", "r", "=", ":", ",", "(", ")", "[", "]", "{", "}", ".", "*", "?", "|", "->",
                                 '"s"', "'t'", '"""u"""', "1", "-2", "#c\n", "\n", " "]), max_size=40).map(" ".join))
def test_token_soup_never_diverges(text):
    check(text)


def test_loading_a_valid_file_does_not_import_lark(tmp_path):
    spec = ROOT / "examples" / "deep_research" / "research.nex"
    code = ("import sys\nfrom nexc.api import load\nload(sys.argv[1])\n"
            "print('lark' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(spec)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
