"""``nexc lint`` / ``nexc check``: report every problem of one or more specs.

Made for pre-commit: imports stay lazy (the pipeline, jsonschema and Jinja load only when a spec
needs them), inline ``# nex: ignore[…]`` comments and ``[tool.nexc]`` in ``pyproject.toml`` apply,
and the output can be text, JSON, SARIF 2.1.0 or GitHub annotations.
"""
from __future__ import annotations

import sys

import click

from nexc.commands.common import FROM_CHOICE

#: ``--format`` choices (kept literal so that ``--help`` does not import the renderers).
LINT_FORMATS = click.Choice(["text", "json", "sarif", "github"])


def lint_paths(paths, kind: str | None = None, *, check_imports: bool = False, use_config: bool = True,
               sources: dict[str, str] | None = None):
    """Diagnostics of every spec named by ``paths`` (folders are searched for .nex and *.nex.yaml),
    after inline suppressions and ``[tool.nexc]`` configuration; ``sources`` collects the texts read."""
    from nexc.lint.run import lint_paths as run

    return run(paths, kind, check_imports=check_imports, use_config=use_config, sources=sources)


def emit(diags, fmt: str, sources: dict[str, str] | None = None) -> None:
    """Print ``diags`` in ``fmt`` to stdout (text in colour on a terminal; code frames from ``sources``)."""
    from nexc.diagnostics.render import RENDERERS, render_text

    if fmt == "text":
        from nexc.commands.common import use_colour

        click.echo(render_text(diags, sources, colour=use_colour()), nl=False)
    else:
        click.echo(RENDERERS[fmt](diags), nl=False)


def _exit(diags) -> None:
    from nexc.commands.common import exit_code

    sys.exit(exit_code(diags))


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=LINT_FORMATS, default="text", show_default=True, help="How to print diagnostics.")
@click.option("--from", "kind", type=FROM_CHOICE, help="Read files as this kind of spec instead of detecting it.")
@click.option("--check-imports", is_flag=True, help="Import python bindings and compare their signatures (runs user code).")
@click.option("--no-config", is_flag=True, help="Ignore [tool.nexc] in pyproject.toml.")
@click.option("--fix", "fix", is_flag=True,
              help="Apply the exact fixes diagnostics carry (did-you-mean names, a missing max_depth), rewriting "
                   "the files in place, and print what changed; what is left is reported as usual.")
def lint(paths, fmt, kind, check_imports, no_config, fix):
    """Check the specs in PATHS (files, or folders searched for .nex and *.nex.yaml).

    Every problem is reported with its code, file, line and column. Each framework is linted once,
    through its entry files (a file another linted file imports comes with it); a file of declarations
    without agents (a tools.nex library) is checked as a library, without an entry agent.
    `# nex: ignore[CODE]` on the line
    (or the line above) suppresses a diagnostic; `[tool.nexc]` in pyproject.toml selects rules.
    With --fix, the fixes that are exact edits are applied (each file written atomically) and listed on
    stderr; the exit status then counts what remains.
    Exit status: 0 when no errors were found, 1 when some were, 2 on usage or internal errors.
    """
    sources: dict[str, str] = {}

    def run(ps):
        return lint_paths(ps, kind, check_imports=check_imports, use_config=not no_config, sources=sources)

    if not fix:
        diags = run(paths)
        emit(diags, fmt, sources)
        fixable = sum(1 for d in diags if d.edits)
        if fixable and fmt == "text":
            click.echo(f"{fixable} of these can be fixed with `nexc lint --fix`", err=True)
        _exit(diags)
    from nexc.lint.fix import lint_and_fix

    diags, applied, problems = lint_and_fix(run, paths)
    for a in applied:
        click.echo(f"fixed {a.file}:{a.line}:{a.column}: {a.code}: {a.fix}", err=True)
    for p in problems:
        click.echo(f"nexc: {p}", err=True)
    files = len({a.file for a in applied})
    click.echo(f"{len(applied)} fix{'es' if len(applied) != 1 else ''} applied"
               + (f" in {files} file{'s' if files != 1 else ''}" if applied else ""), err=True)
    emit(diags, fmt, sources)
    if problems:
        sys.exit(2)
    _exit(diags)


@click.command()
@click.argument("spec", type=click.Path())
@click.option("--format", "fmt", type=LINT_FORMATS, default="text", show_default=True, help="How to print diagnostics.")
@click.option("--from", "kind", type=FROM_CHOICE, help="Read the file as this kind of spec.")
@click.option("--check-imports", is_flag=True, help="Import python bindings and compare their signatures (runs user code).")
def check(spec, fmt, kind, check_imports):
    """Check one SPEC and report every problem (exit 0 clean, 1 errors, 2 usage/internal)."""
    sources: dict[str, str] = {}
    diags = lint_paths([spec], kind, check_imports=check_imports, sources=sources)
    emit(diags, fmt, sources)
    _exit(diags)
