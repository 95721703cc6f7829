"""``nexc dataset``: build training sets from recorded trajectories."""
from __future__ import annotations

import sys

import click


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
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def build(trajectories, formats, output, granularity, template_vars, verify, injections, quiet):
    """Read TRAJECTORIES (JSON Lines files or folders of them) and write OUTPUT/<format>/data.jsonl
    for every --format, with stats.json, dropped.jsonl and dataset.yaml.

    A sample for the format a text-mode run was made in is the request that was sent and the reply,
    byte for byte; a sample for any other format is what that format's model is sent for the same
    conversation (its own tool declarations and markup, never the run's). Samples that fail
    validation (unknown tools, arguments against the schema, empty or truncated turns, values the
    format cannot represent) are dropped and counted, never kept.
    Exit status: 0 built, 2 usage error.
    """
    from nexc.dataset.samples import DatasetError, build_dataset

    def progress(n: int) -> None:
        if not quiet and n % 10000 == 0:
            click.echo(f"  {n} records …", err=True)

    try:
        report = build_dataset(trajectories, formats, output, granularity=granularity,
                               template_kwargs=_template_vars(template_vars), verify=verify,
                               progress=progress, injections=injections)
    except DatasetError as exc:
        click.echo(f"nexc dataset build: {exc}", err=True)
        sys.exit(2)
    if report.records == 0:
        click.echo(f"nexc dataset build: warning: the input ({report.files} file(s)) holds no records; "
                   "nothing was added", err=True)
    if not quiet:
        click.echo(f"dataset: {output} ({report.records} records from {report.files} files, granularity "
                   f"{granularity})")
        click.echo(report.table())
    for note in report.notes():
        click.echo(note, err=True)
