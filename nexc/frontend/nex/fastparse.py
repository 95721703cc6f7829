"""A hand-written recursive-descent parser for ``grammar/nex.lark``: the fast path of the ``.nex`` frontend.

It builds the trees Lark's LALR parser builds (same rule names, same kept tokens, same positions; a test
compares the two on every fixture and on generated programs) several times faster and without importing
Lark. It never reports errors: on anything it does not accept it raises :class:`NotFast`, and the caller
parses with Lark, whose error messages and recovery stay the only source of syntax diagnostics. It is
deliberately stricter than Lark's contextual lexer (which reads ``llmfoo {`` as ``llm foo {``), so that what
it accepts, Lark accepts with the same tree.
"""
from __future__ import annotations

import re

#: Keywords that start a declaration (``nex`` only starts the file).
DECL = frozenset({"framework", "import", "llm", "tool", "mcp", "skill", "agent", "entry"})
LITERALS = {"true": "TRUE", "false": "FALSE", "null": "NULL"}
TRANSPORTS = {"stdio": "STDIO", "http": "HTTP", "sse": "SSE"}

_STRING = (r'[rR]?(?:"""(?:[^"\\]|\\[\s\S]|"(?!""))*+"""|' r"'''(?:[^'\\]|\\[\s\S]|'(?!''))*+'''|"
           r'"(?:[^"\\\n]|\\[^\n])*+"|' r"'(?:[^'\\\n]|\\[^\n])*+')")
_LEX = re.compile(r"(?P<w>[ \t\f\r\n]+|#[^\n]*)|(?P<S>" + _STRING + r")|(?P<N>[+-]?[0-9](?:[eE][+-]|[A-Za-z0-9_.])*)"
                  r"|(?P<I>[A-Za-z_][A-Za-z0-9_]*)|(?P<P>->|[{}\[\]():,=.*|?])|(?P<E>[\s\S])")


class NotFast(Exception):
    """The fast parser does not accept the text; parse it with Lark."""


class Tok(str):
    """A kept token: its text, Lark terminal name and position (1-based lines and columns, end exclusive)."""

    __slots__ = ("type", "line", "column", "end_line", "end_column", "start_pos", "end_pos")


class Node:
    """A rule's tree: ``data`` (rule name), ``children`` (nodes and tokens) and the position, as ``meta``."""

    __slots__ = ("data", "children", "line", "column", "end_line", "end_column", "start_pos", "end_pos", "empty")

    def __init__(self, data: str, children: list, first: tuple | None, last: tuple | None) -> None:
        self.data, self.children = data, children
        if first is None:
            self.empty = True
            return
        self.empty = False
        self.line, self.column, self.start_pos = first[4], first[5], first[2]
        self.end_line, self.end_column, self.end_pos = last[6], last[7], last[3]

    @property
    def meta(self) -> "Node":
        return self

    def __repr__(self) -> str:
        return f"Node({self.data!r}, {self.children!r})"


def _lex(text: str) -> list[tuple]:
    """Tokens as ``(kind, text, start, end, line, column, end_line, end_column)``; kind is S, N, I or the
    punctuation itself. Raises NotFast on a character no terminal starts with or an unclosed string."""
    out: list[tuple] = []
    line, ls = 1, 0
    for mo in _LEX.finditer(text):
        k = mo.lastgroup
        a, b = mo.span()
        if k == "w":
            nl = text.count("\n", a, b)
            if nl:
                line += nl
                ls = text.rfind("\n", a, b) + 1
            continue
        if k == "E":
            raise NotFast
        v = mo.group()
        col = a - ls + 1
        if k == "S" and "\n" in v:
            sl = line
            line += v.count("\n")
            ls = a + v.rfind("\n") + 1
            out.append((k, v, a, b, sl, col, line, b - ls + 1))
        else:
            out.append((v if k == "P" else k, v, a, b, line, col, line, col + (b - a)))
    out.append(("$", "", len(text), len(text), line, len(text) - ls + 1, line, len(text) - ls + 1))
    return out


def _tok(t: tuple, type_: str) -> Tok:
    x = str.__new__(Tok, t[1])
    x.type = type_
    x.start_pos, x.end_pos, x.line, x.column, x.end_line, x.end_column = t[2], t[3], t[4], t[5], t[6], t[7]
    return x


