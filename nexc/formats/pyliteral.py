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

#: one token (after optional blanks) per match, captured whole; ``re.split`` then alternates gaps
#: (text no token matches: must all be empty) and tokens. A token's first character says its kind:
#: punctuation, a name (``str.isidentifier``), a quote (a string), a digit or ``-`` (a number).
_TOKENS = re.compile(
    r"[ \t\n]*+("
    r"[][{}(),:=.]"
    r"|[A-Za-z_][A-Za-z0-9_]*+"
    r"|'(?:[^'\\\n\r\x00]++|\\[^\n\r\x00])*+'"
    r'|"(?:[^"\\\n\r\x00]++|\\[^\n\r\x00])*+"'
    r"|-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?(?:[eE][-+]?[0-9]++)?)")
_KEYWORDS = frozenset(keyword.kwlist)  # never names of calls or arguments
_CONSTANTS = {"True": True, "False": False, "None": None}
_QUOTES = frozenset("'\"")
_NUMBER_START = frozenset("-0123456789")
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
    if any(pieces[0::2]):
        return None  # text no token matches
    toks = pieces[1::2]
    try:
        calls, end = _calls(toks)
    except (_Unsupported, ValueError, IndexError, KeyError, RecursionError):
        return None
    return calls if end == len(toks) else None


def _name(tok: str) -> str:
    """``tok`` if it is a name a call or an argument may have."""
    if not tok.isidentifier() or tok in _KEYWORDS:
        raise _Unsupported
    return tok


def _calls(t: list[str]) -> tuple[list[tuple[str, dict]], int]:
    """The call list starting at token 0, and the index after it."""
    if t[0] != "[":
        raise _Unsupported
    out = []
    i = 1
    while True:
        name = _name(t[i])
        i += 1
        while t[i] == ".":  # a dotted name: a.b.c
            name += "." + _name(t[i + 1])
            i += 2
        if t[i] != "(":
            raise _Unsupported
        i += 1
        args: dict = {}
        if t[i] == ")":
            i += 1
        else:
            while True:
                key = _name(t[i])
                if t[i + 1] != "=":
                    raise _Unsupported
                tok = t[i + 2]
                if tok[0] == "'" and "\\" not in tok:  # the common case inline: a plain '…'
                    args[key] = tok[1:-1]
                    i += 3
                else:
                    args[key], i = _value(t, i + 2, 0)
                mark = t[i]
                i += 1
                if mark == ")":
                    break
                if mark != ",":
                    raise _Unsupported
        out.append((name, args))
        mark = t[i]
        i += 1
        if mark == "]":
            return out, i
        if mark != ",":
            raise _Unsupported


def _value(t: list[str], i: int, depth: int):
    """The literal starting at token ``i``, and the index after it."""
    tok = t[i]
    first = tok[0]
    if first in _QUOTES:
        return _string(tok[1:-1]), i + 1
    if first in _NUMBER_START:
        return (float(tok) if "." in tok or "e" in tok or "E" in tok else int(tok)), i + 1
    if first == "[":
        if depth >= _MAX_DEPTH:
            raise _Unsupported
        out = []
        i += 1
        if t[i] == "]":
            return out, i + 1
        while True:
            value, i = _value(t, i, depth + 1)
            out.append(value)
            mark = t[i]
            i += 1
            if mark == "]":
                return out, i
            if mark != ",":
                raise _Unsupported
    if first == "{":
        if depth >= _MAX_DEPTH:
            raise _Unsupported
        obj: dict = {}
        i += 1
        if t[i] == "}":
            return obj, i + 1
        while True:
            key = t[i]
            if key[0] not in _QUOTES or t[i + 1] != ":":
                raise _Unsupported
            obj[_string(key[1:-1])], i = _value(t, i + 2, depth + 1)
            mark = t[i]
            i += 1
            if mark == "}":
                return obj, i
            if mark != ",":
                raise _Unsupported
    return _CONSTANTS[tok], i + 1  # KeyError: any other name (or punctuation) is not a literal


def _string(body: str) -> str:
    """A string literal's value from its body (between the quotes)."""
    if "\\" not in body:
        return body
    if "\\" in _ESCAPES.sub("", body):
        raise _Unsupported  # an escape repr() does not write: leave it to the compiler
    return body.encode("latin-1", "backslashreplace").decode("unicode_escape")
