"""``nexc gap report RUNS/ -o report.html``: a GAP run folder as one HTML page with inline SVG plots
(coverage of the taxonomy, stop reasons, filter drops by rule, tokens and cost per stage, throughput)."""
from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("report")
@click.argument("runs", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False),
              help="Write the page here (default: RUNS/report.html).")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False),
              help="The taxonomy the queries were drawn from: every node is shown, those never run in red.")
@click.option("--filter", "filter_dir", type=click.Path(exists=True, file_okay=False),
              help="A `nexc gap filter` output folder: its report.json gives the drops per rule.")
def report(runs, output, taxonomy, filter_dir):
    """Write a report of the GAP run folder RUNS (results.jsonl, job.json, trajectories/) as HTML that opens
    offline. Unusable lines are reported on stderr (file:line:column) and skipped."""
    from nexc.commands.common import print_diagnostics, write_atomic
    from nexc.pages.report import build

    tax = None
    if taxonomy:
        from nexc.diagnostics import Reporter
        from nexc.gap.taxonomy import load_taxonomy

        r = Reporter()
        tax = load_taxonomy(taxonomy, r)
        if tax is None or r.has_errors:
            print_diagnostics(r.sorted(), "text", err=True)
            click.echo(f"error: '{taxonomy}' is not a usable taxonomy", err=True)
            sys.exit(1)
    try:
        page = build(runs, tax=tax, filter_dir=filter_dir)
    except FileNotFoundError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for problem in page.problems[:50]:
        click.echo(problem, err=True)
    out = Path(output) if output else Path(runs) / "report.html"
    write_atomic(out, page.html)
    click.echo(f"{out}: {page.items} items", err=True)