class _Parser:
    def __init__(self, text: str) -> None:
        self.t = _lex(text)
        self.i = 0

    # ------------------------------------------------------------ helpers

    def kind(self) -> str:
        return self.t[self.i][0]

    def take(self, kind: str) -> tuple:
        t = self.t[self.i]
        if t[0] != kind:
            raise NotFast
        self.i += 1
        return t

    def name(self) -> Tok:
        return _tok(self.take("I"), "NAME")

    def prev(self) -> tuple:
        return self.t[self.i - 1]

    def at_decl_end(self) -> bool:
        t = self.t[self.i]
        return t[0] == "$" or (t[0] == "I" and t[1] in DECL)

    # ------------------------------------------------------------ file and declarations

    def start(self) -> Node:
        kids: list = []
        t = self.t[0]
        if t[0] == "I" and t[1] == "nex":
            self.i += 1
            num = self.take("N")
            kids.append(Node("version", [_tok(num, "NUMBER")], t, num))
        while True:
            t = self.t[self.i]
            if t[0] == "$":
                break
            if t[0] != "I" or t[1] not in DECL:
                raise NotFast
            self.i += 1
            kids.append(getattr(self, "d_" + t[1])(t))
        return Node("start", kids, self.t[0] if kids else None, self.prev() if kids else None)

    def d_framework(self, kw: tuple) -> Node:
        kids: list = []
        t = self.t[self.i]
        if t[0] == "I" and t[1] not in DECL:
            kids.append(self.name())
        if self.kind() == "S":
            kids.append(self.hstring())
        if self.kind() == "{":
            kids.append(self.block())
        if not self.at_decl_end():
            raise NotFast
        return Node("framework", kids, kw, self.prev())

    def d_import(self, kw: tuple) -> Node:
        s = self.hstring()
        return self._end("import_", [s], kw)

    def d_llm(self, kw: tuple) -> Node:
        return self._end("llm", [self.name(), self.block()], kw)

    def d_entry(self, kw: tuple) -> Node:
        return self._end("entry", [self.name()], kw)

    def d_agent(self, kw: tuple) -> Node:
        kids: list = [self.name()]
        if self.kind() == "S":
            kids.append(self.hstring())
        kids.append(self.block())
        return self._end("agent", kids, kw)

    def d_skill(self, kw: tuple) -> Node:
        return self._assigned("skill", kw, self.hstring)

    def d_mcp(self, kw: tuple) -> Node:
        return self._assigned("mcp", kw, self.transport)

    def _assigned(self, rule: str, kw: tuple, header) -> Node:
        """``rule NAME = <header> block?`` or ``rule NAME block`` (skills and MCP servers)."""
        kids: list = [self.name()]
        if self.kind() == "=":
            self.i += 1
            kids.append(header())
            if self.kind() == "{":
                kids.append(self.block())
        else:
            kids.append(self.block())
        return self._end(rule, kids, kw)

    def d_tool(self, kw: tuple) -> Node:
        kids: list = [self.name()]
        if self.kind() == "(":
            kids.append(self.params())
        if self.kind() == "->":
            arrow = self.take("->")
            ty = self.type_()
            kids.append(Node("returns", [_tok(arrow, "ARROW"), ty], arrow, self.prev()))
        if self.kind() == "S":
            kids.append(self.hstring())
        if self.kind() == "=":
            eq = self.take("=")
            k = self.take("I")
            if k[1] not in ("python", "stdlib"):
                raise NotFast
            s = self.hstring()
            kids.append(Node("binding", [_tok(k, "BINDING_KIND"), s], eq, self.prev()))
        if self.kind() == "{":
            kids.append(self.block())
        return self._end("tool", kids, kw)

    def _end(self, rule: str, kids: list, kw: tuple) -> Node:
        if not self.at_decl_end():
            raise NotFast
        return Node(rule, kids, kw, self.prev())

    # ------------------------------------------------------------ header parts

    def hstring(self) -> Node:
        t = self.take("S")
        return Node("string", [_tok(t, "STRING")], t, t)

    def transport(self) -> Node:
        t = self.take("I")
        kind = TRANSPORTS.get(t[1])
        if kind is None:
            raise NotFast
        kids: list = [_tok(t, kind)]
        if self.kind() == "S":
            kids.append(self.hstring())
        else:
            kids.append(self.call(self.take("I")))
        if kind == "STDIO" and self.kind() == "[":
            kids.append(self.list_())
        return Node("transport", kids, t, self.prev())

    def params(self) -> Node:
        op = self.take("(")
        kids: list = []
        while self.kind() != ")":
            kids.append(self.param())
            if self.kind() != ",":
                break
            self.i += 1
        self.take(")")
        return Node("params", kids, op, self.prev())

    def param(self) -> Node:
        first = self.t[self.i]
        kids: list = [self.name()]
        self.take(":")
        kids.append(self.type_())
        if self.kind() == "=":
            eq = self.take("=")
            v = self.value()
            kids.append(Node("default", [v], eq, self.prev()))
        if self.kind() == "S":
            kids.append(self.hstring())
        return Node("param", kids, first, self.prev())

    def type_(self) -> Node:
        first = self.t[self.i]
        if first[0] == "S":
            kids = [self.hstring()]
            while self.kind() == "|":
                self.i += 1
                kids.append(self.hstring())
            return Node("union", kids, first, self.prev())
        kids = [self.name()]
        if self.kind() == "[":
            op = self.take("[")
            args = [self.type_()]
            while self.kind() == ",":
                self.i += 1
                if self.kind() == "]":
                    break
                args.append(self.type_())
            self.take("]")
            kids.append(Node("type_args", args, op, self.prev()))
        if self.kind() == "?":
            kids.append(_tok(self.take("?"), "QMARK"))
        return Node("type_ref", kids, first, self.prev())

    # ------------------------------------------------------------ blocks and values

    def block(self) -> Node:
        op = self.take("{")
        kids: list = []
        while self.kind() != "}":
            first = self.t[self.i]
            key = self.name()
            self.take("=")
            kids.append(Node("setting", [key, self.value()], first, self.prev()))
            if self.kind() == ",":
                self.i += 1
        self.i += 1
        return Node("block", kids, op, self.prev())

    def value(self) -> Node:
        t = self.t[self.i]
        k = t[0]
        if k == "S":
            self.i += 1
            return Node("string", [_tok(t, "STRING")], t, t)
        if k == "N":
            self.i += 1
            return Node("number", [_tok(t, "NUMBER")], t, t)
        if k == "I":
            self.i += 1
            lit = LITERALS.get(t[1])
            if lit is not None:
                return Node(t[1], [_tok(t, lit)], t, t)
            if self.kind() == "(":
                return self.call(t)
            kids = [_tok(t, "NAME")]
            while self.kind() == ".":
                self.i += 1
                n = self.t[self.i]
                if n[0] == "I":
                    kids.append(_tok(n, "NAME"))
                elif n[0] == "*":
                    kids.append(_tok(n, "STAR"))
                else:
                    raise NotFast
                self.i += 1
            return Node("ref", kids, t, self.prev())
        if k == "[":
            return self.list_()
        if k == "{":
            return self.map_()
        raise NotFast

    def list_(self) -> Node:
        op = self.take("[")
        kids: list = []
        while self.kind() != "]":
            kids.append(self.value())
            if self.kind() != ",":
                break
            self.i += 1
        self.take("]")
        return Node("list", kids, op, self.prev())

    def map_(self) -> Node:
        op = self.take("{")
        kids: list = []
        while self.kind() != "}":
            first = self.t[self.i]
            if first[0] == "S":
                key = self.hstring()
            else:
                key = self.name()
            self.take(":")
            kids.append(Node("pair", [key, self.value()], first, self.prev()))
            if self.kind() == ",":
                self.i += 1
        self.i += 1
        return Node("map", kids, op, self.prev())

    def call(self, name: tuple) -> Node:
        kids: list = [_tok(name, "NAME")]
        self.take("(")
        while self.kind() != ")":
            t = self.t[self.i]
            if t[0] == "I" and self.t[self.i + 1][0] == "=":
                if t[1] in LITERALS:
                    raise NotFast
                self.i += 2
                kids.append(Node("kwarg", [_tok(t, "NAME"), self.value()], t, self.prev()))
            else:
                kids.append(self.value())
            if self.kind() != ",":
                break
            self.i += 1
        self.take(")")
        return Node("call", kids, name, self.prev())


def parse(text: str) -> Node:
    """The ``start`` tree of ``text``, or :class:`NotFast` when the fast parser does not accept it."""
    return _Parser(text).start()
