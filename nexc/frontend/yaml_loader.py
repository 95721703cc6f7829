"""A positioned, defensive YAML loader: YAML text → :class:`~nexc.frontend.located.Loc` tree.

Every value gets a real :class:`~nexc.ir.base.Span` and every mapping key its own span, so the
surface builder can point at exactly what the user wrote. The loader reads PyYAML's *event*
stream (the C parser when libyaml is available) and builds values itself, iteratively, so that:

- duplicate keys are reported (NEX207), not silently overwritten;
- tabs used as indentation (NEX105), syntax errors (NEX104), deep nesting (NEX107), more than one
  document (NEX151), alias expansion bombs (NEX150), unknown tags (NEX152) and non-string keys
  (NEX201) become diagnostics, never exceptions, and no input can exhaust the Python stack;
- anchors, aliases and merge keys (``<<``) work, with aliases shared rather than copied;
- plain scalars follow the YAML 1.2 core schema, not YAML 1.1 (see :func:`resolve_plain`).

:func:`comments` lists the comments of a file for inline suppressions.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from nexc.diagnostics import Reporter
from nexc.frontend.located import Loc, type_name
from nexc.ir.base import Span

try:  # libyaml is much faster; the pure-Python parser produces the same events
    _PARSER: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _PARSER = yaml.SafeLoader

#: Deepest nesting of lists and maps accepted (NEX107).
MAX_DEPTH = 100
#: Most values a document may expand to, counting every use of an alias in full (NEX150). Text counts too:
#: every TEXT_UNIT characters of a scalar are one more value, so the expanded text stays under
#: MAX_VALUES * TEXT_UNIT (16 MB) however often a long scalar is aliased.
MAX_VALUES = 1_000_000
TEXT_UNIT = 16


def weight(text: str | None) -> int:
    """What one scalar of ``text`` counts towards :data:`MAX_VALUES`."""
    return 1 + (len(text) // TEXT_UNIT if text else 0)

_T = "tag:yaml.org,2002:"

# ---------------------------------------------------------------- scalars: YAML 1.2 core schema, `_` in numbers

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT_DEC = re.compile(r"^[-+]?[0-9](?:_?[0-9])*$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F](?:_?[0-9a-fA-F])*$")
_INT_OCT = re.compile(r"^0o[0-7](?:_?[0-7])*$")
_DIGITS = r"[0-9](?:_?[0-9])*"
_FLOAT = re.compile(rf"^[-+]?(?:\.{_DIGITS}|{_DIGITS}(?:\.(?:{_DIGITS})?)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


def resolve_plain(text: str) -> Any:
    """The value of an untagged plain scalar, by the YAML 1.2 core schema with ``_`` allowed between digits.

    ``null``/``~``/empty → None; ``true``/``false`` (three casings) → bool; decimal, ``0x`` and ``0o``
    integers; decimal floats (``1.5``, ``1e3``, ``.inf``, ``.nan``); everything else is a string —
    including YAML 1.1's ``yes``/``no``/``on``/``off``, ``0b1010``, sexagesimal ``1:30`` and dates.
    A leading-zero integer such as ``017`` is decimal 17 (YAML 1.2), not octal 15 (YAML 1.1).
    """
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT_DEC.fullmatch(text):
        return int(text.replace("_", ""))
    if _INT_HEX.fullmatch(text):
        return int(text[2:].replace("_", ""), 16)
    if _INT_OCT.fullmatch(text):
        return int(text[2:].replace("_", ""), 8)
    if _FLOAT.fullmatch(text) and any(c.isdigit() for c in text):
        return float(text.replace("_", ""))
    if _INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.fullmatch(text):
        return math.nan
    return text


def show_tag(tag: str) -> str:
    """A tag as the user wrote it: ``!!int`` rather than ``tag:yaml.org,2002:int``."""
    return "!!" + tag[len(_T):] if tag.startswith(_T) else tag


def _tagged(tag: str, text: str) -> tuple[Any, str | None]:
    """The value of a scalar with an explicit standard tag; (value, error message or None)."""
    name = tag[len(_T):] if tag.startswith(_T) else None
    if name == "str":
        return text, None
    value = resolve_plain(text)
    want = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}.get(name or "")
    if want is None:
        return text, f"YAML tag '{show_tag(tag)}' is not supported; nexc reads plain data only"
    if isinstance(value, want) and not (name in ("int", "float") and isinstance(value, bool)):
        return (float(value) if name == "float" else value), None
    return text, f"'{text}' is not a valid !!{name}"


# ---------------------------------------------------------------- positions


#: A tag as written in the text: verbatim ``!<…>``, or ``!``, ``!!`` or ``!handle!`` and a suffix.
_TAG = re.compile(r"!<[^>]*>|![^\s,\[\]{}]*")


def _pos(mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _span(file: str, start, end) -> Span:
    line, col = _pos(start)
    eline, ecol = _pos(end)
    if (eline, ecol) < (line, col):
        eline, ecol = line, col
    # the fields are ints computed here, so pydantic's validation (most of the loader's time) is skipped
    return _new_span(file, line, col, eline, ecol)


_SET = object.__setattr__


def _fast_span(file: str, line: int, col: int, eline: int, ecol: int) -> Span:
    """A Span without pydantic's validation or ``model_construct``'s bookkeeping (a large spec has
    hundreds of thousands). Checked against a validated Span at import; if pydantic's internals ever
    differ, :func:`_new_span` falls back to the normal constructor."""
    s = object.__new__(Span)
    _SET(s, "__dict__", {"file": file, "line": line, "column": col, "end_line": eline, "end_column": ecol})
    _SET(s, "__pydantic_fields_set__", {"file", "line", "column", "end_line", "end_column"})
    _SET(s, "__pydantic_extra__", None)
    _SET(s, "__pydantic_private__", None)
    return s


def _slow_span(file: str, line: int, col: int, eline: int, ecol: int) -> Span:
    return Span(file=file, line=line, column=col, end_line=eline, end_column=ecol)


def _pick_span_factory():
    try:
        fast, slow = _fast_span("f", 1, 2, 3, 4), _slow_span("f", 1, 2, 3, 4)
        if fast == slow and hash(fast) == hash(slow) and fast.model_dump() == slow.model_dump() \
                and repr(fast) == repr(slow) and fast.model_copy(update={"line": 2}).line == 2:
            return _fast_span
    except Exception:  # pragma: no cover - only with an incompatible pydantic
        pass
    return _slow_span  # pragma: no cover


_new_span = _pick_span_factory()


def _line_span(file: str, text: str, line: int, col: int, width: int = 1) -> Span:
    line, col = max(1, line), max(1, col)
    return Span(file=file, line=line, column=col, end_line=line, end_column=col + max(1, width))


# ---------------------------------------------------------------- the event-driven builder


class _Abort(Exception):
    """Stop loading; the reason has been reported."""


@dataclass
class _Frame:
    """A collection being built: its items, and for a mapping the pending key and merges."""

    kind: str  # "map" | "seq"
    start: Any
    flow: bool
    anchor: str | None
    tag: str | None
    items: list = field(default_factory=list)  # seq: [Loc]; map: [(key, key_span, Loc, is_merge)]
    key: tuple | None = None  # (key str | None, key span, is_merge) waiting for its value
    size: int = 1
    first_key_at: dict = field(default_factory=dict)


class _Builder:
    def __init__(self, file: str, text: str, r: Reporter) -> None:
        self.file, self.text, self.r = file, text, r
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Loc, int]] = {}
        self.open_anchors: set[str] = set()
        self.sizes: dict[int, int] = {}
        self.root: Loc | None = None
        self.total = 0
        self.documents = 0
        self.lines: list[str] | None = None

    # -- helpers

    def span(self, start, end) -> Span:
        if end.column == 0 and end.line > start.line:  # block scalars end at the start of the next line
            if self.lines is None:
                self.lines = self.text.split("\n")
            prev = end.line - 1
            width = len(self.lines[prev].rstrip("\r")) if prev < len(self.lines) else 0
            return _new_span(self.file, start.line + 1, start.column + 1, prev + 1, width + 1)
        return _span(self.file, start, end)

    def tag_span(self, start, whole: Span) -> Span:
        """The span of the tag as written (``!env``, ``!!set``, ``!<tag:…>``) in the node starting at
        ``start`` (an anchor may come first); ``whole`` when it cannot be found on that line."""
        if self.lines is None:
            self.lines = self.text.split("\n")
        line = self.lines[start.line] if start.line < len(self.lines) else ""
        m = _TAG.search(line, start.column)
        if m is None:
            return whole
        return _new_span(self.file, start.line + 1, m.start() + 1, start.line + 1, m.end() + 1)

    def count(self, n: int, where: Span) -> None:
        self.total += n
        if self.total > MAX_VALUES:
            self.r.report("NEX150", where, f"the document expands to more than {MAX_VALUES:,} values or "
                                           f"{MAX_VALUES * TEXT_UNIT // 1_000_000} MB of text (aliases are counted "
                                           "at every use)",
                          fix="do not nest aliases of aliases; write the data out or move it to a file")
            raise _Abort

    def add(self, loc: Loc, size: int, *, plain_text: str | None = None) -> None:
        """Attach a finished value to the collection being built (or make it the document)."""
        if not self.stack:
            self.root = loc
            return
        top = self.stack[-1]
        top.size += size
        if top.kind == "seq":
            top.items.append(loc)
            return
        if top.key is None:  # this value is a key
            top.key = self.make_key(loc, plain_text)
            return
        key, key_span, is_merge = top.key
        top.key = None
        if key is None:
            return
        if not is_merge:
            first = top.first_key_at.get(key)
            if first is not None:
                self.r.report("NEX207", key_span, f"key '{key}' is set twice in this map",
                              notes=(f"first set at {first}",), fix=f"remove one of the two '{key}' entries")
                return
            top.first_key_at[key] = key_span
        top.items.append((key, key_span, loc, is_merge))

    def make_key(self, loc: Loc, plain_text: str | None) -> tuple:
        if plain_text == "<<":
            return "<<", loc.span, True
        v = loc.value
        if isinstance(v, str):
            return v, loc.span, False
        if isinstance(v, (list, dict)):
            self.r.report("NEX201", loc.span, "a map key must be a string, not a "
                          + ("list" if isinstance(v, list) else "map"))
            return None, loc.span, False
        shown = plain_text if plain_text is not None else repr(v)
        kind = "null" if v is None else "boolean" if isinstance(v, bool) else "number"
        self.r.report("NEX201", loc.span, f"map key {shown} is a {kind}, but keys must be strings",
                      fix=f"quote the key: '{shown}'")
        return shown, loc.span, False

    # -- events

    def scalar(self, ev) -> None:
        span = self.span(ev.start_mark, ev.end_mark)
        w = weight(ev.value)
        self.count(w, span)
        plain = ev.implicit[0] and ev.style in (None, "") and ev.tag in (None, "!")
        if plain:
            value = resolve_plain(ev.value)
        elif ev.tag in (None, "!"):
            value = ev.value
        else:
            value, err = _tagged(ev.tag, ev.value)
            if err:
                env = ev.tag.lstrip("!").lower() in ("env", "environ", "getenv")
                at = span if err.startswith("'") else self.tag_span(ev.start_mark, span)  # the value, or the tag
                self.r.report("NEX152", at, err, fix=f"write {{env: {ev.value or 'NAME'}}} instead" if env
                              else "remove the tag")
        loc = Loc(value, span)
        self.remember_anchor(ev.anchor, loc, w)
        self.add(loc, w, plain_text=ev.value if plain else None)

    def alias(self, ev) -> None:
        span = self.span(ev.start_mark, ev.end_mark)
        if ev.anchor in self.open_anchors:
            self.r.report("NEX104", span, f"alias '*{ev.anchor}' is used inside the value it names (a cycle)")
            raise _Abort
        if ev.anchor not in self.anchors:
            self.r.report("NEX104", span,
                          f"alias '*{ev.anchor}' refers to no anchor '&{ev.anchor}' defined before it")
            raise _Abort
        target, size = self.anchors[ev.anchor]
        self.count(size, span)
        self.add(Loc(target.value, span, target.key_spans), size)

    def start(self, ev, kind: str) -> None:
        where = self.span(ev.start_mark, ev.end_mark)
        if len(self.stack) >= MAX_DEPTH:
            self.r.report("NEX107", where, f"values are nested more than {MAX_DEPTH} levels deep",
                          fix="flatten the structure")
            raise _Abort
        tag = ev.tag if ev.tag not in (None, "!") else None
        want = _T + ("map" if kind == "map" else "seq")
        if tag is not None and tag != want:
            self.r.report("NEX152", self.tag_span(ev.start_mark, where),
                          f"YAML tag '{show_tag(tag)}' is not supported here; nexc reads plain data only",
                          fix="remove the tag")
        if ev.anchor:
            self.open_anchors.add(ev.anchor)
        self.count(1, where)
        self.stack.append(_Frame(kind, ev.start_mark, bool(ev.flow_style), ev.anchor, tag))

    def end(self, ev) -> None:
        fr = self.stack.pop()
        end_mark = ev.end_mark
        if fr.kind == "seq":
            value: Any = fr.items
            key_spans = None
            last = fr.items[-1].span if fr.items else None
        else:
            value, key_spans = self.merge(fr)
            last = fr.items[-1][2].span if fr.items else None
        span = self.span(fr.start, end_mark)
        if not fr.flow and last is not None:  # a block collection ends where its last value ends
            span = _new_span(self.file, span.line, span.column, last.end_line, last.end_column)
        loc = Loc(value, span, key_spans)
        if fr.anchor:
            self.open_anchors.discard(fr.anchor)
        self.remember_anchor(fr.anchor, loc, fr.size)
        self.add(loc, fr.size)

    def merge(self, fr: _Frame) -> tuple[dict, dict]:
        """The mapping's entries with ``<<`` merges applied: explicit keys win, then earlier merges."""
        explicit = {k for k, _, _, m in fr.items if not m}
        value: dict[str, Loc] = {}
        spans: dict[str, Span] = {}
        for key, key_span, loc, is_merge in fr.items:
            if not is_merge:
                value[key], spans[key] = loc, key_span
                continue
            sources = loc.value if isinstance(loc.value, list) else [loc]
            for src in sources:
                if not isinstance(src.value, dict):
                    self.r.report("NEX201", src.span, "a merge key '<<' takes a map or a list of maps, "
                                                      f"not {type_name(src.value)}")
                    continue
                for k, v in src.value.items():
                    if k not in explicit and k not in value:
                        value[k] = v
                        spans[k] = src.key_span(k)
        return value, spans

    def remember_anchor(self, anchor: str | None, loc: Loc, size: int) -> None:
        if anchor:
            self.anchors[anchor] = (loc, size)


