"""``nexc schema``: the JSON Schema of nexc YAML (the same as specs/nexc.schema.json)."""
from __future__ import annotations

import json

import click


@click.command()
def schema():
    """Print the JSON Schema of nexc YAML specs (for editors: see specs/YAML.md)."""
    from nexc.ir.schema import spec_json_schema

    click.echo(json.dumps(spec_json_schema(), indent=2, sort_keys=True, ensure_ascii=False))
