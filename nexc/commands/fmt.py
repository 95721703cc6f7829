"""``nexc fmt``: canonical formatting of .nex files (comments kept, idempotent)."""
from __future__ import annotations

import sys
from pathlib import Path

import click


def _targets(paths) -> list[Path]:
    out = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(f for f in sorted(p.rglob("*.nex")) if not any(part.startswith(".") for part in f.parts))
        else:
            out.append(p)
    return out


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any file is not formatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of what would change.")
def fmt(paths, check, show_diff):
    """Format the .nex files in PATHS (files or folders) in place.

    Formatting keeps comments and never changes meaning; a file with syntax errors is left alone and
    its diagnostics are printed. Exit status: 0 all formatted, 1 some not formatted (with --check) or
    not parseable, 2 usage errors.
    """
    import difflib

    from nexc.commands.common import print_diagnostics
    from nexc.diagnostics import Reporter
    from nexc.frontend.nex.fmt import format_source
    from nexc.source import display_path, read_text

    status, changed = 0, []
    for p in _targets(paths):
        r = Reporter()
        text = read_text(p, r)
        if text is None:
            print_diagnostics(r.sorted(), err=True)
            status = 1
            continue
        new, diags = format_source(text, display_path(p))
        if new is None:
            print_diagnostics(diags, err=True)
            status = 1
            continue
        if new == text:
            continue
        changed.append(display_path(p))
        if show_diff:
            click.echo("".join(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                    display_path(p), display_path(p) + " (formatted)")), nl=False)
        if check:
            status = 1
        else:
            p.write_text(new, encoding="utf-8")
    verb = "would reformat" if check else "reformatted"
    for c in changed:
        click.echo(f"{verb} {c}", err=True)
    if not changed and status == 0:
        click.echo("all files formatted", err=True)
    sys.exit(status)