# ---------------------------------------------------------------- entry points


def load_yaml(path: str, text: str, reporter: Reporter) -> Loc | None:
    """Parse one YAML document into a located value tree; None (with diagnostics) when it cannot be read.

    An empty document gives ``Loc(None)``. Syntax problems stop loading; problems inside a well-formed
    document (duplicate keys, non-string keys, tags) are reported and loading goes on.
    """
    b = _Builder(path, text, reporter)
    events = yaml.parse(text, Loader=_PARSER)
    try:
        for ev in events:
            cls = type(ev)
            if cls is yaml.ScalarEvent:
                b.scalar(ev)
            elif cls is yaml.MappingStartEvent:
                b.start(ev, "map")
            elif cls is yaml.SequenceStartEvent:
                b.start(ev, "seq")
            elif cls in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
                b.end(ev)
            elif cls is yaml.AliasEvent:
                b.alias(ev)
            elif cls is yaml.DocumentStartEvent:
                b.documents += 1
                if b.documents > 1:
                    reporter.report("NEX151", b.span(ev.start_mark, ev.end_mark),
                                    "a nexc spec holds one YAML document; this starts a second one",
                                    fix="remove the '---' line and what follows, or split the file")
                    return None
    except _Abort:
        return None
    except yaml.MarkedYAMLError as exc:
        _syntax_error(path, text, exc, reporter)
        return None
    except yaml.reader.ReaderError as exc:
        line, col = _offset_position(text, exc.position)
        code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character or 0)
        what = f"character U+{code:04X}"
        reporter.report("NEX104", _line_span(path, text, line, col),
                        f"the YAML text contains a {what} that YAML does not allow: {exc.reason}",
                        fix="remove the character, or write it as an escape in a double-quoted string")
        return None
    except (yaml.YAMLError, ValueError, TypeError, UnicodeError) as exc:  # defensive: never a traceback
        reporter.report("NEX104", _line_span(path, text, 1, 1), f"the YAML text cannot be read: {exc}")
        return None
    finally:
        close = getattr(events, "close", None)
        if close:
            close()
    root = b.root if b.root is not None else Loc(None, _line_span(path, text, 1, 1, 0))
    _check_tabs(path, text, root, reporter)
    return root


