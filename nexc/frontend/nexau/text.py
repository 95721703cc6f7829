"""NexAU's text substitutions and a positioned YAML reader that maps every span back to the original file.

NexAU rewrites a config's *text* before it parses it: ``${this_file_dir}`` becomes the file's folder,
``${env.NAME}`` the variable's value, and ``${variables.a.b}`` a value from the file's own ``variables:``
map. nexc does the same, except that

- ``${this_file_dir}`` becomes ``.``: a path built with it is relative to the declaring file, which is how
  NexAU resolves every relative path it reads (``yaml_path``, ``config_path``, prompts, skills, ``*_path``
  hook parameters), and the IR never holds a machine-specific absolute path;
- ``${env.NAME}`` is never read at build time: it is replaced by a same-length marker that survives YAML
  parsing, and a value that is exactly one marker becomes ``EnvRef(NAME)``;
- every replacement is recorded in an :class:`OffsetMap`, so spans computed on the substituted text point
  into the original file.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from nexc.diagnostics import Reporter
from nexc.frontend.located import Loc
from nexc.frontend.yaml_loader import MAX_VALUES, TEXT_UNIT, weight
from nexc.ir.base import Span

#: ``${env.NAME}``, ``${this_file_dir}`` and ``${variables.a.b}`` as NexAU writes them.
SUBST_RE = re.compile(r"\$\{(?:env\.(?P<env>[A-Za-z_][A-Za-z0-9_]*)|(?P<dir>this_file_dir)|"
                      r"variables\.(?P<var>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*))\}")
#: An env marker: private-use characters around the name, as long as ``${env.NAME}``.
ENV_OPEN, ENV_CLOSE = "\ue000\ue000env.", "\ue001"
ENV_MARK_RE = re.compile("\ue000\ue000env\\.([A-Za-z_][A-Za-z0-9_]*)\ue001")
_MAX_DEPTH = 200


@dataclass
class OffsetMap:
    """Maps offsets in substituted text back to offsets in the original text.

    ``segments`` holds ``(new_start, new_end, orig_start, orig_end, replaced)``, in order and gap-free.
    Inside an unchanged segment offsets shift; inside a replacement a start maps to the start of the
    original placeholder and an end to its end.
    """

    segments: list[tuple[int, int, int, int, bool]] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list)

    def add(self, new_start: int, new_end: int, orig_start: int, orig_end: int, replaced: bool) -> None:
        self.segments.append((new_start, new_end, orig_start, orig_end, replaced))
        self._starts.append(new_start)

    def original(self, offset: int, *, end: bool = False) -> int:
        if not self.segments:
            return offset
        i = max(0, bisect.bisect_right(self._starts, offset) - 1)
        ns, ne, os_, oe, replaced = self.segments[i]
        if replaced:
            return oe if end and offset > ns else os_
        return os_ + min(offset - ns, oe - os_)


@dataclass
class Placeholder:
    """One ``${…}`` found in the original text."""

    kind: str  # "env" | "dir" | "var"
    name: str
    start: int
    end: int


class TooLong(Exception):
    """The substituted text passed the limit (args: the placeholder where it did)."""


def substitute(text: str, this_dir: str, variables: dict[str, Any] | None, *,
               limit: int | None = None) -> tuple[str, OffsetMap, list[Placeholder], list[tuple[Placeholder, str]]]:
    """Apply NexAU's substitutions to ``text`` in one pass over the original.

    ``variables`` is the file's ``variables:`` map, or None when it is not known yet (first pass: variable
    placeholders stay as written). Returns the new text, its offset map, every placeholder, and the variable
    placeholders that could not be replaced with the reason.
    """
    out: list[str] = []
    m = OffsetMap()
    found: list[Placeholder] = []
    problems: list[tuple[Placeholder, str]] = []
    pos = new = 0
    for match in SUBST_RE.finditer(text):
        kind = "env" if match.group("env") else "dir" if match.group("dir") else "var"
        ph = Placeholder(kind, match.group(kind) or "this_file_dir", match.start(), match.end())
        found.append(ph)
        if kind == "env":
            continue  # same length, handled by the plain copy below (marker written in place)
        if kind == "var":
            if variables is None:
                continue
            value, why = _lookup(variables, ph.name)
            if why:
                problems.append((ph, why))
                continue
            repl = _scalar_text(value)
        else:
            repl = this_dir
        if match.start() > pos:
            out.append(_mark_env(text[pos:match.start()]))
            m.add(new, new + match.start() - pos, pos, match.start(), False)
            new += match.start() - pos
        out.append(repl)
        m.add(new, new + len(repl), match.start(), match.end(), True)
        new += len(repl)
        pos = match.end()
        if limit is not None and new > limit:  # stop before building a huge text
            raise TooLong(ph)
    out.append(_mark_env(text[pos:]))
    m.add(new, new + len(text) - pos, pos, len(text), False)
    return "".join(out), m, found, problems


def _mark_env(chunk: str) -> str:
    return re.sub(r"\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}", lambda mm: f"{ENV_OPEN}{mm.group(1)}{ENV_CLOSE}", chunk)


def unmark_env(s: str) -> str:
    """A string with env markers written back as ``${env.NAME}``."""
    return ENV_MARK_RE.sub(lambda mm: "${env." + mm.group(1) + "}", s)


def _lookup(variables: Any, dotted: str) -> tuple[Any, str | None]:
    cur = variables
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None, "not defined in 'variables'"
        cur = cur[part]
    if isinstance(cur, (dict, list)):
        return None, "is a map or list and cannot be put into text"
    return cur, None


def _scalar_text(v: Any) -> str:
    if isinstance(v, bool):
        return "True" if v else "False"  # NexAU uses str(value)
    return "" if v is None else str(v)


# ---------------------------------------------------------------- positioned YAML


class Positions:
    """Turns offsets in the substituted text into spans of the original file."""

    def __init__(self, file: str, original: str, omap: OffsetMap) -> None:
        self.file, self.omap = file, omap
        starts, i = [0], original.find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = original.find("\n", i + 1)
        self.line_starts = starts

    def _pos(self, off: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.line_starts, off) - 1
        return i + 1, off - self.line_starts[i] + 1

    def span(self, start: int, end: int) -> Span:
        s = self.omap.original(start)
        e = max(s, self.omap.original(end, end=True))
        (l1, c1), (l2, c2) = self._pos(s), self._pos(e)
        return Span(file=self.file, line=l1, column=c1, end_line=l2, end_column=c2)


def _reader_error(exc, pos: Positions, r: Reporter) -> None:
    """NEX104 at the character YAML refuses (a control character, say)."""
    off = max(0, int(getattr(exc, "position", 0) or 0))
    char = exc.character if isinstance(exc.character, str) else chr(exc.character or 0)
    r.report("NEX104", pos.span(off, off + 1), f"YAML does not allow the character {char!r} (U+{ord(char):04X})",
             fix="remove it, or write it as an escape inside a double-quoted string")


def parse_yaml(text: str, pos: Positions, r: Reporter) -> Loc | None:
    """Parse ``text`` (already substituted) into a :class:`Loc` tree; YAML errors are reported (NEX104).

    A node used through several aliases becomes one shared :class:`Loc`, and every use counts in full
    towards :data:`~nexc.frontend.yaml_loader.MAX_VALUES`, so an alias bomb is refused (NEX150) in
    milliseconds instead of expanding into gigabytes."""
    fast = _fast_compose(text)
    if fast is not None:
        loader, node = fast
        return _convert(loader, node, pos, r)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (checked up front)
        _reader_error(exc, pos, r)
        return None
    try:
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        _reader_error(exc, pos, r)
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        off = mark.index if mark is not None else 0
        r.report("NEX104", pos.span(off, off + 1), f"YAML syntax error: {exc.problem or exc.context}")
        return None
    except yaml.YAMLError as exc:
        r.report("NEX104", pos.span(0, 0), f"YAML error: {exc}")
        return None
    finally:
        loader.dispose()
    return _convert(loader, node, pos, r)


#: libyaml's loader when it is there: the same nodes and marks (characters, not bytes), 10× faster
_CLOADER = getattr(yaml, "CSafeLoader", None)


def _fast_compose(text: str):
    """``(loader, node)`` from libyaml, or None when it is missing or refuses the text (the pure-Python
    parser then runs and reports exactly what is wrong)."""
    if _CLOADER is None:
        return None
    try:
        loader = _CLOADER(text)
        try:
            return loader, loader.get_single_node()
        finally:
            loader.dispose()
    except Exception:  # noqa: BLE001 - any refusal: the Python parser says why, with its positions
        return None


def _convert(loader, node, pos: Positions, r: Reporter) -> Loc | None:
    if node is None:
        return Loc(None, pos.span(0, 0))
    conv = _Converter(loader, pos, r)
    try:
        return conv.convert(node, 0)
    except _TooBig as big:
        r.report("NEX150", big.args[0], f"the document expands to more than {MAX_VALUES:,} values or "
                                        f"{MAX_VALUES * TEXT_UNIT // 1_000_000} MB of text (aliases are counted "
                                        "at every use)",
                 fix="do not nest aliases of aliases; write the data out or move it to a file")
        return None


_STR_TAG = "tag:yaml.org,2002:str"


class _TooBig(Exception):
    """The expanded document passed MAX_VALUES (args: the span where it did)."""


class _Converter:
    """YAML nodes → Loc trees, sharing the Loc of a node used through aliases and counting every use."""

    def __init__(self, loader: yaml.SafeLoader, pos: Positions, r: Reporter) -> None:
        self.loader, self.pos, self.r = loader, pos, r
        self.memo: dict[int, tuple[Loc, int]] = {}
        self.left = MAX_VALUES

    def convert(self, node: yaml.Node, depth: int) -> Loc:
        hit = self.memo.get(id(node))
        span = self.pos.span(node.start_mark.index, node.end_mark.index)
        if hit is not None:
            self.left -= hit[1]
            if self.left < 0:
                raise _TooBig(span)
            return hit[0]
        before = self.left
        self.left -= weight(node.value) if isinstance(node, yaml.ScalarNode) else 1
        if self.left < 0:
            raise _TooBig(span)
        loc = self._node(node, span, depth)
        self.memo[id(node)] = (loc, before - self.left)
        return loc

    def _node(self, node: yaml.Node, span: Span, depth: int) -> Loc:
        r, loader = self.r, self.loader
        if depth > _MAX_DEPTH:
            r.report("NEX107", span, "the YAML is nested too deeply to process")
            return Loc(None, span)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR_TAG:  # most values: the text itself, no constructor needed
                return Loc(node.value, span)
            try:
                value = loader.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                r.report("NEX104", span, f"YAML value error: {getattr(exc, 'problem', exc)}")
                value = node.value
            except (ValueError, OverflowError):  # an integer over Python's 4,300-digit limit, say
                r.report("NEX108", span, f"the number here ({len(node.value):,} characters) is too large to read",
                         fix="write a smaller number, or quote it to keep it as text")
                value = None
            if not isinstance(value, (str, int, float, bool, type(None))):
                value = node.value  # timestamps, binary: keep the text as written
            return Loc(value, span)
        if isinstance(node, yaml.SequenceNode):
            return Loc([self.convert(n, depth + 1) for n in node.value], span)
        if isinstance(node, yaml.MappingNode):
            try:
                loader.flatten_mapping(node)
            except yaml.YAMLError as exc:
                r.report("NEX104", span, f"YAML merge error: {getattr(exc, 'problem', exc)}")
            out: dict[str, Loc] = {}
            keys: dict[str, Span] = {}
            for knode, vnode in node.value:
                kspan = self.pos.span(knode.start_mark.index, knode.end_mark.index)
                key = knode.value if isinstance(knode, yaml.ScalarNode) else str(self.convert(knode, depth + 1).plain())
                if key in out:
                    r.report("NEX207", kspan, f"key '{key}' appears twice in one map; YAML keeps only the last",
                             notes=(f"first at {keys[key]}",))
                out[key] = self.convert(vnode, depth + 1)
                keys[key] = kspan
            return Loc(out, span, keys)
        return Loc(None, span)


def first_pass_variables(text: str, this_dir: str) -> dict[str, Any] | None:
    """The file's ``variables:`` map (plain), read from a quiet first parse; None if absent or unreadable."""
    sub, _, _, _ = substitute(text, this_dir, None)
    try:
        data = yaml.safe_load(sub)
    except yaml.YAMLError:
        return None
    if isinstance(data, dict) and isinstance(data.get("variables"), dict):
        return data["variables"]
    return None
