"""``nexc fmt``: the canonical layout of a ``.nex`` file, computed from the Lark tree and the comments.

Rules (specs/LANGUAGE.md, "Formatting"): two-space indentation; one blank line between top-level
declarations (consecutive imports keep theirs); blocks always one setting per line; lists, maps, calls
and tool signatures on one line when they fit in 100 columns and hold no comment, else one item per
line with a trailing comma; comments kept, on their own line or at the end of a line; at most one
blank line kept between settings and items; multi-line strings re-indented (their value never changes);
everything else (string and number spelling) verbatim.

The result is checked before it is returned: it must parse to the same declarations and keep every
comment, or the formatter refuses (NEX900) rather than damage the file.
"""
from __future__ import annotations

import bisect
import re
from typing import Callable

from lark import Token, Tree

from nexc.diagnostics import Diagnostic, Reporter
from nexc.frontend.nex.scan import Scan

WIDTH = 100
STEP = "  "

Lines = list[str]


def format_source(text: str, path: str = "<stdin>") -> tuple[str | None, list[Diagnostic]]:
    """Format ``text``; ``(None, diagnostics)`` when it does not parse."""
    from lark.exceptions import LarkError

    from nexc.frontend.nex.grammar import parser
    from nexc.frontend.nex.parse import check_input, parse_trees

    r = Reporter()
    sc = check_input(text, path, r)
    if sc is None:
        return None, r.sorted()
    try:
        tree = parser().parse(text)
    except LarkError:
        parse_trees(text, path, r, sc)
        return None, r.sorted()
    try:
        out = _Printer(text, sc).document(tree)
    except RecursionError:
        r.report("NEX107", _point(path), "the file is nested too deeply to format")
        return None, r.sorted()
    problem = _verify(text, out, path)
    if problem:
        r.report("NEX900", _point(path), f"internal error in nexc fmt: {problem}",
                 notes=("the file was left unchanged; this is a bug in nexc",))
        return None, r.sorted()
    return out, r.sorted()


def _point(path: str):
    from nexc.ir.base import Span

    return Span.point(path)


def _verify(before: str, after: str, path: str) -> str | None:
    """Why ``after`` is not a faithful formatting of ``before`` (None when it is)."""
    from nexc.frontend.nex import load
    from nexc.frontend.nex.scan import scan
    a, b = Reporter(), Reporter()
    sa, sb = load(path, before, a), load(path, after, b)
    if sb is None or any(d.code in ("NEX100", "NEX101", "NEX102", "NEX107") for d in b.diagnostics):
        return "the formatted text does not parse"
    if sa is not None and _meaning(sa) != _meaning(sb):
        return "the formatted text means something else"
    if sorted(c.rstrip() for _, c in scan(before).comments) != sorted(c.rstrip() for _, c in scan(after).comments):
        return "a comment was lost"
    return None


def _meaning(sf) -> object:
    """A source file's content without any location."""
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in ("span", "name_span", "path")}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return strip(sf.model_dump(mode="json"))


def _start(x: Tree | Token) -> int:
    return x.start_pos if isinstance(x, Token) else x.meta.start_pos


def _end(x: Tree | Token) -> int:
    return x.end_pos if isinstance(x, Token) else x.meta.end_pos


