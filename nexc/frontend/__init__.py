"""Frontends: each turns one kind of source file into surface IR.

A frontend module provides ``NAME``, ``detect(path, text) -> bool`` (content sniffing, used for
``*.yaml`` files whose name does not say) and ``load(path, text, reporter) -> SourceFile | None``.
:data:`FRONTENDS` lists them in the order detection tries them; that list is the one place that says
which exist.
"""
from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from nexc._lazy import load_ref

if TYPE_CHECKING:  # this module stays light: the CLI's --from choices import FRONTENDS from it
    from nexc.diagnostics import Reporter
    from nexc.ir.base import Span
    from nexc.ir.surface import SourceFile

#: name → module; detection order for files whose extension does not decide.
FRONTENDS: dict[str, str] = {
    "nex": "nexc.frontend.nex",
    "yaml": "nexc.frontend.yaml_spec",
    "nexau": "nexc.frontend.nexau",
    "nexa4a": "nexc.frontend.nexa4a",
}


def frontend(name: str) -> ModuleType:
    """The frontend module called ``name``."""
    return load_ref(FRONTENDS[name])


def available() -> list[str]:
    """Frontends that are installed in this build."""
    out = []
    for name, mod in FRONTENDS.items():
        try:
            load_ref(mod)
        except ModuleNotFoundError:
            continue
        out.append(name)
    return out


def detect(path: str, text: str) -> str | None:
    """Which frontend reads ``path``: by extension for ``.nex`` and ``.nex.yaml``, else by content."""
    lower = path.lower()
    if lower.endswith(".nex"):
        return "nex"
    if lower.endswith((".nex.yaml", ".nex.yml")):
        return "yaml"
    if lower.endswith((".yaml", ".yml")):
        for name in ("nexa4a", "nexau", "yaml"):
            try:
                mod = frontend(name)
            except ModuleNotFoundError:
                continue
            if mod.detect(path, text):
                return name
    return None


def load_source(path: str, reporter: Reporter, *, kind: str | None = None, span: Span | None = None) -> SourceFile | None:
    """Read and parse one spec file with the right frontend; problems go to ``reporter``."""
    from nexc.ir.base import Span
    from nexc.source import display_path, read_text

    shown = display_path(path)
    text = read_text(path, reporter, span=span)
    if text is None:
        return None
    name = kind or detect(shown, text)
    if name is None:
        reporter.report("NEX005", span or Span.point(shown), f"cannot tell what kind of spec '{shown}' is",
                        notes=("nexc reads .nex, *.nex.yaml, NexAU agent YAML and NexA4A framework YAML",),
                        fix=f"rename it to *.nex or *.nex.yaml, or pass --from {'|'.join(FRONTENDS)}")
        return None
    return frontend(name).load(shown, text, reporter)


def spec_files(root: Path) -> list[Path]:
    """Every ``.nex`` and ``*.nex.yaml`` file below ``root``, sorted, skipping hidden and virtualenv folders."""
    out = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).parts
        if any(part.startswith(".") or part in ("node_modules", "__pycache__", "venv") for part in rel[:-1]):
            continue
        if p.is_file() and p.name.lower().endswith((".nex", ".nex.yaml", ".nex.yml")):
            out.append(p)
    return out
