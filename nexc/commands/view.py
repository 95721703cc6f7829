"""``nexc view TRAJECTORY… [-o FILE.html]``: trajectories as one self-contained HTML page.

    nexc view nexc-runs/team-20250101-120000-42.jsonl -o run.html
    nexc view runs/trajectories/ -o all.html
    nexc view recording.jsonl --replay-report diverged.txt -o why.html
"""
from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.argument("trajectories", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False),
              help="Write the page here (default: the first trajectory's name with .html, beside it).")
@click.option("--replay-report", "replay_report", type=click.Path(exists=True, dir_okay=False),
              help="Divergences of a replay to show as diffs: JSON ({agent_path, iteration, message, messages?}) "
                   "or the text `nexc run --replay` printed.")
@click.option("--title", help="The page's title (default: names the inputs).")
def view(trajectories, output, replay_report, title):
    """Write TRAJECTORIES (files or folders of *.jsonl) as one HTML page that opens offline: the runs to
    pick from, each run's span tree (agents, LLM calls, tool calls, sub-agents) with timings and tokens, and
    each LLM call's messages, tool calls and results, format text and replay divergences.

    Unusable lines are reported on stderr (file:line:column) and skipped. Exit status 1 when no LLM-call
    record was found.
    """
    from nexc.commands.common import write_atomic
    from nexc.pages.viewer import build

    report_text = Path(replay_report).read_text(encoding="utf-8", errors="replace") if replay_report else None
    try:
        page = build(list(trajectories), replay_report=report_text, title=title)
    except FileNotFoundError as exc:
        click.echo(f"error[NEX001 file-not-found]: {exc}", err=True)
        sys.exit(1)
    except ValueError as exc:
        click.echo(f"error[NEX844 trajectory-no-records]: {exc}", err=True)
        sys.exit(1)
    for problem in page.problems[:50]:
        click.echo(str(problem), err=True)
    if len(page.problems) > 50:
        click.echo(f"… and {len(page.problems) - 50} more unusable lines", err=True)
    first = Path(trajectories[0])
    out = Path(output) if output else (first / "view.html" if first.is_dir() else first.with_suffix(".html"))
    write_atomic(out, page.html)
    click.echo(f"{out}: {page.runs} runs, {page.calls} LLM calls", err=True)
