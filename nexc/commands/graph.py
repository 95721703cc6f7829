"""``nexc graph SPEC``: a picture of a framework — agents, delegation, tools, MCP servers, skills, stop
tools, limits and worst-case LLM calls — as SVG (default), a self-contained HTML page, DOT or Mermaid."""
from __future__ import annotations

import sys

import click

from nexc.commands.common import FROM_CHOICE

_FORMATS = ("svg", "html", "dot", "mermaid")


@click.command()
@click.argument("spec", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(_FORMATS),
              help="Output format (default: from the -o file's extension, else svg).")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False),
              help="Write to this file instead of stdout.")
@click.option("--from", "kind", type=FROM_CHOICE, help="Read the file as this kind of spec.")
def graph(spec, fmt, output, kind):
    """Draw SPEC's agent hierarchy: a box per agent (limits, worst-case LLM calls, tools, stop tools,
    skills, MCP tools) and per MCP server, arrows for delegation, laid out top-down from the entry.

    The SVG is drawn by nexc itself (no Graphviz); dot and mermaid are text to paste elsewhere. MCP tools
    of `server.*` come from nexc.mcp.lock.json when the server is locked. With errors in the spec, the
    diagnostics are printed and the exit status is 1.

    \b
    Examples:
      nexc graph team.nex -o team.svg
      nexc graph team.nex -o team.html          a page that opens offline
      nexc graph team.nex --format mermaid      paste into Markdown
    """
    from nexc.commands.common import compile_or_exit, write_atomic
    from nexc.graph import format_for, load_lock_for, render

    if fmt is None:
        fmt = (format_for(output) if output else None) or "svg"
        if output and format_for(output) is None:
            click.echo(f"nexc graph: '{output}' has no known extension (.svg, .html, .dot, .mmd); "
                       "writing svg (give --format to choose)", err=True)
    res = compile_or_exit(spec, kind)
    text = render(res.framework, fmt, lock=load_lock_for(res.context.root_dir if res.context else None))
    if output:
        try:
            write_atomic(output, text)
        except OSError as exc:
            click.echo(f"nexc graph: cannot write '{output}': {exc.strerror or exc}", err=True)
            sys.exit(1)
        click.echo(f"wrote {output} ({fmt})", err=True)
    else:
        click.echo(text, nl=False)
    sys.exit(0)
