"""The registry of diagnostic codes: each ``NEX###`` has a kebab-case name, a severity, a one-line
summary and documentation (what it means, why it matters, an example, the fix).

Codes are declared in the modules of :mod:`nexc.diagnostics.codes`, one module per area; the list of
those modules is :data:`CODE_MODULES`, the one place that says which exist.
"""
from __future__ import annotations

import importlib
import re
import threading
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]

#: Modules that declare codes, in the order their ranges appear in the docs.
CODE_MODULES = (
    "nexc.diagnostics.codes.input",
    "nexc.diagnostics.codes.syntax",
    "nexc.diagnostics.codes.structure",
    "nexc.diagnostics.codes.names",
    "nexc.diagnostics.codes.checks",
    "nexc.diagnostics.codes.build",
    "nexc.diagnostics.codes.compat",
    "nexc.diagnostics.codes.gap",
    "nexc.diagnostics.codes.internal",
)

_CODE_RE = re.compile(r"^NEX\d{3}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Rule:
    """One diagnostic code and its documentation."""

    code: str
    name: str
    severity: Severity
    summary: str
    what: str
    why: str
    example: str
    fix: str

    def doc(self) -> str:
        """The rule's documentation as Markdown (what ``nexc explain`` prints)."""
        return (
            f"# {self.code} {self.name} ({self.severity})\n\n{self.summary}\n\n"
            f"## What it means\n{self.what.strip()}\n\n## Why it matters\n{self.why.strip()}\n\n"
            f"## Example\n```\n{self.example.strip()}\n```\n\n## How to fix it\n{self.fix.strip()}\n"
        )


_RULES: dict[str, Rule] = {}
_BY_NAME: dict[str, Rule] = {}
_loaded = False


def rule(code: str, name: str, severity: Severity, summary: str, *, what: str, why: str, example: str,
         fix: str) -> Rule:
    """Declare a code. Called at import time by the modules in :data:`CODE_MODULES`."""
    if not _CODE_RE.match(code) or not _NAME_RE.match(name):
        raise ValueError(f"bad diagnostic code or name: {code} {name}")
    if code in _RULES or name in _BY_NAME:
        raise ValueError(f"diagnostic code declared twice: {code} {name}")
    r = Rule(code, name, severity, summary, what, why, example, fix)
    _RULES[code] = r
    _BY_NAME[name] = r
    return r


_load_lock = threading.Lock()


def _load() -> None:
    """Import the code modules once. Thread-safe: ``_loaded`` is set only after every module registered its
    codes, so a thread never sees a half-filled registry (GAP and A4A compile from many threads)."""
    global _loaded
    if _loaded:
        return
    with _load_lock:
        if not _loaded:
            for mod in CODE_MODULES:
                importlib.import_module(mod)
            _loaded = True


def get(code_or_name: str) -> Rule | None:
    """The rule with this code (``NEX201``, any case) or name (``unknown-key``)."""
    _load()
    key = code_or_name.strip()
    return _RULES.get(key.upper()) or _BY_NAME.get(key.lower())


def all_rules() -> list[Rule]:
    """Every registered rule, ordered by code."""
    _load()
    return sorted(_RULES.values(), key=lambda r: r.code)