def _offset_position(text: str, offset: int) -> tuple[int, int]:
    """Line and column of a reader error; libyaml counts UTF-8 bytes, the Python reader characters."""
    from nexc.source import offset_to_position

    offset = offset if isinstance(offset, int) and offset > 0 else 0
    if _PARSER is not yaml.SafeLoader:
        offset = len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "ignore"))
    return offset_to_position(text, offset)


def _syntax_error(path: str, text: str, exc: yaml.MarkedYAMLError, r: Reporter) -> None:
    mark = exc.problem_mark or exc.context_mark
    line, col = _pos(mark) if mark is not None else (1, 1)
    lines = text.split("\n")
    src = lines[line - 1] if 1 <= line <= len(lines) else ""
    indent = src[: len(src) - len(src.lstrip(" \t"))]
    if "\t" in indent and col <= len(indent) + 1 or "tab" in (exc.problem or ""):
        tab_col = (indent.index("\t") + 1) if "\t" in indent else col
        r.report("NEX105", _line_span(path, text, line, tab_col), f"line {line} is indented with a tab; "
                 "YAML indentation must be spaces", fix="replace the tab with spaces")
        return
    reason = (exc.problem or "invalid YAML").strip()
    if "maximum nesting depth" in reason:
        r.report("NEX107", _line_span(path, text, line, col),
                 f"values are nested more than {MAX_DEPTH} levels deep",
                 fix="flatten the structure")
        return
    msg = f"YAML syntax error: {reason}"
    notes = []
    if exc.context:
        cm = exc.context_mark
        where = f" (line {cm.line + 1}, column {cm.column + 1})" if cm is not None else ""
        notes.append(f"{exc.context}{where}")
    hint = _hint(reason, src)
    r.report("NEX104", _line_span(path, text, line, col), msg, notes=tuple(notes), fix=hint)


