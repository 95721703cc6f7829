"""The Python modules of a framework's folder that its bindings need, found without running them.

Shared by the outputs that ship a framework's code (``bundle``, ``nexau``): the modules the python
bindings and agent extensions name, and every module of the framework's folder they import, followed
transitively on the ``ast`` of each file (nothing is imported). Imports of modules found neither in the
folder nor installed are reported, so a build can say what will be missing at run time.
"""
from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nexc._lazy import installed


@dataclass
class ModuleScan:
    """What :func:`scan` found: ``files`` (paths relative to the root, ``/``-separated, sorted) and
    ``unresolved`` (top-level module name → the files, relative to the root, that import it) and
    ``installed`` (the top-level modules from outside the root that they import and that are installed)."""

    files: list[str] = field(default_factory=list)
    unresolved: dict[str, list[str]] = field(default_factory=dict)
    installed: list[str] = field(default_factory=list)


def binding_targets(fw) -> list[str]:
    """The ``module:attr`` targets of the python bindings and agent extensions of ``fw``."""
    targets = [t.binding.target for t in fw.tools if t.binding is not None and t.binding.kind == "python"]
    return targets + [e.target for a in fw.agents for e in a.extensions]


def module_files(root: Path, name: str) -> list[tuple[str, str, bool]] | None:
    """What importing dotted ``name`` from ``root`` runs, found as Python's path finder finds it (a regular
    package before a module before a namespace package): ``[(file relative to root, module name,
    is package)]`` (package ``__init__`` files first), or None when ``name`` is not below ``root``."""
    parts = name.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    found, folder = [], root
    for i, part in enumerate(parts):
        here, mod = folder / part, ".".join(parts[:i + 1])
        if (here / "__init__.py").is_file():
            found.append(((here / "__init__.py").relative_to(root).as_posix(), mod, True))
        elif (folder / f"{part}.py").is_file():
            return found + [((folder / f"{part}.py").relative_to(root).as_posix(), mod, False)] \
                if i == len(parts) - 1 else None
        elif not here.is_dir():
            return None
        folder = here
    return found


def _guarded(tree: ast.AST) -> set[int]:
    """The ids of import nodes inside a ``try`` whose handlers catch ``ImportError`` (optional imports)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            names = set()
            for h in node.handlers:
                t = h.type
                for e in (t.elts if isinstance(t, ast.Tuple) else [t]):
                    names.add(getattr(e, "id", None) or getattr(e, "attr", None))
            if names & {None, "ImportError", "ModuleNotFoundError", "Exception", "BaseException"}:
                for stmt in node.body:
                    out.update(id(n) for n in ast.walk(stmt) if isinstance(n, (ast.Import, ast.ImportFrom)))
    return out


def imported(source: bytes, module: str, is_pkg: bool) -> dict[str, bool]:
    """The module names a Python file may import (every ``import`` and ``from … import``, relative ones
    resolved against ``module``; ``from m import x`` also names ``m.x``, which may be a submodule), each
    with whether the import must succeed (False: guarded by ``try … except ImportError``, or a name that
    may be an attribute rather than a module)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    guarded = _guarded(tree)
    names: dict[str, bool] = {}

    def add(name: str, needed: bool) -> None:
        names[name] = names.get(name, False) or needed

    package = module.split(".") if is_pkg else module.split(".")[:-1]
    for node in ast.walk(tree):
        needed = id(node) not in guarded
        if isinstance(node, ast.Import):
            for a in node.names:
                add(a.name, needed)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level - 1 > len(package) or (node.level - 1 == len(package) and not node.module):
                    continue
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base:
                add(base, needed and not node.level)
            for a in node.names:
                if a.name != "*":
                    add(f"{base}.{a.name}" if base else a.name, needed and not base)
    return names


def _installed(top: str) -> bool:
    """Whether top-level module ``top`` can be imported here without the framework's folder (nothing is
    imported: a top-level ``find_spec`` only searches ``sys.path``)."""
    if top in sys.builtin_module_names or top in sys.stdlib_module_names or top in sys.modules:
        return True
    return installed(top)


def scan(fw, root: Path) -> ModuleScan:
    """The files (relative to ``root``) of the modules the python bindings and extensions of ``fw`` name that
    are below ``root``, and of every module below ``root`` they import, transitively; and the imports that
    resolve neither below ``root`` nor to an installed module. Imports made at run time by name are not
    seen; a symbolic link to outside ``root`` is not read."""
    root = Path(root)
    todo = [(t.partition(":")[0] if ":" in t else t.rpartition(".")[0], True, "") for t in binding_targets(fw)]
    todo.reverse()
    seen_mods: set[str] = set()
    elsewhere: dict[str, bool] = {}  # top-level names not below root → installed?
    files: dict[str, str] = {}
    unresolved: dict[str, list[str]] = {}
    base = os.path.realpath(root)
    while todo:
        name, needed, by = todo.pop()
        if not name or name in seen_mods:
            continue
        found = module_files(root, name)
        if found is None:
            top = name.split(".")[0]
            if needed and module_files(root, top) is None:
                if top not in elsewhere:
                    elsewhere[top] = _installed(top)
                if by and not elsewhere[top] and by not in unresolved.setdefault(top, []):
                    unresolved[top].append(by)
            continue
        seen_mods.add(name)
        for rel, mod, is_pkg in found:
            if rel not in files:
                files[rel] = mod
                real = os.path.realpath(root / rel)
                data = Path(real).read_bytes() if real.startswith(base + os.sep) and os.path.isfile(real) else b""
                todo.extend((n, need, rel) for n, need in sorted(imported(data, mod, is_pkg).items(), reverse=True)
                            if n not in seen_mods)
    return ModuleScan(sorted(files), {k: sorted(v) for k, v in sorted(unresolved.items())},
                      sorted(k for k, ok in elsewhere.items() if ok))


def python_modules(fw, root: Path) -> list[str]:
    """The files of :func:`scan` (relative to ``root``)."""
    return scan(fw, root).files
