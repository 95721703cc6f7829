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


def _plural(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--check", is_flag=True, help="Change nothing; list the files that would change and exit 1 if any.")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of what would change.")
def fmt(paths, check, show_diff):
    """Format the .nex files in PATHS (files or folders) in place.

    Formatting keeps comments and never changes meaning; a file with syntax errors is left alone and
    its diagnostics are printed. Each file rewritten (with --check: each that would be) is named, then
    a count. Only .nex files are formatted: a nexc YAML or other file named in PATHS is skipped with a
    message (exit status 2). Exit status: 0 all formatted, 1 some not formatted (with --check) or not
    parseable, 2 usage errors.
    """
    import difflib

    from nexc.commands.common import print_diagnostics, write_atomic
    from nexc.diagnostics import Reporter
    from nexc.frontend.nex.fmt import format_source
    from nexc.source import display_path, read_text

    status, changed, same = 0, [], 0
    for p in _targets(paths):
        if not p.name.lower().endswith(".nex") and p.exists():
            kind = "nexc YAML" if p.name.lower().endswith((".nex.yaml", ".nex.yml")) else "not a .nex file"
            click.echo(f"nexc fmt: skipped {display_path(p)} ({kind}): fmt formats .nex files only"
                       + (" (YAML is left as written; `nexc convert --to nex` turns it into .nex)"
                          if kind == "nexc YAML" else ""), err=True)
            status = max(status, 2)
            continue
        r = Reporter()
        text = read_text(p, r)
        if text is None:
            print_diagnostics(r.sorted(), err=True)
            status = max(status, 1)
            continue
        new, diags = format_source(text, display_path(p))
        if new is None:
            print_diagnostics(diags, err=True)
            status = max(status, 1)
            continue
        if new == text:
            same += 1
            continue
        if show_diff:
            click.echo("".join(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                    display_path(p), display_path(p) + " (formatted)")), nl=False)
        if check:
            status = max(status, 1)
        else:
            try:
                write_atomic(p, new)
            except OSError as exc:
                click.echo(f"nexc fmt: cannot write {display_path(p)}: {exc.strerror or exc}", err=True)
                status = max(status, 2)
                continue
        changed.append(display_path(p))
        click.echo(f"{'would reformat' if check else 'reformatted'} {display_path(p)}", err=True)
    if changed:
        click.echo(f"{_plural(len(changed), 'file')} {'would be reformatted' if check else 'reformatted'}, "
                   f"{same} already formatted", err=True)
    elif same:
        click.echo(f"{_plural(same, 'file')} already formatted", err=True)
    sys.exit(status)
