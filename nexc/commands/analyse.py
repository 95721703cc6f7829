"""``nexc analyse SPEC``: static analysis — worst-case LLM calls of one run, depth and fan-out of the
delegation hierarchy, and each agent's static context size per tool-call format against its limit."""
from __future__ import annotations

import json
import sys

import click

from nexc.commands.common import FROM_CHOICE


@click.command()
@click.argument("spec", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Print a readable report or JSON.")
@click.option("--from", "kind", type=FROM_CHOICE,
              help="Read the file as this kind of spec.")
@click.option("--tool-format", "formats", multiple=True, help="Only these tool-call formats (repeatable).")
@click.option("--context", "context", multiple=True, metavar="KEY=VALUE",
              help="A prompt template variable, as `nexc run --context` gives it (repeatable).")
def analyse(spec, fmt, kind, formats, context):
    """Analyse SPEC: worst-case LLM calls, hierarchy depth and fan-out, static context per agent and format.

    The static context of an agent is its first request's system message and tool declarations, built
    as the runtime builds them (template prompts rendered with --context). The spec is checked first;
    with errors, the diagnostics are printed and the exit status is 1. Diagnostics that are only
    warnings go to stderr. See specs/diagnostics.md for the definitions.
    """
    from nexc.analysis.report import analyse as run
    from nexc.analysis.report import render_text
    from nexc.commands.common import compile_or_exit, parse_context

    variables = parse_context(context)
    res = compile_or_exit(spec, kind, fmt)
    rep = run(res.framework, res.context, list(formats) or None, variables)
    if fmt == "json":
        click.echo(json.dumps(rep, indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(rep), nl=False)
    sys.exit(0)
