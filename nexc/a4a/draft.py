"""Drafts: the files of a framework being written, read from a model's reply, changed by targeted edits.

A reply names each file in the info string of a fenced block (```nex file=team.nex```); edits are JSON
``{"edits": [{"file", "old", "new"}]}`` where ``old`` occurs exactly once in the file (``""`` with a file
that does not exist yet creates it). Paths stay inside the draft: absolute paths, ``..`` and hidden files
are refused. Nothing here raises on bad model output: problems come back as feedback for the next round.
"""
from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
_FILE = re.compile(r"(?:^|\s)(?:file|path)\s*=\s*[\"']?(?P<path>[^\s\"']+)")
MAX_FILES = 200
MCP_FILE = "mcp_servers.nex"
MAX_FILE_BYTES = 512 * 1024


@dataclass
class Draft:
    """Relative POSIX path → text."""

    files: dict[str, str] = field(default_factory=dict)

    def spec(self) -> str | None:
        """The framework's root ``.nex`` file: at the top of the folder, declaring agents (by path among
        several; ``mcp_servers.nex``, written by A4A itself, is a library)."""
        specs = sorted(p for p in self.files if p.endswith(".nex") and "/" not in p and p != MCP_FILE)
        with_agents = [p for p in specs if re.search(r"^agent\s", self.files[p], re.M)]
        return (with_agents or specs or [None])[0]

    def copy(self) -> "Draft":
        return Draft(dict(self.files))


def safe_relpath(path: str) -> str | None:
    """``path`` normalised, or None when it would leave the draft's folder (or is hidden)."""
    p = path.strip().replace("\\", "/")
    if not p or p.startswith("/") or re.match(r"^[A-Za-z]:", p):
        return None
    norm = posixpath.normpath(p)
    if norm.startswith("..") or any(part.startswith(".") for part in norm.split("/")) or "\x00" in norm:
        return None
    return norm


def blocks(text: str | None) -> list[tuple[str, str]]:
    """``(info, body)`` of every fenced code block of ``text``."""
    return [(m.group("info").strip(), m.group("body")) for m in _FENCE.finditer(text or "")]


def files_from_reply(text: str | None) -> tuple[Draft, list[str]]:
    """The files a builder's reply writes, and what was wrong with it (for the next round)."""
    draft, problems = Draft(), []
    for info, body in blocks(text):
        m = _FILE.search(info)
        if m is None:
            continue
        path = safe_relpath(m.group("path"))
        if path is None:
            problems.append(f"file '{m.group('path')}' is outside the framework's folder; use a relative path")
            continue
        if len(body.encode("utf-8", "replace")) > MAX_FILE_BYTES or len(draft.files) >= MAX_FILES:
            problems.append(f"file '{path}' is too large or there are too many files")
            continue
        draft.files[path] = body
    if not draft.files:
        problems.append("the reply holds no file: write each file as a fenced block with file=PATH in its info "
                        "string, e.g. ```nex file=team.nex")
    elif draft.spec() is None:
        problems.append("the reply holds no .nex spec at the top of the folder (```nex file=NAME.nex```)")
    return draft, problems


def json_from_reply(text: str | None) -> tuple[object | None, str | None]:
    """The JSON object of a reply (its ```json block, else the whole text), or ``(None, why)``."""
    candidates = [b for info, b in blocks(text) if info.split()[:1] in (["json"], [])] or [text or ""]
    last = "the reply is empty"
    for c in candidates:
        c = c.strip()
        if not c:
            continue
        try:
            return json.loads(c), None
        except ValueError as exc:
            last = f"the reply is not valid JSON ({exc})"
    return None, last


def apply_edits(draft: Draft, reply: str | None) -> tuple[Draft, list[str], int]:
    """``draft`` with the reply's edits applied, the problems (edits that could not be applied), and the
    number applied. A bad edit is skipped; the others still apply."""
    data, why = json_from_reply(reply)
    if why is not None or not isinstance(data, dict) or not isinstance(data.get("edits"), list):
        return draft, [why or 'the reply must be {"edits": [{"file", "old", "new"}, ...]}'], 0
    out, problems, applied = draft.copy(), [], 0
    for i, e in enumerate(data["edits"], start=1):
        if not isinstance(e, dict) or not all(isinstance(e.get(k), str) for k in ("file", "old", "new")):
            problems.append(f"edit {i}: needs string fields file, old and new")
            continue
        path = safe_relpath(e["file"])
        if path is None:
            problems.append(f"edit {i}: file '{e['file']}' is outside the framework's folder")
            continue
        old, new = e["old"], e["new"]
        if path not in out.files:
            if old:
                problems.append(f"edit {i}: there is no file '{path}'")
                continue
            out.files[path] = new
            applied += 1
            continue
        text = out.files[path]
        if not old:
            problems.append(f"edit {i}: 'old' is empty but '{path}' exists; quote the text to replace")
            continue
        n = text.count(old)
        if n != 1:
            problems.append(f"edit {i}: the text of 'old' occurs {n} times in '{path}'; it must occur exactly once")
            continue
        out.files[path] = text.replace(old, new, 1)
        applied += 1
    return out, problems, applied
