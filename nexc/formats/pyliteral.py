"""A fast reader for pythonic call lists: ``[name(key=value, …), …]`` with literal values.

:func:`read_calls` reads the plain subset a model writes — names, keyword arguments, strings,
numbers, ``True``/``False``/``None``, lists and dicts with string keys — in one regex pass and a
small recursive descent, without compiling the text. On anything outside that subset (comments,
tuples, string prefixes, odd escapes, trailing commas, …) it answers None and the caller uses
:mod:`ast`; where it answers, it gives what ``ast.literal_eval`` gives.
"""
from __future__ import annotations

import keyword
import re

_TOKENS = re.compile(
    r"[ \t\n]*(?:"
    r"([A-Za-z_][A-Za-z0-9_]*)"                                  # 1 a name (or True/False/None)
    r"|'((?:[^'\\\n\r\x00]|\\[^\n\r\x00])*)'"                    # 2 a '…' string
    r'|"((?:[^"\\\n\r\x00]|\\[^\n\r\x00])*)"'                    # 3 a "…" string
    r"|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"    # 4 a number
    r"|([][{}(),:=.]))")                                          # 5 punctuation
_STRIDE = 6
_KEYWORDS = frozenset(keyword.kwlist)  # never names of calls or arguments
_CONSTANTS = {"True": True, "False": False, "None": None}
#: the escapes repr() writes (and that mean the same in every Python 3 version)
_ESCAPES = re.compile(r"\\(?:[\\'\"abfnrtv]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_DEPTH = 64


class _Unsupported(Exception):
    """Outside the subset: let ``ast`` decide."""


def read_calls(src: str) -> list[tuple[str, dict]] | None:
    """``[(name, arguments), …]`` for a whole call list ``src``, or None when ``src`` is not in the
    plain subset (then it may still be valid Python, or not: ``ast`` decides)."""
    if src[:1] != "[" or not src.isascii() and _SURROGATE.search(src):
        return None  # leading whitespace is an indent, surrogates do not compile
    pieces = _TOKENS.split(src)
    if any(pieces[0::_STRIDE]):
        return None  # text no token matches
    reader = _Reader(pieces)
    try:
        calls = reader.calls()
    except (_Unsupported, ValueError, IndexError, KeyError, RecursionError):
        return None
    return calls if reader.pos == len(pieces) - 1 else None


class _Reader:
    """Recursive descent over the pieces of ``re.split``: ``pos`` indexes a gap, and the token after
    it is ``pieces[pos + 1 : pos + 6]`` (name, '…' body, "…" body, number, punctuation)."""

    def __init__(self, pieces: list):
        self.pieces = pieces
        self.pos = 0

    def calls(self) -> list[tuple[str, dict]]:
        p = self.pieces
        if p[5] != "[":
            raise _Unsupported
        self.pos = _STRIDE
        out = []
        while True:
            out.append(self.call())
            mark = p[self.pos + 5]
            self.pos += _STRIDE
            if mark == "]":
                return out
            if mark != ",":
                raise _Unsupported

    def call(self) -> tuple[str, dict]:
        p = self.pieces
        name = p[self.pos + 1]
        if name is None or name in _KEYWORDS:
            raise _Unsupported
        self.pos += _STRIDE
        while p[self.pos + 5] == ".":  # a dotted name: a.b.c
            part = p[self.pos + _STRIDE + 1]
            if part is None or part in _KEYWORDS:
                raise _Unsupported
            name += "." + part
            self.pos += 2 * _STRIDE
        if p[self.pos + 5] != "(":
            raise _Unsupported
        self.pos += _STRIDE
        args: dict = {}
        if p[self.pos + 5] == ")":
            self.pos += _STRIDE
            return name, args
        while True:
            key = p[self.pos + 1]
            if key is None or key in _KEYWORDS or p[self.pos + _STRIDE + 5] != "=":
                raise _Unsupported
            i = self.pos + 2 * _STRIDE
            if p[i + 2] is not None and "\\" not in p[i + 2]:  # the common case inline: a plain '…'
                args[key] = p[i + 2]
                self.pos = i + _STRIDE
            else:
                self.pos = i
                args[key] = self.value(0)
            mark = p[self.pos + 5]
            self.pos += _STRIDE
            if mark == ")":
                return name, args
            if mark != ",":
                raise _Unsupported

    def value(self, depth: int):
        p, i = self.pieces, self.pos
        self.pos = i + _STRIDE
        if p[i + 2] is not None:
            return _string(p[i + 2])
        if p[i + 4] is not None:
            text = p[i + 4]
            return float(text) if "." in text or "e" in text or "E" in text else int(text)
        if p[i + 1] is not None:
            return _CONSTANTS[p[i + 1]]  # KeyError: any other name is not a literal
        if p[i + 3] is not None:
            return _string(p[i + 3])
        mark = p[i + 5]
        if depth > _MAX_DEPTH or mark not in ("[", "{"):
            raise _Unsupported
        if mark == "[":
            out = []
            if p[self.pos + 5] == "]":
                self.pos += _STRIDE
                return out
            while True:
                out.append(self.value(depth + 1))
                mark = p[self.pos + 5]
                self.pos += _STRIDE
                if mark == "]":
                    return out
                if mark != ",":
                    raise _Unsupported
        obj: dict = {}
        if p[self.pos + 5] == "}":
            self.pos += _STRIDE
            return obj
        while True:
            i = self.pos
            key = p[i + 2] if p[i + 2] is not None else p[i + 3]
            if key is None or p[i + _STRIDE + 5] != ":":
                raise _Unsupported
            self.pos = i + 2 * _STRIDE
            obj[_string(key)] = self.value(depth + 1)
            mark = p[self.pos + 5]
            self.pos += _STRIDE
            if mark == "}":
                return obj
            if mark != ",":
                raise _Unsupported


def _string(body: str) -> str:
    """A string literal's value from its body (between the quotes)."""
    if "\\" not in body:
        return body
    if "\\" in _ESCAPES.sub("", body):
        raise _Unsupported  # an escape repr() does not write: leave it to the compiler
    return body.encode("latin-1", "backslashreplace").decode("unicode_escape")
