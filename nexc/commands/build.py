"""``nexc build``: check a spec, then write the outputs of one or more targets."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from nexc.commands.common import FROM_CHOICE, compile_or_exit


def run_emitter(target: str, res, out_dir: Path, force: bool) -> int:
    """Run one emitter into ``out_dir`` safely; returns an exit code."""
    from nexc.emit import get_emitter
    from nexc.emit.writer import OutputConflict, OutputDir

    try:
        emitter = get_emitter(target)
    except KeyError:
        click.echo(f"nexc: target '{target}' is not available in this installation", err=True)
        return 2
    out = OutputDir(out_dir, force=force)
    try:
        summary = emitter(res.framework, res.context, out)
    except click.ClickException:
        raise
    except (KeyError, ValueError, OSError) as exc:
        click.echo(f"nexc: the {target} target failed: {exc}", err=True)
        return 2
    try:
        result = out.commit()
    except OutputConflict as exc:
        files = ", ".join(exc.args[0][:5])
        click.echo(f"nexc: {out_dir} holds files nexc did not write and would overwrite: {files}; "
                   f"move them away or pass --force", err=True)
        return 2
    except OSError as exc:  # the output path is a file, or under one; no permission
        click.echo(f"nexc: cannot write into {out_dir}: {exc.strerror or exc}"
                   + (f" ({exc.filename})" if exc.filename else ""), err=True)
        return 2
    n, u = len(result["written"]), len(result["unchanged"])
    click.echo(f"{target}: {out_dir} ({n} written, {u} unchanged"
               + (f", {len(result['removed'])} removed" if result["removed"] else "") + ")"
               + (f" — {summary}" if summary and summary != "manifest.json" else ""))
    return 0


@click.command()
@click.argument("spec", type=click.Path())
@click.option("-o", "--output", type=click.Path(), help="Output folder. Default: build/<framework name>.")
@click.option("--target", "targets", multiple=True, default=("manifest",), show_default=True,
              help="What to build: manifest, bundle, nexau, dataset (repeatable).")
@click.option("--from", "kind", type=FROM_CHOICE, help="Read SPEC as this kind of spec.")
@click.option("--format", "formats", multiple=True,
              help="Tool-call formats for --target dataset (repeatable; default: the formats the agents use).")
@click.option("-O", "--optimise", "optimise", is_flag=True,
              help="Run the optimisation passes first: drop unreachable agents and unused declarations, merge "
                   "identical tools and sub-agents (the survivor's name is kept), normalise tool schemas, "
                   "canonical order. Off by default, so outputs keep the names and order of the spec.")
@click.option("--schema-target", type=click.Choice(["default", "openai-strict"]), default="default", show_default=True,
              help="Tool schema form with -O: openai-strict closes every object and makes optional "
                   "parameters nullable (OpenAI strict mode).")
@click.option("--force", is_flag=True, help="Overwrite files in the output folder that nexc did not write.")
@click.option("--simulate-missing", is_flag=True,
              help="Tools whose implementation is missing become simulated tools (an LLM plays them at run time) "
                   "instead of errors.")
def build(spec, output, targets, kind, formats, optimise, schema_target, force, simulate_missing):
    """Check SPEC and write build outputs.

    A rebuild rewrites only files whose content changed and never touches files it did not write.
    Exit status: 0 built, 1 the spec has errors (nothing written), 2 usage or internal error.
    """
    if schema_target != "default" and not optimise:
        raise click.UsageError("--schema-target applies to the optimised spec; add -O")
    options = {"formats": list(formats)} if formats else {}
    if schema_target != "default":
        options["schema_target"] = schema_target
    if simulate_missing:
        options["simulate_missing"] = True
    res = compile_or_exit(spec, kind, options=options or None, optimise=optimise)
    out_dir = Path(output) if output else Path("build") / res.framework.name
    status = 0
    for t in targets:
        status = max(status, run_emitter(t, res, out_dir, force))
    sys.exit(status)
