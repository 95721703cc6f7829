"""The lint driver: compile each spec, then apply inline suppressions and ``[tool.nexc]``
(selection, per-file ignores, severity overrides) to what was reported."""
from __future__ import annotations

import dataclasses
from pathlib import Path


def lint_paths(paths, kind: str | None = None, *, check_imports: bool = False, use_config: bool = True):
    """Diagnostics of every spec named by ``paths`` (folders are searched for .nex and *.nex.yaml),
    after suppressions and configuration, sorted and without duplicates."""
    from nexc.diagnostics import Reporter
    from nexc.frontend import spec_files
    from nexc.ir.base import Span
    from nexc.lint.config import LintConfig, config_for
    from nexc.source import display_path

    out = []
    configs: dict[int, LintConfig] = {}
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = spec_files(p)
            if not files:
                r = Reporter()
                r.report("NEX001", Span.point(display_path(p)), f"no .nex or .nex.yaml files below '{display_path(p)}'")
                out.extend(r.diagnostics)
        else:
            files = [p]
        for f in files:
            cfg = config_for(f) if use_config else LintConfig()
            configs[id(cfg)] = cfg
            out.extend(lint_one(f, kind, cfg, check_imports=check_imports))
    for cfg in configs.values():
        out.extend(cfg.problems)
    return dedupe(out)


def lint_one(path: Path, kind: str | None, cfg, *, check_imports: bool = False) -> list:
    """Diagnostics of one spec (and the files it imports) under ``cfg``."""
    from nexc.lint.suppress import apply
    from nexc.pipeline import compile_path, source_texts
    from nexc.source import display_path

    res = compile_path(path, kind=kind, options={"check_imports": check_imports or cfg.check_imports})
    texts = source_texts(res.reporter, res.context, display_path(path))
    # the build already dropped what the comments silence; lint adds the comments that silenced nothing
    _, extra = apply(res.reporter.sorted() + res.suppressed, texts)
    return configure(res.reporter.sorted() + extra, cfg)


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


def dedupe(diags) -> list:
    """Sorted by file and position, exact duplicates removed."""
    seen, out = set(), []
    for d in sorted(diags, key=lambda d: d.sort_key()):
        key = (d.code, d.span, d.message, d.severity)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
