"""``nexc mcp``: MCP server helpers. ``nexc mcp lock SPEC`` writes ``nexc.mcp.lock.json``."""
from __future__ import annotations

import os
import sys

import click


@click.group()
def mcp():
    """Work with the MCP servers a spec declares."""


@mcp.command()
@click.argument("spec")
@click.option("--server", "servers", multiple=True, help="Lock only this server (repeatable).")
def lock(spec, servers):
    """Start each MCP server of SPEC once, list its tools and write nexc.mcp.lock.json beside SPEC."""
    from nexc.commands.common import compile_or_exit
    from nexc.mcp_lock import write_lock

    result = compile_or_exit(spec, None)
    fw = result.framework
    unknown = sorted(set(servers) - {s.name for s in fw.mcp_servers})
    if unknown:
        click.echo(f"nexc: {spec} declares no MCP server {', '.join(repr(u) for u in unknown)}", err=True)
        sys.exit(2)
    ctx = getattr(result, "context", None)
    root = str(ctx.root_dir) if ctx is not None else os.path.dirname(os.path.abspath(spec))
    path, errors = write_lock(fw, root, tuple(servers))
    for name, err in sorted(errors.items()):
        click.echo(f"nexc: MCP server '{name}': {err}", err=True)
    click.echo(f"wrote {path}")
    sys.exit(1 if errors else 0)
