"""``nexc lint`` / ``nexc check``: report every problem of one or more specs."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from nexc.commands.common import FORMAT_CHOICE, FROM_CHOICE, exit_code, print_diagnostics


def lint_paths(paths, kind: str | None):
    """Diagnostics of every spec named by ``paths`` (folders are searched for .nex and *.nex.yaml)."""
    from nexc.diagnostics import Reporter
    from nexc.frontend import spec_files
    from nexc.ir.base import Span
    from nexc.pipeline import compile_path
    from nexc.source import display_path

    r = Reporter()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = spec_files(p)
            if not files:
                r.report("NEX001", Span.point(display_path(p)), f"no .nex or .nex.yaml files below '{display_path(p)}'")
            for f in files:
                compile_path(f, kind=kind, reporter=r)
        else:
            compile_path(p, kind=kind, reporter=r)
    return r.sorted()


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True, help="How to print diagnostics.")
@click.option("--from", "kind", type=FROM_CHOICE, help="Read files as this kind of spec instead of detecting it.")
def lint(paths, fmt, kind):
    """Check the specs in PATHS (files, or folders searched for .nex and *.nex.yaml).

    Every problem is reported with its code, file, line and column. Exit status: 0 when no errors were
    found, 1 when some were, 2 on usage or internal errors.
    """
    diags = lint_paths(paths, kind)
    print_diagnostics(diags, fmt)
    sys.exit(exit_code(diags))


@click.command()
@click.argument("spec", type=click.Path())
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True, help="How to print diagnostics.")
@click.option("--from", "kind", type=FROM_CHOICE, help="Read the file as this kind of spec.")
def check(spec, fmt, kind):
    """Check one SPEC and report every problem (exit 0 clean, 1 errors, 2 usage/internal)."""
    diags = lint_paths([spec], kind)
    print_diagnostics(diags, fmt)
    sys.exit(exit_code(diags))
