"""``nexc schema``: the JSON Schema of nexc YAML (the same as specs/nexc.schema.json); ``--install PATH``
writes it into a project, where ``nexc convert --to yaml`` finds it for the modeline."""
from __future__ import annotations

import sys

import click


@click.command()
@click.option("--install", "install", type=click.Path(),
              help="Write the schema to this file (or to nexc.schema.json in this folder) instead of printing it.")
def schema(install):
    """Print the JSON Schema of nexc YAML specs (for editors: see specs/YAML.md).

    With --install PATH the schema is written into the project (PATH a file, or a folder to hold
    nexc.schema.json). YAML that `nexc convert --to yaml` writes names the nearest installed
    nexc.schema.json (in the output's folder or above it, up to the project root) by a relative path
    in its `# yaml-language-server: $schema=…` modeline, so the line works on every machine.
    """
    from nexc.frontend.yaml_schema import SCHEMA_FILE, schema_text

    text = schema_text()
    if not install:
        click.echo(text, nl=False)
        return
    from pathlib import Path

    from nexc.commands.common import write_atomic

    p = Path(install)
    if p.is_dir() or install.endswith(("/", "\\")):
        p = p / SCHEMA_FILE
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(p, text)
    except OSError as exc:
        click.echo(f"nexc: cannot write '{p}': {exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {p}", err=True)