def _hint(reason: str, src: str) -> str | None:
    if "mapping values are not allowed" in reason:
        return "quote the value if it contains ': ', or check the indentation of this line"
    if "expected ',' or ']'" in reason or "expected ',' or '}'" in reason:
        return "close the bracket, or separate the items with commas"
    if "end of stream" in reason and ("'" in src or '"' in src):
        return "close the quoted string"
    if any(s in reason for s in ("expected <block end>", "did not find expected '-'", "did not find expected key")):
        return "check the indentation: items of one map or list must line up"
    return None


def _check_tabs(path: str, text: str, root: Loc, r: Reporter) -> None:
    """Report lines of a parsed document whose indentation contains a tab (outside multi-line strings)."""
    if "\t" not in text:
        return
    inside: set[int] = set()
    todo = [root]
    seen: set[int] = set()
    while todo:
        loc = todo.pop()
        if id(loc) in seen:
            continue
        seen.add(id(loc))
        v = loc.value
        if isinstance(v, list):
            todo.extend(v)
        elif isinstance(v, dict):
            todo.extend(v.values())
        elif isinstance(v, str) and loc.span.end_line > loc.span.line:
            inside.update(range(loc.span.line + 1, loc.span.end_line + 1))
    for n, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip(" \t")
        indent = line[: len(line) - len(stripped)]
        if "\t" in indent and stripped and not stripped.startswith("#") and n not in inside:
            r.report("NEX105", _line_span(path, text, n, indent.index("\t") + 1),
                     f"line {n} is indented with a tab; YAML indentation must be spaces",
                     fix="replace the tab with spaces")
            return


_BLOCK_OPENER = re.compile(r"(?:^|\s)[|>][0-9+\-]*$")


def comments(text: str) -> list[tuple[int, str]]:
    """Every comment in YAML ``text`` as ``(line, text)`` with the text from ``#``, in order.

    A simple scan: it knows about single- and double-quoted strings on one line and skips the
    content of block scalars (``|`` / ``>``), which is enough for ``# nex: ignore[…]`` comments.
    """
    out: list[tuple[int, str]] = []
    block_indent: int | None = None  # indentation of the line that opened a block scalar
    for n, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if not stripped.strip() or indent > block_indent:
                continue
            block_indent = None
        pos = _comment_start(line)
        if pos is not None:
            out.append((n, line[pos:].rstrip("\r")))
        code = (line[:pos] if pos is not None else line).rstrip()
        if _BLOCK_OPENER.search(code):
            block_indent = indent
    return out


def _comment_start(line: str) -> int | None:
    quote = None
    i = 0
    while i < len(line):
        c = line[i]
        if quote == '"':
            if c == "\\":
                i += 2
                continue
            if c == '"':
                quote = None
        elif quote == "'":
            if c == "'":
                quote = None
        elif c in "\"'" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
        i += 1
    return None
