"""``nexc mcp``: MCP server helpers. ``nexc mcp lock SPEC`` writes ``nexc.mcp.lock.json``."""
from __future__ import annotations

import os
import sys

import click

#: what locking fixes: not reported while locking
LOCK_CODES = frozenset(("NEX417", "NEX418", "NEX419", "NEX420"))


@click.group()
def mcp():
    """Work with the MCP servers a spec declares."""


@mcp.command()
@click.argument("spec")
@click.option("--server", "servers", multiple=True, help="Lock only this server (repeatable).")
def lock(spec, servers):
    """Start each MCP server of SPEC once, list its tools and write nexc.mcp.lock.json beside SPEC.

    A stdio server's command must be on PATH (or an executable file) before anything starts. When a
    server cannot be listed, its command (or URL) is named, nothing is written and the old lockfile
    stays as it was (exit status 1).
    """
    from nexc.commands.common import exit_code, print_diagnostics
    from nexc.mcp.lockfile import write_lock
    from nexc.pipeline import compile_path

    result = compile_path(spec)
    diags = [d for d in result.reporter.sorted() if d.code not in LOCK_CODES]
    if diags:
        print_diagnostics(diags, err=True)
    if result.framework is None or exit_code(diags):
        sys.exit(exit_code(diags) or 1)
    fw = result.framework
    unknown = sorted(set(servers) - {s.name for s in fw.mcp_servers})
    if unknown:
        click.echo(f"nexc: {spec} declares no MCP server {', '.join(repr(u) for u in unknown)}", err=True)
        sys.exit(2)
    ctx = result.context
    root = str(ctx.root_dir) if ctx is not None else os.path.dirname(os.path.abspath(spec))
    path, errors = write_lock(fw, root, tuple(servers))
    shown = _relative(path)
    for name, err in sorted(errors.items()):
        click.echo(f"nexc: {err}" if f"'{name}'" in err else f"nexc: MCP server '{name}': {err}", err=True)
    if errors:
        click.echo(f"nexc: {shown} not written" + (" (the old one is unchanged)" if path.is_file() else ""),
                   err=True)
        sys.exit(1)
    click.echo(f"wrote {shown}")


def _relative(path) -> str:
    """``path`` relative to the current folder (absolute only across drives)."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