class _Printer:
    def __init__(self, text: str, sc: Scan) -> None:
        self.text = text
        self.comments = [(off, c.rstrip()) for off, c in sc.comments]
        self.offsets = [off for off, _ in self.comments]
        self.used = [False] * len(self.comments)

    # ------------------------------------------------------------ comments

    def _range(self, lo: int, hi: int) -> range:
        return range(bisect.bisect_left(self.offsets, lo), bisect.bisect_left(self.offsets, hi))

    def has_comments(self, lo: int, hi: int) -> bool:
        r = self._range(lo, hi)
        return r.start < r.stop

    def take(self, lo: int, hi: int) -> list[int]:
        out = [i for i in self._range(lo, hi) if not self.used[i]]
        for i in out:
            self.used[i] = True
        return out

    def blank_between(self, a: int, b: int) -> bool:
        return re.search(r"\n[ \t\r\f]*\n", self.text[a:b]) is not None

    # ------------------------------------------------------------ items

    def items(self, items: list[tuple[int, int, Callable[[str, int], Lines]]], lo: int, hi: int, indent: str,
              sep: str, *, top: bool = False, kinds: list[str] | None = None) -> Lines:
        """Lines (with ``indent``) for a sequence of items between offsets ``lo`` and ``hi``, with the comments
        between them: a comment on the line where an item ends stays at the end of that line."""
        out: Lines = []
        prev_end: int | None = None
        for k, (s, e, fn) in enumerate(items):
            lead: list[int] = []
            for i in self.take(prev_end if prev_end is not None else lo, s):
                off = self.comments[i][0]
                if prev_end is not None and "\n" not in self.text[prev_end:off] and not lead:
                    out[-1] += "  " + self.comments[i][1]
                else:
                    lead.append(i)
            body = fn(indent, len(indent))
            lead += self.take(s, e)  # comments inside the item that no inner list or block took
            first = self.comments[lead[0]][0] if lead else s
            if prev_end is not None:
                if top and not (kinds and kinds[k] == kinds[k - 1] == "import_"):
                    out.append("")
                elif self.blank_between(prev_end, min(first, s)):
                    out.append("")
            last = None
            for i in sorted(lead, key=lambda i: self.comments[i][0]):
                off, c = self.comments[i]
                if last is not None and self.blank_between(last, off):
                    out.append("")
                out.append(indent + c)
                last = off
            if last is not None and last < s and self.blank_between(last, s):
                out.append("")
            out.append(indent + body[0])
            out.extend(body[1:])
            out[-1] += sep
            prev_end = e
        rest = self.take(prev_end if prev_end is not None else lo, hi)
        last = prev_end
        for n, i in enumerate(rest):
            off, c = self.comments[i]
            if n == 0 and prev_end is not None and "\n" not in self.text[prev_end:off]:
                out[-1] += "  " + c
            else:
                if last is not None and (self.blank_between(last, off) or (top and n == 0 and prev_end is not None)):
                    out.append("")
                out.append(indent + c)
            last = off
        return out

    # ------------------------------------------------------------ document

    def document(self, tree: Tree) -> str:
        decls = tree.children
        items = [(_start(d), _end(d), (lambda d: lambda ind, col: self.decl(d))(d)) for d in decls]
        lines = self.items(items, 0, len(self.text), "", "", top=True, kinds=[d.data for d in decls])
        lines = [ln.rstrip() if not ln.strip() else ln for ln in lines]
        return "\n".join(lines) + "\n" if lines else ""

    def decl(self, d: Tree) -> Lines:
        return getattr(self, "d_" + d.data.rstrip("_"))(d)

    def d_version(self, d: Tree) -> Lines:
        return [f"nex {d.children[0]}"]

    def d_import(self, d: Tree) -> Lines:
        return _cat("import ", self.value(d.children[0], "", 7))

    def d_entry(self, d: Tree) -> Lines:
        return [f"entry {d.children[0]}"]

    def d_llm(self, d: Tree) -> Lines:
        name, blk = d.children
        return _cat(f"llm {name} ", self.block(blk, ""))

    def d_agent(self, d: Tree) -> Lines:
        name, *rest = d.children
        return self._header(f"agent {name}", rest)

    def d_framework(self, d: Tree) -> Lines:
        head = "framework"
        rest = []
        for c in d.children:
            if isinstance(c, Token):
                head += f" {c}"
            else:
                rest.append(c)
        return self._header(head, rest)

    def d_skill(self, d: Tree) -> Lines:
        name, *rest = d.children
        head = f"skill {name}"
        if rest and rest[0].data == "string":
            lines = _join(head, " = ", self.value(rest[0], "", len(head) + 3))
            rest = rest[1:]
        else:
            lines = [head]
        for c in rest:
            lines = _join(lines, " ", self.block(c, ""))
        return lines

    def d_mcp(self, d: Tree) -> Lines:
        name, *rest = d.children
        lines: Lines = [f"mcp {name}"]
        for c in rest:
            if c.data == "block":
                lines = _join(lines, " ", self.block(c, ""))
                continue
            kind, target, *args = c.children
            lines = _join(lines, f" = {kind} ", self.value(target, "", len(lines[-1]) + len(str(kind)) + 4))
            for a in args:
                lines = _join(lines, " ", self.value(a, "", len(lines[-1]) + 1))
        return lines

    def _header(self, head: str, rest: list[Tree]) -> Lines:
        lines: Lines = [head]
        for c in rest:
            if c.data == "block":
                lines = _join(lines, " ", self.block(c, ""))
            else:
                lines = _join(lines, " ", self.value(c, "", len(lines[-1]) + 1))
        return lines

    def d_tool(self, d: Tree) -> Lines:
        name, *rest = d.children
        lines: Lines = [f"tool {name}"]
        tail: list[Lines] = []
        has_params = False
        blk = None
        for c in rest:
            if c.data == "params":
                has_params = True
                lines = _join(lines, "", self.params(c, len(lines[-1])))
            elif c.data == "returns":
                lines[-1] += " -> " + self.type_text(c.children[1])
            elif c.data == "string":
                tail.append(self.value(c, STEP if has_params else "", 2))
            elif c.data == "binding":
                kind, target = c.children
                tail.append(_cat(f"= {kind} ", self.value(target, STEP if has_params else "", 12)))
            else:
                blk = c
        one_line = len(lines) == 1 and all(len(t) == 1 for t in tail) and \
            len(lines[0]) + sum(len(t[0]) + 1 for t in tail) <= WIDTH
        for t in tail:
            if has_params and not one_line:
                lines.append(STEP + t[0])
                lines.extend(t[1:])
            else:
                lines = _join(lines, " ", t)
        if blk is not None:
            last = lines[-1]
            lines = _join(lines, " ", self.block(blk, last[:len(last) - len(last.lstrip(" "))]))
        return lines

    def params(self, t: Tree, col: int) -> Lines:
        ps = t.children
        if not self.has_comments(t.meta.start_pos, t.meta.end_pos):
            parts = [self.inline_param(p) for p in ps]
            if all(x is not None for x in parts):
                s = "(" + ", ".join(parts) + ")"
                if col + len(s) <= WIDTH:
                    return [s]
        items = [(_start(p), _end(p), (lambda p: lambda ind, c: self.param(p, ind))(p)) for p in ps]
        return ["("] + self.items(items, t.meta.start_pos + 1, t.meta.end_pos - 1, STEP, ",") + [")"]

    def inline_param(self, p: Tree) -> str | None:
        if self.has_comments(p.meta.start_pos, p.meta.end_pos):
            return None
        lines = self.param(p, STEP)
        return lines[0] if len(lines) == 1 else None

    def param(self, p: Tree, indent: str) -> Lines:
        name, ptype, *rest = p.children
        lines = [f"{name}: {self.type_text(ptype)}"]
        for c in rest:
            if c.data == "default":
                lines = _join(lines, " = ", self.value(c.children[0], indent, len(indent) + len(lines[-1]) + 3))
            else:
                lines = _join(lines, " ", self.value(c, indent, len(indent) + len(lines[-1]) + 1))
        return lines

    def type_text(self, t: Tree) -> str:
        if t.data == "union":
            return " | ".join(str(s.children[0]) for s in t.children)
        out = str(t.children[0])
        for c in t.children[1:]:
            if isinstance(c, Tree):
                out += "[" + ", ".join(self.type_text(a) for a in c.children) + "]"
            else:
                out += "?"
        return out

    # ------------------------------------------------------------ blocks and values

    def block(self, t: Tree, indent: str) -> Lines:
        lo, hi = t.meta.start_pos + 1, t.meta.end_pos - 1
        if not t.children and not self.has_comments(lo, hi):
            return ["{}"]
        inner = indent + STEP
        items = [(_start(s), _end(s), (lambda s: lambda ind, col: self.setting(s, ind))(s)) for s in t.children]
        return ["{"] + self.items(items, lo, hi, inner, "") + [indent + "}"]

    def setting(self, s: Tree, indent: str) -> Lines:
        key, value = s.children
        return _cat(f"{key} = ", self.value(value, indent, len(indent) + len(str(key)) + 3))

    def value(self, v: Tree, indent: str, col: int) -> Lines:
        """A value starting at column ``col`` of a line indented by ``indent``."""
        s = self.inline(v)
        if s is not None and (col + len(s) <= WIDTH or v.data not in ("list", "map", "call")):
            return [s]
        kind = v.data
        if kind == "string":
            return self.string(v.children[0], indent)
        if kind in ("list", "map", "call"):
            return self.broken(v, indent)
        return [s if s is not None else self.text[_start(v):_end(v)]]

    def string(self, tok: Token, indent: str) -> Lines:
        text = str(tok)
        if "\n" not in text:
            return [text]
        block = reindent_block_string(text, indent + STEP)
        return block if block is not None else text.split("\n")

    def inline(self, v: Tree) -> str | None:
        """The one-line form of a value, or None when it holds a comment or a multi-line string."""
        kind = v.data
        if kind in ("list", "map", "call") and self.has_comments(v.meta.start_pos, v.meta.end_pos):
            return None
        if kind in ("string", "number", "true", "false", "null"):
            text = str(v.children[0])
            return None if "\n" in text else text
        if kind == "ref":
            return ".".join(str(c) for c in v.children)
        parts = []
        children = v.children[1:] if kind == "call" else v.children
        for c in children:
            if kind == "map":
                k, x = c.children
                key = self.inline(k) if isinstance(k, Tree) else str(k)
                val = self.inline(x)
                if key is None or val is None:
                    return None
                parts.append(f"{key}: {val}")
            elif isinstance(c, Tree) and c.data == "kwarg":
                val = self.inline(c.children[1])
                if val is None:
                    return None
                parts.append(f"{c.children[0]} = {val}")
            else:
                val = self.inline(c)
                if val is None:
                    return None
                parts.append(val)
        if kind == "list":
            return "[" + ", ".join(parts) + "]"
        if kind == "map":
            return "{" + ", ".join(parts) + "}"
        return f"{v.children[0]}(" + ", ".join(parts) + ")"

    def broken(self, v: Tree, indent: str) -> Lines:
        kind = v.data
        inner = indent + STEP
        if kind == "call":
            opener, closer, children = f"{v.children[0]}(", ")", v.children[1:]
        elif kind == "list":
            opener, closer, children = "[", "]", v.children
        else:
            opener, closer, children = "{", "}", v.children
        lo = (_end(v.children[0]) + 1) if kind == "call" else v.meta.start_pos + 1
        items = [(_start(c), _end(c), (lambda c: lambda ind, col: self.item(c, ind))(c)) for c in children]
        body = self.items(items, lo, v.meta.end_pos - 1, inner, ",")
        if not body:
            return [opener + closer]
        return [opener] + body + [indent + closer]

    def item(self, c: Tree, indent: str) -> Lines:
        if c.data == "pair":
            k, x = c.children
            key = self.value(k, indent, len(indent)) if isinstance(k, Tree) else [str(k)]
            return _join(key, ": ", self.value(x, indent, len(indent) + len(key[-1]) + 2))
        if c.data == "kwarg":
            k, x = c.children
            return _cat(f"{k} = ", self.value(x, indent, len(indent) + len(str(k)) + 3))
        return self.value(c, indent, len(indent))


def reindent_block_string(text: str, indent: str) -> Lines | None:
    """A triple-quoted string whose closing quotes stand on their own line, re-indented to ``indent``
    (same value), as lines; None when the string has another shape (it is then kept verbatim)."""
    prefix = text[:1] if text[:1] in "rR" else ""
    q = text[len(prefix):len(prefix) + 3]
    if q not in ('"""', "'''"):
        return None
    body = text[len(prefix) + 3:len(text) - 3]
    lines = body.split("\n")
    if len(lines) < 2 or lines[0].strip(" \t\r") or lines[-1].strip(" \t"):
        return None
    close = lines[-1]
    out = [prefix + q]
    for line in lines[1:-1]:
        line = line[:-1] if line.endswith("\r") else line
        if line.startswith(close):
            c = line[len(close):]
        elif not line.strip(" \t"):
            c = ""
        else:
            return None
        out.append(indent + c if c else "")
    out.append(indent + q)
    return out


def _cat(prefix: str, lines: Lines) -> Lines:
    return [prefix + lines[0]] + lines[1:]


def _join(a: Lines | str, sep: str, b: Lines) -> Lines:
    a = [a] if isinstance(a, str) else a
    return a[:-1] + [a[-1] + sep + b[0]] + b[1:]
