"""Decoding the literal tokens of ``.nex``: strings (escapes, raw strings, multi-line dedent) and numbers.

Multi-line (triple-quoted) strings follow one rule, documented in ``specs/LANGUAGE.md``:

* a line break right after the opening quotes is not part of the text;
* when the closing quotes stand on a line of their own, the whitespace before them is the string's
  indentation: it is removed from every line, and the line break before the closing quotes is not part
  of the text (a line less indented than the closing quotes is an error, NEX109);
* otherwise the whitespace common to all non-blank lines after the first is removed.

Indentation is removed before escapes are decoded, so ``\\n`` or ``\\t`` never count as layout.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_SIMPLE = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_HEX = re.compile(r"[0-9A-Fa-f]+")
_INT = re.compile(r"[+-]?[0-9](?:_?[0-9])*")
_FLOAT = re.compile(r"[+-]?[0-9](?:_?[0-9])*(?:\.[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?")


@dataclass(frozen=True)
class Problem:
    """A problem inside a literal: ``offset`` and ``length`` are relative to the token's text."""

    code: str
    offset: int
    length: int
    message: str
    fix: str | None = None


def decode_string(token: str) -> tuple[str, list[Problem]]:
    """The value of a string token (with its quotes and optional ``r`` prefix) and any problems in it."""
    raw = token[:1] in "rR"
    start = 1 if raw else 0
    triple = token[start:start + 3] in ('"""', "'''")
    q = 3 if triple else 1
    body_start = start + q
    body = token[body_start:len(token) - q]
    problems: list[Problem] = []
    if not triple:
        return (body if raw else _unescape(body, body_start, problems)), problems
    pieces = _dedent(body, body_start, problems)
    out = []
    for text, offset in pieces:
        out.append(text if raw else _unescape(text, offset, problems))
    return "\n".join(out), problems


def _split_lines(body: str, base: int) -> list[tuple[str, int]]:
    """Lines of ``body`` with the offset of each, a trailing ``\\r`` (CRLF files) dropped."""
    lines, pos = [], 0
    for part in body.split("\n"):
        lines.append((part[:-1] if part.endswith("\r") else part, base + pos))
        pos += len(part) + 1
    return lines


def _indent_of(s: str) -> str:
    return s[: len(s) - len(s.lstrip(" \t"))]


def _dedent(body: str, base: int, problems: list[Problem]) -> list[tuple[str, int]]:
    lines = _split_lines(body, base)
    if len(lines) == 1:
        return lines
    keep_first = lines[0][0].strip(" \t") != ""
    first = [lines[0]] if keep_first else []
    rest = lines[1:]
    last_text = rest[-1][0]
    if last_text.strip(" \t") == "":
        indent = last_text
        rest = rest[:-1]
        out = list(first)
        for text, off in rest:
            if text.startswith(indent):
                out.append((text[len(indent):], off + len(indent)))
            elif text.strip(" \t") == "":
                out.append(("", off + len(text)))
            else:
                n = len(_common_prefix(text, indent))
                problems.append(Problem("NEX109", off, max(1, len(_indent_of(text))),
                                        "this line of a multi-line string is indented less than its closing quotes",
                                        fix="indent the line at least as far as the closing \"\"\", or move the "
                                            "closing quotes left"))
                out.append((text[n:], off + n))
        return out
    blank = [t for t, _ in rest if t.strip(" \t")]
    prefix = _indent_of(blank[0]) if blank else ""
    for t in blank[1:]:
        prefix = _common_prefix(prefix, _indent_of(t))
    out = list(first)
    for text, off in rest:
        if text.startswith(prefix):
            out.append((text[len(prefix):], off + len(prefix)))
        else:  # a whitespace-only line shorter than the prefix
            out.append(("", off + len(text)))
    return out


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return a[:n]


def _unescape(s: str, base: int, problems: list[Problem]) -> str:
    if "\\" not in s:
        return s
    out, i, n = [], 0, len(s)
    while i < n:
        c = s[i]
        if c != "\\":
            j = s.find("\\", i)
            j = n if j < 0 else j
            out.append(s[i:j])
            i = j
            continue
        nxt = s[i + 1] if i + 1 < n else ""
        if nxt in _SIMPLE and nxt:
            out.append(_SIMPLE[nxt])
            i += 2
            continue
        if nxt in ("u", "U"):
            width = 4 if nxt == "u" else 8
            digits = s[i + 2:i + 2 + width]
            if len(digits) == width and _HEX.fullmatch(digits):
                cp = int(digits, 16)
                if cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF:
                    out.append(chr(cp))
                    i += 2 + width
                    continue
                problems.append(Problem("NEX103", base + i, 2 + width,
                                        f"\\{nxt}{digits} is not a Unicode character"))
                i += 2 + width
                continue
            good = _HEX.match(digits)
            problems.append(Problem("NEX103", base + i, 2 + (len(good.group()) if good else 0),
                                    f"\\{nxt} must be followed by {width} hexadecimal digits"))
            i += 2
            continue
        shown = "\\" + (nxt if nxt and nxt.isprintable() else "")
        problems.append(Problem("NEX103", base + i, 2 if nxt else 1,
                                f"unknown escape sequence '{shown}'" if nxt.strip() else
                                "a backslash at the end of a line is not an escape",
                                fix="write \\\\ for a backslash, or use a raw string r\"…\""))
        out.append(nxt)
        i += 2
    return "".join(out)


def parse_number(token: str) -> int | float | None:
    """The value of a number token, or None when it is malformed (NEX108)."""
    if _INT.fullmatch(token):
        try:
            return int(token)
        except ValueError:  # more digits than Python converts
            return None
    if _FLOAT.fullmatch(token):
        v = float(token)
        if v in (float("inf"), float("-inf")):
            return None
        return v
    return None


def number_problem(token: str) -> str:
    """Why ``token`` is not a number, in words."""
    if "__" in token or token.endswith("_") or "_." in token or "._" in token or re.search(r"_[eE]|[eE][+-]?_", token):
        return f"invalid number '{token}': underscores may only separate digits"
    if re.fullmatch(r"[+-]?[0-9][0-9_]*", token):
        return f"number '{token}' is too long"
    if _FLOAT.fullmatch(token):
        return f"number '{token}' is too large"
    return f"invalid number '{token}'"
