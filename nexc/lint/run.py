"""The lint driver: compile each spec, then apply inline suppressions and ``[tool.nexc]``
(selection, per-file ignores, severity overrides) to what was reported.

Multi-file projects. The files named (and found below the folders named) are linted through their
*entry files*: a file that another linted file imports is not linted again on its own — its
diagnostics come, once, with the spec that imports it. Files that no entry file reaches (an import
cycle, an importer that did not parse) are linted on their own.

Libraries. A file that declares no agent (neither it nor what it imports) and no ``entry``, and that
declares something (an llm, tool, MCP server or skill) or is imported by another linted file, is a
*library*: its NEX305 ("declares no agent") is dropped, and it is checked as if one agent used all of
its tools, skills and MCP servers — the frontend, name resolution and every whole-framework check
except ``unused`` (a library's declarations are for its importers), ``delegation_cycle`` and
``template_vars`` (agent matters); what the checks say about that stand-in agent is dropped.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from nexc.diagnostics.diagnostic import sorted_unique

#: Where the stand-in agent of a library lives (never a real file; its diagnostics are dropped).
LIBRARY_ROOT = "<library check>"
#: Checks that do not apply to a library on its own.
LIBRARY_SKIPS = frozenset(("nexc.checks.unused", "nexc.checks.delegation_cycle", "nexc.checks.template_vars"))


def lint_paths(paths, kind: str | None = None, *, check_imports: bool = False, use_config: bool = True,
               sources: dict[str, str] | None = None):
    """Diagnostics of every spec named by ``paths`` (folders are searched for .nex and *.nex.yaml),
    each framework once through its entry files, after suppressions and configuration, sorted and
    without duplicates. ``sources``, when given, receives the texts of every file the builds read or a
    diagnostic points at (for ``render_text(diags, sources)``)."""
    from nexc.diagnostics import Reporter
    from nexc.frontend import spec_files
    from nexc.ir.base import Span
    from nexc.lint.config import LintConfig, config_for
    from nexc.source import display_path

    out, files, seen = [], [], set()
    configs: dict[int, LintConfig] = {}
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = spec_files(p)
            if not found:
                r = Reporter()
                r.report("NEX001", Span.point(display_path(p)), f"no .nex or .nex.yaml files below '{display_path(p)}'")
                out.extend(r.diagnostics)
        else:
            found = [p]
        for f in found:
            key = _real(f)
            if key not in seen:
                seen.add(key)
                files.append(f)
    imported = imported_by(files, kind)
    roots = [f for f in files if _real(f) not in imported]
    covered: set[str] = set()
    for f in roots + [f for f in files if _real(f) in imported]:
        if _real(f) in covered:
            continue
        cfg = config_for(f) if use_config else LintConfig()
        configs[id(cfg)] = cfg
        diags, reached = lint_file(f, kind, cfg, check_imports=check_imports, imported=_real(f) in imported,
                                   sources=sources)
        out.extend(diags)
        covered |= reached
    for cfg in configs.values():
        out.extend(cfg.problems)
    if sources is not None:
        from nexc.source import add_texts

        add_texts(sources, (d.span.file for d in out))
    return sorted_unique(out)


def _real(path) -> str:
    return os.path.realpath(path)


def imported_by(files, kind: str | None = None) -> set[str]:
    """Real paths of the ``files`` that another of them imports (read with the frontends; problems are
    left to the lint of each file)."""
    from nexc.diagnostics import Reporter
    from nexc.frontend import load_source

    wanted = {_real(f) for f in files}
    out: set[str] = set()
    for f in files:
        try:
            src = load_source(str(f), Reporter(), kind=kind)
        except Exception:  # noqa: BLE001 - the lint of the file reports what is wrong with it
            continue
        for imp in getattr(src, "imports", ()) if src is not None else ():
            target = _real(os.path.join(os.path.dirname(str(f)), imp.path))
            if target in wanted and target != _real(f):
                out.add(target)
    return out


def is_gap_job(path) -> bool:
    """A GAP job (``gap.yaml``): YAML whose first key is ``gap:``."""
    p = str(path)
    if not p.endswith((".yaml", ".yml")):
        return False
    try:
        with open(p, encoding="utf-8", errors="replace") as f:
            head = f.read(4096)
    except OSError:
        return False
    first = next((ln for ln in head.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    return first.startswith("gap:")


def gap_job_diagnostics(path) -> list:
    """A GAP job linted like a spec: its schema, its files, its taxonomy and persona pool."""
    from nexc.diagnostics import Reporter
    from nexc.gap.job import load_job
    from nexc.gap.personas import load_personas
    from nexc.gap.taxonomy import load_taxonomy
    from nexc.pipeline import compile_path

    r = Reporter()
    job = load_job(path, r)
    if job is not None:
        load_taxonomy(str(job.taxonomy), r, languages=job.languages)
        load_personas(str(job.personas), r)
        r.diagnostics.extend(d for d in compile_path(job.framework).reporter.sorted() if d.severity == "error")
    return r.sorted()


def lint_one(path: Path, kind: str | None, cfg, *, check_imports: bool = False) -> list:
    """Diagnostics of one spec (and the files it imports) under ``cfg``."""
    return lint_file(path, kind, cfg, check_imports=check_imports)[0]


def lint_file(path: Path, kind: str | None, cfg, *, check_imports: bool = False,
              imported: bool = False, sources: dict[str, str] | None = None) -> tuple[list, set[str]]:
    """``(diagnostics, real paths of the files read)`` of one spec and its imports under ``cfg``; a
    library (see the module's documentation; ``imported``: another linted file imports it) is checked
    without an entry agent."""
    from nexc.lint.suppress import apply
    from nexc.pipeline import BuildOptions, compile_path

    if kind is None and is_gap_job(path):
        return configure(gap_job_diagnostics(path), cfg), {_real(path)}
    res = compile_path(path, kind=kind, options=BuildOptions(check_imports=check_imports or cfg.check_imports))
    kept, suppressed = res.reporter.sorted(), list(res.suppressed)
    if res.framework is None and is_library(res, imported):
        kept, more = check_library(res, [d for d in kept if d.code != "NEX305"])
        suppressed += more
    # the build already dropped what the comments silence; lint adds the comments that silenced nothing
    _, extra = apply(kept + suppressed, res.sources)
    if sources is not None:
        sources.update(res.sources)
    reached = {_real(f.path) for f in res.context.files} if res.context is not None else set()
    return configure(kept + extra, cfg), reached | {_real(path)}


def is_library(res, imported: bool = False) -> bool:
    """Whether a spec that did not compile to a framework is a library: no agent and no ``entry`` in it
    or its imports, NEX305 among its errors, and something declared (or another linted file imports it)."""
    ctx = res.context
    if ctx is None or not ctx.files:
        return False
    files = ctx.files
    if any(f.agents or f.entry is not None for f in files):
        return False
    errors = [d for d in res.reporter.diagnostics if d.severity == "error"]
    if not any(d.code == "NEX305" for d in errors):
        return False
    declares = any(f.llms or f.tools or f.mcp_servers or f.skills for f in files)
    return declares or imported


def check_library(res, diags: list) -> tuple[list, list]:
    """``(diagnostics, suppressed)`` of a library: ``diags`` (what compiling it reported) and what the
    whole-framework checks find when one stand-in agent uses everything it declares."""
    from nexc.diagnostics import Reporter
    from nexc.ir.base import Span
    from nexc.ir.surface import Name, SourceFile, SurfaceAgent
    from nexc.passes.resolve import resolve
    from nexc.pipeline import CHECKS, Check, load_pass, suppress

    ctx = res.context
    files = ctx.files
    where = Span.point(LIBRARY_ROOT)
    uses = [n for f in files for n in [t.name for t in f.tools] + [s.name for s in f.skills]]
    uses += [f"{m.name}.*" for f in files for m in f.mcp_servers]
    agent = SurfaceAgent(span=where, name="library_check", tools=tuple(Name(span=where, value=n) for n in uses))
    root = files[0]
    stand_in = SourceFile(span=where, path=LIBRARY_ROOT, name=root.name or _stem(root.path), profile=root.profile,
                          agents=(agent,))
    r = Reporter(sources=ctx.sources)
    fw = resolve([stand_in, *files], r, root_dir=ctx.root_dir)
    if fw is not None:
        for mod in CHECKS:
            if mod in LIBRARY_SKIPS:
                continue
            try:
                load_pass(f"{mod}:check", Check)(fw, r, ctx)
            except Exception as exc:  # noqa: BLE001 - a bug in nexc is a diagnostic, never a traceback
                r.report("NEX900", root.span, f"internal error in {mod} (checking a library): "
                         f"{type(exc).__name__}: {exc}", notes=("this is a bug in nexc; set NEXC_DEBUG=1 and "
                                                                "lint the spec that imports it",))
    dropped = suppress(r, ctx)
    own = [d for d in r.sorted() if not d.span.file.startswith("<library")]
    return sorted_unique(diags + own), [d for d in dropped if not d.span.file.startswith("<library")]


def _stem(path: str) -> str:
    from nexc.passes.resolve import _name_from_path

    return _name_from_path(path)


def configure(diags, cfg) -> list:
    """Drop diagnostics the configuration disables and apply its severity overrides."""
    out = []
    for d in diags:
        name = d.name
        if d.code != "NEX900" and not cfg.enabled(d.code, name, d.span.file):
            continue
        sev = cfg.severity_of(d.code, name, d.severity) if cfg.severity else d.severity
        out.append(d if sev == d.severity else dataclasses.replace(d, severity=sev))
    return out
