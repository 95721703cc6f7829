"""The compiler pipeline, in order, in one place.

    frontend (per file) → imports → resolve → checks → optimise → (emitters, chosen by the command)

:data:`CHECKS` and :data:`OPTIMISATIONS` name the pass modules in the order they run; each check is a
pure function ``check(fw, reporter, ctx)`` and each optimisation ``optimise(fw, ctx) -> fw``.
"""
from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from nexc._lazy import load_ref
from nexc.diagnostics import Reporter
from nexc.ir.base import Span
from nexc.ir.model import Framework
from nexc.ir.surface import SourceFile

#: Whole-framework checks, in order (module paths; each exposes ``check``).
CHECKS: tuple[str, ...] = tuple(f"nexc.checks.{m}" for m in (
    "name_clash", "unused", "delegation_cycle", "stop_tools", "tool_schema", "imports", "template_vars",
    "tool_format", "tool_names", "skills", "secrets", "context_size", "mcp_lock"))
#: Optimisation passes, in order (module paths; each exposes ``optimise``).
OPTIMISATIONS: tuple[str, ...] = tuple(f"nexc.optimise.{m}" for m in (
    "drop_unreachable", "normalise_schemas", "merge_identical", "canonical_order"))


@dataclass
class Context:
    """What passes may know besides the IR: where the framework lives and which options were given."""

    root_dir: Path
    files: list[SourceFile] = field(default_factory=list)
    options: dict = field(default_factory=dict)


@dataclass
class CompileResult:
    """The resolved framework (``None`` when it could not be built) and everything reported on the way."""

    framework: Framework | None
    reporter: Reporter
    context: Context | None = None
    #: diagnostics that ``# nex: ignore[…]`` comments silenced (lint reports the comments that matched none)
    suppressed: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.framework is not None and not self.reporter.has_errors


def load_files(path: str, r: Reporter, *, kind: str | None = None) -> list[SourceFile]:
    """The root file and every file it imports (depth first, each once), parsed by their frontends."""
    from nexc.frontend import load_source
    from nexc.source import PROJECT_MARKERS, display_path, project_root, within

    root = load_source(path, r, kind=kind)
    if root is None:
        return []
    files, seen = [root], {os.path.realpath(path)}
    project = project_root(os.path.dirname(os.path.abspath(path)))

    def visit(f: SourceFile, stack: tuple[str, ...]) -> None:
        for imp in f.imports:
            target = os.path.normpath(os.path.join(os.path.dirname(f.path), imp.path))
            real = os.path.realpath(target)
            if real in stack:
                r.report("NEX007", imp.span, f"import of '{imp.path}' closes a cycle",
                         notes=tuple(f"imported by {display_path(s)}" for s in stack[1:]))
                continue
            if real in seen:
                continue
            if not within(real, project):  # nothing outside the project is read (its text would be shown)
                r.report("NEX309", imp.span, f"import '{imp.path}' is outside the project root '{display_path(project)}'",
                         notes=("the project root is the nearest folder above the spec holding "
                                + ", ".join(PROJECT_MARKERS) + "; without one, the spec's own folder",),
                         fix="move the file into the project, or mark the project's top folder (e.g. an empty .nexc-root)")
                continue
            if not os.path.exists(target):
                r.report("NEX006", imp.span, f"imported file '{imp.path}' does not exist (looked for '{target}')")
                continue
            seen.add(real)
            sub = load_source(target, r, span=imp.span)
            if sub is not None:
                files.append(sub)
                visit(sub, stack + (real,))

    visit(root, (os.path.realpath(path),))
    return files


def _guard(r: Reporter, where: Span, fn, *args):
    try:
        return fn(*args)
    except RecursionError:
        r.report("NEX107", where, "the input is nested too deeply to process")
    except Exception as exc:  # a bug in nexc must surface as a diagnostic, not a traceback
        if os.environ.get("NEXC_DEBUG"):
            traceback.print_exc()
        r.report("NEX900", where, f"internal error in {getattr(fn, '__module__', '?')}: {type(exc).__name__}: {exc}",
                 notes=("this is a bug in nexc; set NEXC_DEBUG=1 to see the traceback",))
    return None


def compile_path(path: str | os.PathLike, *, kind: str | None = None, reporter: Reporter | None = None,
                 options: dict | None = None, optimise: bool = False, checks: bool = True) -> CompileResult:
    """Parse, resolve and check the spec at ``path`` (and its imports). Never raises on bad input.

    ``checks=False`` stops after resolve (the framework as the frontends and resolve give it)."""
    from nexc.passes.resolve import resolve
    from nexc.source import display_path

    r = reporter or Reporter()
    shown = display_path(path)
    where = Span.point(shown)
    files = _guard(r, where, lambda: load_files(str(path), r, kind=kind)) or []
    if not files:
        return CompileResult(None, r, None, suppress(r, None))
    root_dir = Path(files[0].root_dir) if files[0].root_dir else Path(files[0].path).parent
    ctx = Context(root_dir=root_dir.resolve(), files=files, options=dict(options or {}))
    fw = _guard(r, where, lambda: resolve(files, r, root_dir=root_dir))
    if fw is None:
        return CompileResult(None, r, ctx, suppress(r, ctx))
    if ctx.options.get("simulate_missing"):  # before the checks: simulated tools need no code
        from nexc.passes.simulate import simulate_missing

        fw = _guard(r, fw.span, simulate_missing, fw, ctx.root_dir, r) or fw
    for mod in CHECKS if checks else ():
        _guard(r, fw.span, load_ref(f"{mod}:check"), fw, r, ctx)
    suppressed = suppress(r, ctx)
    if optimise and not r.has_errors:
        for mod in OPTIMISATIONS:
            fw = _guard(r, fw.span, load_ref(f"{mod}:optimise"), fw, ctx) or fw
    return CompileResult(fw, r, ctx, suppressed)


def source_texts(r: Reporter, ctx: Context | None, root: str | None = None) -> dict[str, str]:
    """The text of every file of the build that a diagnostic points at or that the build read (imports,
    NexAU sub-agent configs), for suppression comments."""
    from nexc.source import cached_text

    files = {f.path for f in ctx.files} if ctx is not None else set()
    files |= {d.span.file for d in r.diagnostics}
    if root:
        files.add(root)
    return {f: t for f in files if f and (t := cached_text(f)) is not None}


def suppress(r: Reporter, ctx: Context | None) -> list:
    """Drop the diagnostics that ``# nex: ignore[…]`` comments silence, in every file of the build and for
    every command (not only lint); returns what was dropped."""
    texts = {f: t for f, t in source_texts(r, ctx).items() if "nex:" in t}
    if not texts:
        return []
    from nexc.lint.suppress import apply

    kept, _ = apply(r.diagnostics, texts)
    if len(kept) == len(r.diagnostics):
        return []
    keep = {id(d) for d in kept}
    dropped = [d for d in r.diagnostics if id(d) not in keep]
    r.diagnostics[:] = kept
    return dropped
