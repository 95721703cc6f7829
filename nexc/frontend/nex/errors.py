"""Lark's parse errors → NEX100/NEX101/NEX102 diagnostics that say, in words, what was found and what
could have come instead, with a note at the place where an unclosed bracket or string was opened."""
from __future__ import annotations

import re

from nexc.diagnostics import Reporter
from nexc.diagnostics.suggest import did_you_mean
from nexc.frontend.nex.grammar import DECLARATION_TERMINALS, VALUE_TERMINALS, terminal_words
from nexc.frontend.nex.scan import Scan, scan
from nexc.ir.base import Span

_BRACKETS = {"{": ("'}'", "block"), "[": ("']'", "list"), "(": ("')'", "argument list")}
_DECL_WORDS = ("agent", "llm", "tool", "mcp", "skill", "import", "entry", "framework")
_HEADER = re.compile(r"(framework|llm|tool|mcp|skill|agent)[ \t]+([A-Za-z_][A-Za-z0-9_]*)")


class Segment:
    """A piece of the file parsed on its own: its text, and where it starts in the whole file."""

    def __init__(self, whole: Scan, start: int, end: int, path: str) -> None:
        self.whole, self.start, self.end, self.path = whole, start, end, path
        self.text = whole.text[start:end]
        self.line_offset = whole.position(start)[0] - 1
        self.is_last = end >= len(whole.text)

    def pos(self, offset: int) -> tuple[int, int]:
        return self.whole.position(self.start + offset)

    def point(self, offset: int, width: int = 1) -> Span:
        line, col = self.pos(offset)
        return Span(file=self.path, line=line, column=col, end_line=line, end_column=col + width)

    def context(self) -> str | None:
        m = _HEADER.match(self.text)
        return f"{m.group(1)} '{m.group(2)}'" if m else None

    def end_span(self) -> Span:
        """The last non-blank character of the segment (where "the end" is shown)."""
        stripped = self.text.rstrip()
        return self.point(max(0, len(stripped) - 1)) if stripped else self.point(0)


def _offset(seg: Segment, line: int, column: int) -> int:
    """Character offset in the segment of a 1-based (line, column) relative to the segment."""
    idx = 0
    for _ in range(line - 1):
        nl = seg.text.find("\n", idx)
        if nl < 0:
            return len(seg.text)
        idx = nl + 1
    return min(len(seg.text), idx + column - 1)


def _words(names: set[str]) -> str:
    names = set(names)
    parts = []
    if len(names & DECLARATION_TERMINALS) >= 4:
        names -= DECLARATION_TERMINALS
        parts.append("a declaration (" + ", ".join(_DECL_WORDS) + ")")
    if len(names & VALUE_TERMINALS) >= 6:
        names -= VALUE_TERMINALS
        parts.append("a value")
    parts += sorted(terminal_words(n) for n in names if n not in ("WS", "COMMENT"))
    if not parts:
        return "nothing more"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _found(tok) -> str:
    if tok.type == "$END":
        return "the end of the file"
    text = str(tok)
    shown = text if len(text) <= 30 else text[:27] + "…"
    shown = shown.replace("\n", "⏎")
    if tok.type == "NAME":
        return f"name '{shown}'"
    if tok.type == "STRING":
        return f"string {shown}"
    if tok.type == "NUMBER":
        return f"number {shown}"
    return f"'{shown}'"


def _accepts(exc) -> set[str]:
    try:
        return set(exc.interactive_parser.accepts())
    except Exception:  # accepts() simulates the parser; fall back to Lark's own (coarser) set
        return set(getattr(exc, "expected", ()) or ())


