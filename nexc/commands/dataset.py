"""``nexc dataset``: build training sets from recorded trajectories."""
from __future__ import annotations

import sys

import click

from nexc.gap.verdict import VERDICTS


@click.group()
def dataset() -> None:
    """Build supervised fine-tuning data from recorded trajectories."""


def _template_vars(values: tuple[str, ...]) -> dict[str, object]:
    out: dict[str, object] = {}
    for v in values:
        key, sep, raw = v.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{v!r} is not KEY=VALUE", param_hint="--template-var")
        out[key.strip()] = {"true": True, "false": False}.get(raw.lower(), raw)
    return out


@dataset.command()
@click.argument("trajectories", nargs=-1, required=True, type=click.Path())
@click.option("-f", "--format", "formats", multiple=True, required=True,
              help="Tool-call format to build for (repeatable), e.g. qwen3_coder, hermes:qwen3.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Output folder (an existing dataset there is resumed).")
@click.option("--granularity", type=click.Choice(["call", "run"]), default="call", show_default=True,
              help="One sample per LLM call, or per agent run (its last call).")
@click.option("--template-var", "template_vars", multiple=True, metavar="KEY=VALUE",
              help="A chat-template variable (bos_token, eos_token, date_string …), repeatable.")
@click.option("--verify", is_flag=True,
              help="Also render every sample with its chat template (Jinja) and drop it if the text or the spans "
                   "differ from the Python renderer's.")
@click.option("--injections", type=click.Choice(["keep", "strip"]), default="keep", show_default=True,
              help="Keep the text the runtime wrote into the conversation (hints, notes on unreadable calls: what "
                   "the model saw), or strip it.")
@click.option("--loss", type=click.Choice(["all", "last-turn"]), default="all", show_default=True,
              help="Which assistant turns of a sample carry loss: all (the default: with --granularity call a run's "
                   "earlier turns are trained again in every later sample), or last-turn (only the reply of the "
                   "call: each turn of a run is trained exactly once, the earlier ones being context; "
                   "call granularity only).")
@click.option("--bad-turns", type=click.Choice(["drop", "mask"]), default="drop", show_default=True,
              help="A bad assistant turn before the reply (unknown tool, arguments against the schema, an empty "
                   "turn, unparsable or unclosed call text, one the format cannot represent): drop (the default) "
                   "every sample that holds it, or mask it (kept in the text as context, outside the loss spans; "
                   "listed in meta.masked_turns). A bad reply always drops its own sample.")
@click.option("--runs", "runs", multiple=True, type=click.Path(exists=True),
              help="A `nexc gap run` folder (or its results.jsonl) whose results the records are joined to by "
                   "trace_id: meta.query_id, stop_reason and provenance. Repeatable. Not needed for a runs folder "
                   "given as input; records of runs no results line commits are skipped as uncommitted.")
@click.option("--verdicts", type=click.Path(exists=True, dir_okay=False),
              help="Judge verdicts (verdicts.jsonl of `nexc gap filter --judge`) to put in meta.verdict; default: "
                   "the verdicts.jsonl beside an input kept.jsonl.")
@click.option("--min-verdict", type=click.Choice(VERDICTS),
              help="Keep only runs judged this or better (bad < poor < ok < good): the others are dropped as "
                   "below-min-verdict, and runs with no verdict (unjudged, or the judge failed) as no-verdict.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def build(trajectories, formats, output, granularity, template_vars, verify, injections, loss, bad_turns, runs,
          verdicts, min_verdict, quiet):
    """Read TRAJECTORIES (JSON Lines files or folders of them) and write OUTPUT/<format>/data.jsonl
    for every --format, with stats.json, dropped.jsonl and dataset.yaml.

    A sample for the format a text-mode run was made in is the request that was sent and the reply,
    byte for byte; a sample for any other format is what that format's model is sent for the same
    conversation (its own tool declarations and markup, never the run's). Samples that fail
    validation (unknown tools, arguments against the schema, empty or truncated turns, values the
    format cannot represent) are dropped and counted, never kept.

    TRAJECTORIES may be `nexc gap run` folders (their committed trajectories, each sample's meta
    carrying the query's provenance and the run's stop reason) and `nexc gap filter` folders or
    their kept.jsonl (with the verdicts.jsonl beside it).

    Exit status: 0 built, 2 usage error.
    """
    from nexc.dataset.samples import DatasetError, build_dataset

    def progress(n: int) -> None:
        if not quiet and n % 10000 == 0:
            click.echo(f"  {n} records …", err=True)

    try:
        report = build_dataset(trajectories, formats, output, granularity=granularity,
                               template_kwargs=_template_vars(template_vars), verify=verify,
                               progress=progress, injections=injections, loss=loss, bad_turns=bad_turns,
                               runs=runs, verdicts=verdicts, min_verdict=min_verdict)
    except DatasetError as exc:
        click.echo(f"nexc dataset build: {exc}", err=True)
        sys.exit(2)
    if report.records == 0:
        click.echo(f"nexc dataset build: warning: the input ({report.files} file(s)) holds no records; "
                   "nothing was added", err=True)
    if not quiet:
        click.echo(f"dataset: {output} ({report.records} records from {report.files} files, granularity "
                   f"{granularity}, loss {loss}, bad turns {bad_turns})")
        click.echo(report.table())
    for note in report.notes():
        click.echo(note, err=True)
