"""Helpers shared by CLI subcommands: printing diagnostics and choosing exit codes."""
from __future__ import annotations

import sys

import click

from nexc.fileio import write_atomic  # noqa: F401 - the commands import it from here
from nexc.frontend import FRONTENDS

FORMAT_CHOICE = click.Choice(["text", "json"])
#: ``--from`` choices of every command that reads a spec: the frontends registry's names.
FROM_CHOICE = click.Choice(list(FRONTENDS))


def parse_context(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--context KEY=VALUE`` options as a dict (a usage error for anything else)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"--context expects KEY=VALUE, got '{pair}'")
        out[key.strip()] = value
    return out


def check_targets(ctx: click.Context, param: click.Parameter, value):
    """Click callback for ``nexc build --target``: every value must name an installed target; an unknown
    one is a usage error listing the targets, with a did-you-mean."""
    from nexc.diagnostics.suggest import did_you_mean
    from nexc.emit import targets

    known = targets()
    for t in value or ():
        if t not in known:
            guess = did_you_mean(t, known)
            raise click.BadParameter(f"unknown target '{t}'" + (f"; did you mean '{guess}'?" if guess else "")
                                     + f" (targets: {', '.join(known)})", ctx=ctx, param=param)
    return value


def use_colour() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    import os

    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def print_diagnostics(diags, fmt: str = "text", *, err: bool = False, sources=None) -> None:
    """Render ``diags`` in ``fmt`` to stdout (or stderr); code frames from ``sources`` (path → text as the
    build read it, ``CompileResult.sources``)."""
    from nexc.diagnostics.render import render_json, render_text

    if fmt == "json":
        click.echo(render_json(diags), nl=False, err=err)
    else:
        click.echo(render_text(diags, sources, colour=use_colour() and not err), nl=False, err=err)


def exit_code(diags) -> int:
    """0 clean, 1 errors in the input, 2 when nexc itself failed."""
    if any(d.code == "NEX900" for d in diags):
        return 2
    return 1 if any(d.severity == "error" for d in diags) else 0


def compile_or_exit(spec: str, kind: str | None, fmt: str = "text", **kw):
    """Compile ``spec``; on errors print the diagnostics and exit 1 (2 for internal errors)."""
    from nexc.pipeline import compile_path

    res = compile_path(spec, kind=kind, **kw)
    diags = res.reporter.sorted()
    if res.framework is None or res.reporter.has_errors:
        print_diagnostics(diags, fmt, err=fmt == "text", sources=res.sources)
        sys.exit(exit_code(diags) or 1)
    if diags and fmt == "text":
        print_diagnostics(diags, fmt, err=True, sources=res.sources)
    return res
