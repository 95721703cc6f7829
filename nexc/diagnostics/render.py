"""Rendering diagnostics: text with a code frame and carets (colour only on a terminal), JSON, SARIF
2.1.0 (GitHub code scanning) and GitHub Actions workflow-command annotations.

Detection never formats text; everything a user reads about a problem is produced here.
"""
from __future__ import annotations

import json
import re
from typing import Iterable, Mapping

from nexc.diagnostics.diagnostic import Diagnostic

_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
_BOLD, _DIM, _BLUE, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[34m", "\x1b[0m"
_MAX_LINE = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Codes whose located text is masked in code frames (the text is a secret).
_REDACT = frozenset(("NEX416",))


def _disk_texts(diags: list[Diagnostic]) -> dict[str, str]:
    """The files ``diags`` point at, read from disk — only for callers that pass no ``sources``.

    Transitional: every caller should pass the ``sources`` of its build (``CompileResult.sources``); this
    lazy import of :mod:`nexc.source` (the one safe reader: a FIFO or a device named in a diagnostic is never
    read) goes with the last caller that does not."""
    from nexc.source import add_texts

    return add_texts({}, (d.span.file for d in diags))


def _source_line(sources: Mapping[str, str], file: str, line: int) -> str | None:
    text = sources.get(file)
    if text is None:
        return None
    lines = text.split("\n")
    if 1 <= line <= len(lines):
        return lines[line - 1].rstrip("\r")
    return None


def _frame(d: Diagnostic, sources: Mapping[str, str], colour: bool) -> list[str]:
    s = d.span
    src = _source_line(sources, s.file, s.line)
    if src is None:
        return []
    shown = _CONTROL.sub("\ufffd", src.replace("\t", " "))
    if d.code in _REDACT and s.end_line == s.line:  # never echo a secret into logs
        a, b = max(0, s.column - 1), max(s.column - 1, s.end_column - 1)
        shown = shown[:a] + "*" * (b - a) + shown[b:]
    start = max(1, s.column)
    if len(shown) > _MAX_LINE:  # keep the caret in view on very long lines
        cut = max(0, start - _MAX_LINE // 2)
        shown = ("…" if cut else "") + shown[cut:cut + _MAX_LINE] + "…"
        start = start - cut + (1 if cut else 0)
    width = (s.end_column - s.column) if s.end_line == s.line else len(src) - s.column + 1
    width = max(1, min(width, len(shown) - start + 2))
    gutter = str(s.line)
    pad = " " * len(gutter)
    caret = " " * (start - 1) + "^" * width
    if colour:
        c = _COLOURS.get(d.severity, "")
        return [f"{_BLUE}{pad} |{_RESET}", f"{_BLUE}{gutter} |{_RESET} {shown}", f"{_BLUE}{pad} |{_RESET} {c}{caret}{_RESET}"]
    return [f"{pad} |", f"{gutter} | {shown}", f"{pad} | {caret}"]


def render_text(diags: Iterable[Diagnostic], sources: Mapping[str, str] | None = None, *,
                colour: bool = False) -> str:
    """Every diagnostic as ``file:line:col: severity[CODE name]: message``, a code frame from ``sources``
    (path → text, as the build read it: ``CompileResult.sources``), notes and fix, then a summary line.
    Without ``sources`` the files are read from disk."""
    diags = list(diags)
    if sources is None:
        sources = _disk_texts(diags)
    out: list[str] = []
    counts = {"error": 0, "warning": 0, "info": 0}
    for d in diags:
        counts[d.severity] = counts.get(d.severity, 0) + 1
        s = d.span
        head = f"{s.file}:{s.line}:{s.column}: {d.severity}[{d.code} {d.name}]: {d.message}"
        if colour:
            c = _COLOURS.get(d.severity, "")
            head = (f"{_BOLD}{s.file}:{s.line}:{s.column}:{_RESET} {c}{d.severity}[{d.code} {d.name}]{_RESET}: "
                    f"{_BOLD}{d.message}{_RESET}")
        out.append(head)
        out.extend(_frame(d, sources, colour))
        for n in d.notes:
            out.append(f"  = note: {n}")
        if d.fix:
            out.append(f"  = fix: {d.fix}")
        out.append("")
    parts = [f"{n} {k}{'s' if n != 1 else ''}" for k, n in counts.items() if n]
    out.append("; ".join(parts) if parts else "no problems found")
    return "\n".join(out) + "\n"


def render_json(diags: Iterable[Diagnostic]) -> str:
    """``{"diagnostics": [...]}`` with the fields of :meth:`Diagnostic.to_json`."""
    return json.dumps({"diagnostics": [d.to_json() for d in diags]}, indent=2, ensure_ascii=False) + "\n"


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(file: str) -> str:
    """A SARIF artifact URI: relative POSIX paths stay relative (percent-encoded), absolute ones become file URIs."""
    import os
    from pathlib import Path
    from urllib.parse import quote

    if os.path.isabs(file):
        return Path(file).as_uri()
    return quote(file.replace(os.sep, "/"), safe="/")


def _sarif_fix(d: Diagnostic) -> dict:
    """A SARIF ``fix`` of ``d``'s edits: one artifact change per file, one replacement per edit (a
    zero-width ``deletedRegion`` is an insertion)."""
    files: dict[str, list] = {}
    for e in d.edits:
        s = e.span
        files.setdefault(s.file, []).append({
            "deletedRegion": {"startLine": s.line, "startColumn": s.column, "endLine": s.end_line,
                              "endColumn": s.end_column},
            "insertedContent": {"text": e.replacement},
        })
    return {"description": {"text": d.fix or "apply the edit"},
            "artifactChanges": [{"artifactLocation": {"uri": _uri(f)}, "replacements": r} for f, r in files.items()]}


def render_sarif(diags: Iterable[Diagnostic]) -> str:
    """One SARIF 2.1.0 log with one run: the rules that occur (with their documentation) and one
    result per diagnostic, in the shape GitHub code scanning accepts (relative URIs, 1-based regions);
    a diagnostic with exact edits carries them as ``fixes[].artifactChanges[].replacements[]``."""
    import hashlib

    from nexc.diagnostics import registry
    from nexc.version import __version__

    diags = list(diags)
    rules, index = [], {}
    for d in diags:
        if d.code in index:
            continue
        r = registry.get(d.code)
        index[d.code] = len(rules)
        doc = r.doc() if r else d.code
        rules.append({
            "id": d.code, "name": r.name if r else "unknown",
            "shortDescription": {"text": r.summary if r else d.code},
            "fullDescription": {"text": " ".join(r.what.split()) if r else d.code},
            "help": {"text": doc, "markdown": doc},
            "defaultConfiguration": {"level": _SARIF_LEVEL.get(r.severity if r else d.severity, "warning")},
            "properties": {"tags": ["nexc"]},
        })
    results = []
    for d in diags:
        s = d.span
        text = d.message + "".join(f"\nnote: {n}" for n in d.notes) + (f"\nfix: {d.fix}" if d.fix else "")
        region = {"startLine": max(1, s.line), "startColumn": max(1, s.column),
                  "endLine": max(s.line, s.end_line, 1), "endColumn": max(1, s.end_column)}
        if region["endLine"] == region["startLine"] and region["endColumn"] < region["startColumn"]:
            region["endColumn"] = region["startColumn"]
        fp = hashlib.sha256(f"{d.code}\0{s.file}\0{d.message}".encode()).hexdigest()[:32]
        result = {
            "ruleId": d.code, "ruleIndex": index[d.code], "level": _SARIF_LEVEL.get(d.severity, "warning"),
            "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(s.file)}, "region": region}}],
            "partialFingerprints": {"nexcDiagnostic/v1": fp},
        }
        if d.edits:
            result["fixes"] = [_sarif_fix(d)]
        results.append(result)
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "nexc", "version": __version__, "semanticVersion": __version__,
                            "rules": rules}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _gh_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def render_github(diags: Iterable[Diagnostic]) -> str:
    """GitHub Actions annotations, one per diagnostic:
    ``::error file=F,line=L,col=C,endLine=…,endColumn=…,title=NEX301 unknown-tool::message``
    (``info`` becomes ``notice``; notes and fix follow the message on their own lines)."""
    out = []
    for d in diags:
        s = d.span
        level = {"error": "error", "warning": "warning"}.get(d.severity, "notice")
        props = [f"file={_gh_escape(s.file, prop=True)}", f"line={s.line}", f"col={s.column}"]
        if s.end_line >= s.line:
            props += [f"endLine={s.end_line}", f"endColumn={s.end_column}"]
        props.append(f"title={_gh_escape(f'{d.code} {d.name}', prop=True)}")
        text = d.message + "".join(f"\nnote: {n}" for n in d.notes) + (f"\nfix: {d.fix}" if d.fix else "")
        out.append(f"::{level} {','.join(props)}::{_gh_escape(text)}")
    return "".join(line + "\n" for line in out)


#: Renderers by ``--format`` name.
RENDERERS = {"text": render_text, "json": render_json, "sarif": render_sarif, "github": render_github}