def report(exc, seg: Segment, r: Reporter) -> Span:
    """Report one Lark error of ``seg``; return the span that was blamed."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    ctx = seg.context()
    if isinstance(exc, UnexpectedToken):
        if exc.token.type == "$END":
            return _eof(exc, seg, r, ctx)
        return _token(exc, seg, r, ctx)
    if isinstance(exc, UnexpectedCharacters):
        return _chars(exc, seg, r)
    sp = seg.point(0)
    r.report("NEX100", sp, f"cannot parse this declaration: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    return sp


def _note_ctx(ctx: str | None, sp: Span, seg: Segment) -> tuple[str, ...]:
    start_line = seg.line_offset + 1
    return (f"while reading {ctx} (line {start_line})",) if ctx and sp.line != start_line else ()


def _eof(exc, seg: Segment, r: Reporter, ctx: str | None) -> Span:
    inner = scan(seg.text, max_depth=10**9)
    expected = _accepts(exc) - {"$END"}
    if inner.unclosed:
        off, ch = inner.unclosed[-1]
        close, what = _BRACKETS[ch]
        if ch == "{" and len(inner.unclosed) == 1:
            what = f"block of {ctx}" if ctx else "block"
        elif ch == "{":
            what = "map"
        line, col = seg.pos(off)
        opened = f"the {what} opened with '{ch}' at {seg.path}:{line}:{col}"
        if seg.is_last:
            sp = seg.end_span()
            r.report("NEX102", sp, f"the file ends before {opened.split(' at ')[0]} on line {line} is closed",
                     notes=(f"{opened} is still open",), fix=f"add {close}")
        else:
            nxt = seg.point(len(seg.text), 1)
            sp = Span(file=seg.path, line=nxt.line, column=1, end_line=nxt.line,
                      end_column=1 + len(re.match(r"\w*", seg.whole.text[seg.end:]).group() or "x"))
            r.report("NEX100", sp, f"a new declaration starts before {opened.split(' at ')[0]} on line {line} is closed",
                     notes=(f"{opened} is still open",), fix=f"add {close} before this line")
        return sp
    sp = seg.end_span()
    if seg.is_last:
        r.report("NEX102", sp, f"the file ends in the middle of a declaration; expected {_words(expected)}",
                 notes=_note_ctx(ctx, sp, seg))
    else:
        r.report("NEX100", sp, f"this declaration is incomplete; expected {_words(expected)}",
                 notes=_note_ctx(ctx, sp, seg))
    return sp


def _token(exc, seg: Segment, r: Reporter, ctx: str | None) -> Span:
    tok = exc.token
    line = (tok.line or 1) + seg.line_offset
    col = tok.column or 1
    text = str(tok)
    end_line, end_col = line, col + max(1, len(text))
    if "\n" in text:
        end_line, end_col = line, col + max(1, len(text.split("\n")[0]))
    sp = Span(file=seg.path, line=line, column=col, end_line=end_line, end_column=end_col)
    expected = _accepts(exc)
    found = _found(tok)
    notes = list(_note_ctx(ctx, sp, seg))
    fix = None
    if tok.type == "COLON" and "EQUAL" in expected:
        msg = "settings of a declaration are written `key = value`, not `key: value`"
        fix = "replace ':' with '='"
    elif tok.type == "EQUAL" and "COLON" in expected:
        msg = "entries of a map are written `key: value`, not `key = value`"
        fix = "replace '=' with ':'"
    elif expected & DECLARATION_TERMINALS and tok.type == "NAME" and len(expected & DECLARATION_TERMINALS) >= 4:
        guess = did_you_mean(text, _DECL_WORDS + ("nex",))
        if guess:
            msg = f"unknown declaration '{text}'; did you mean '{guess}'?"
            fix = f"replace '{text}' with '{guess}'"
        else:
            msg = f"expected {_words(expected)}, found {found}"
            notes.append("settings go inside a declaration's { } block, e.g. agent a { max_iterations = 10 }")
    elif {"COMMA", "RSQB"} <= expected and tok.type in VALUE_TERMINALS:
        msg = f"expected ',' or ']' after a list item, found {found}"
        fix = "separate list items with ','"
    elif {"COMMA", "RPAR"} <= expected and tok.type in VALUE_TERMINALS:
        msg = f"expected ',' or ')' after an argument, found {found}"
        fix = "separate arguments with ','"
    elif tok.type in ("RBRACE", "RSQB", "RPAR", "COMMA") and len(expected & VALUE_TERMINALS) >= 6:
        msg = f"expected a value, found {found}"
    else:
        msg = f"expected {_words(expected)}, found {found}"
    r.report("NEX100", sp, msg, notes=notes, fix=fix)
    return sp


def _chars(exc, seg: Segment, r: Reporter) -> Span:
    off = _offset(seg, exc.line, exc.column)
    inner = scan(seg.text, max_depth=10**9)
    if inner.unterminated is not None and inner.unterminated[0] <= off:
        off = inner.unterminated[0]
    ch = seg.text[off:off + 1] or " "
    rest = seg.text[off:]
    quote = re.match(r"[rR]?(\"\"\"|'''|\"|')", rest)
    if quote:
        q = quote.group(1)
        sp = seg.point(off, len(quote.group()))
        if len(q) == 3:
            r.report("NEX102", sp, f"this multi-line string is never closed: the file ends before the closing {q}",
                     fix=f"add the closing {q}")
        else:
            r.report("NEX100", sp, "this string is not closed on its line",
                     fix=f'add the closing {q}, or use """ for text that spans several lines')
        return sp
    sp = seg.point(off)
    shown = repr(ch)[1:-1] if not ch.isprintable() or ch.isspace() else ch
    hint = {";": "statements need no ';' — put each setting on its own line",
            "`": "strings are written in \"double\" or 'single' quotes",
            "@": None, "$": "environment variables are written env(\"NAME\")"}.get(ch)
    if ch == "-" and off > 0 and (seg.text[off - 1].isalnum() or seg.text[off - 1] == "_"):
        hint = "names use letters, digits and underscores: write my_name, not my-name"
    msg = f"unexpected character '{shown}'"
    if not ch.isascii() and ch.isprintable():
        msg += f" (U+{ord(ch):04X})"
    r.report("NEX101", sp, msg, notes=(hint,) if hint else (), fix="remove it, or put the text inside a string")
    return sp
