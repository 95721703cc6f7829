"""``nexc explain CODE``: the documentation of a diagnostic code."""
from __future__ import annotations

import sys

import click


@click.command()
@click.argument("code", required=False)
@click.option("--list", "list_all", is_flag=True, help="List every code with its name and summary.")
def explain(code, list_all):
    """Print what diagnostic CODE (e.g. NEX301 or unknown-tool) means, why, an example and the fix."""
    from nexc.diagnostics import all_rules, get
    from nexc.diagnostics.suggest import did_you_mean

    if list_all or not code:
        for r in all_rules():
            click.echo(f"{r.code}  {r.name:<32} {r.severity:<8} {r.summary}")
        return
    rule = get(code)
    if rule is None:
        names = [r.code for r in all_rules()] + [r.name for r in all_rules()]
        guess = did_you_mean(code, names)
        click.echo(f"nexc: unknown diagnostic code '{code}'" + (f"; did you mean '{guess}'?" if guess else "")
                   + " (nexc explain --list shows them all)", err=True)
        sys.exit(2)
    click.echo(rule.doc(), nl=False)
