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
    """Start each MCP server of SPEC once, list its tools and write nexc.mcp.lock.json beside SPEC."""
    from nexc.commands.common import exit_code, print_diagnostics
    from nexc.mcp_lock import write_lock
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
    for name, err in sorted(errors.items()):
        click.echo(f"nexc: {err}" if f"'{name}'" in err else f"nexc: MCP server '{name}': {err}", err=True)
    click.echo(f"wrote {path}")
    sys.exit(1 if errors else 0)
