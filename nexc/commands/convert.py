"""``nexc convert``: a spec in another language (.nex, nexc YAML, NexAU YAML), losslessly."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from nexc.commands.common import FROM_CHOICE, compile_or_exit


def _relocate(fw, root_dir: Path, out_dir: Path):
    """Rewrite the framework's relative file paths so they stay right from ``out_dir``."""
    import os

    if root_dir.resolve() == out_dir.resolve():
        return fw

    def move(p: str) -> str:
        return os.path.relpath(root_dir / p, out_dir).replace(os.sep, "/")

    agents = tuple(a.model_copy(update={"prompt": a.prompt.model_copy(update={"file": move(a.prompt.file)})})
                   if a.prompt and a.prompt.file else a for a in fw.agents)
    skills = tuple(s.model_copy(update={"path": move(s.path)}) for s in fw.skills)
    return fw.model_copy(update={"agents": agents, "skills": skills})


@click.command()
@click.argument("spec", type=click.Path())
@click.option("--to", "target", type=click.Choice(["nex", "yaml", "nexau"]), required=True, help="Target language.")
@click.option("-o", "--output", type=click.Path(), help="Output file (folder for --to nexau). Default: stdout.")
@click.option("--from", "kind", type=FROM_CHOICE, help="Read SPEC as this kind of spec.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def convert(spec, target, output, kind, force):
    """Convert SPEC to .nex (--to nex), nexc YAML (--to yaml) or NexAU YAML (--to nexau).

    The conversion is lossless between .nex and YAML: converting there and back gives the same IR.
    File paths (prompts, skills) are rewritten relative to the output's location.
    """
    res = compile_or_exit(spec, kind)
    fw, root = res.framework, res.context.root_dir
    if target == "nexau":
        if not output:
            raise click.UsageError("--to nexau writes a folder of files; give it with -o DIR")
        from nexc.commands.build import run_emitter

        sys.exit(run_emitter("nexau", res, Path(output), force))
    out_dir = Path(output).resolve().parent if output else Path.cwd()
    fw = _relocate(fw, root, out_dir)
    if target == "nex":
        from nexc.emit.nex_text import emit_nex

        text = emit_nex(fw)
    else:
        from nexc.emit.yaml_text import emit_yaml

        import os

        from nexc.resources import data_dir

        schema = os.path.relpath(data_dir("specs") / "nexc.schema.json", out_dir).replace(os.sep, "/")
        text = emit_yaml(fw, schema_url=schema)
    if not output:
        click.echo(text, nl=False)
        return
    p = Path(output)
    if p.is_dir():
        click.echo(f"nexc: '{output}' is a folder; give the file to write in it", err=True)
        sys.exit(2)
    try:
        if p.exists() and not force and p.read_text(encoding="utf-8", errors="replace") != text:
            click.echo(f"nexc: '{output}' exists; pass --force to overwrite it", err=True)
            sys.exit(2)
        p.write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(f"nexc: cannot write '{output}': {exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {output}", err=True)
