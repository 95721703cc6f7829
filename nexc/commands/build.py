"""``nexc build``: check a spec (importing its python bindings unless ``--no-check-imports``), then write the
outputs of one or more targets (the runnable bundle by default)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from nexc.commands.common import FROM_CHOICE, compile_or_exit, exit_code, print_diagnostics


def stage(target: str, res, out_dir: Path, force: bool):
    """Run the emitter of ``target`` into a fresh :class:`~nexc.emit.writer.OutputDir` (nothing is written
    yet) and print its report; returns ``(out, summary)``, or an exit code when the target is unknown or its
    emitter failed. An :class:`~nexc.emit.result.EmitError` is printed as a diagnostic and ends the build."""
    from nexc.emit import get_emitter
    from nexc.emit.result import EmitError, EmitResult
    from nexc.emit.writer import OutputDir

    try:
        emitter = get_emitter(target)
    except KeyError:
        click.echo(f"nexc: target '{target}' is not available in this installation", err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - a plugin emitter that does not meet the Emitter contract
        click.echo(f"nexc: the emitter of target '{target}' cannot be used: {exc}", err=True)
        return 2
    out = OutputDir(out_dir, force=force, target=target)
    try:
        result = EmitResult.of(emitter(res.framework, res.context, out))
    except EmitError as exc:  # the build stops: no target of it is written
        diags = [exc.diagnostic(res.framework.span)]
        print_diagnostics(diags, err=True)
        sys.exit(exit_code(diags))
    except (KeyError, ValueError, OSError) as exc:
        click.echo(f"nexc: the {target} target failed: {exc}", err=True)
        return 2
    if result.report:
        click.echo(result.report, nl=False, err=True)
    return out, result.summary


def commit(target: str, out, summary, out_dir: Path) -> int:
    """Write the staged files of one target safely; returns an exit code."""
    from nexc.emit.writer import OutputConflict

    try:
        result = out.commit()
    except OutputConflict as exc:
        theirs = {t: [p for p, o in exc.owners.items() if o == t] for t in sorted(set(exc.owners.values()))}
        if theirs:
            for t, paths in theirs.items():
                click.echo(f"nexc: the {target} target would overwrite files of the {t} target in {out_dir}: "
                           f"{', '.join(paths[:5])}; build them into different folders, or pass --force", err=True)
        mine = [p for p in exc.paths if p not in exc.owners]
        if mine:
            click.echo(f"nexc: {out_dir} holds files nexc did not write and would overwrite: {', '.join(mine[:5])}; "
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


def run_emitter(target: str, res, out_dir: Path, force: bool) -> int:
    """Run one emitter into ``out_dir`` safely; returns an exit code."""
    staged = stage(target, res, out_dir, force)
    return staged if isinstance(staged, int) else commit(target, *staged, out_dir)


def clashes(staged: dict[str, tuple]) -> list[str]:
    """Paths that two targets of one build would write with different content, as messages."""
    seen: dict[str, tuple[str, bytes]] = {}
    out = []
    for target, (o, _) in staged.items():
        for rel, data in o.files.items():
            if rel in seen and seen[rel][1] != data:
                out.append(f"the {seen[rel][0]} and {target} targets both write '{rel}', differently")
            seen.setdefault(rel, (target, data))
    return out


def run_targets(targets, res, out_dir: Path, force: bool) -> int:
    """Build every target into ``out_dir``: stage all of them, refuse when two would write one path
    differently (nothing is written then), commit them one by one; returns the worst exit code."""
    status, staged = 0, {}
    for t in dict.fromkeys(targets):
        s = stage(t, res, out_dir, force)
        if isinstance(s, int):
            status = max(status, s)
        else:
            staged[t] = s
    problems = clashes(staged)
    if problems:
        for p in problems:
            click.echo(f"nexc: {p}; build these targets into different folders (-o)", err=True)
        return 2
    for t, (o, summary) in staged.items():
        status = max(status, commit(t, o, summary, out_dir))
    return status


@click.command()
@click.argument("spec", type=click.Path())
@click.option("-o", "--output", type=click.Path(), help="Output folder. Default: build/<framework name>.")
@click.option("--target", "targets", multiple=True, default=("bundle",), show_default=True,
              help="What to build: bundle (a runnable, installable Python package), manifest (the checked IR as "
                   "JSON), nexau (NexAU agent YAMLs), dataset (repeatable).")
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
@click.option("--force", is_flag=True, help="Overwrite files in the output folder that nexc did not write, or that "
              "another target wrote.")
@click.option("--check-imports/--no-check-imports", default=True, show_default=True,
              help="Import the python bindings and agent extensions (this runs their modules' code) and refuse "
                   "the build when one does not import or disagrees with its tool's parameters (NEX407, NEX408).")
@click.option("--simulate-missing", is_flag=True,
              help="Tools whose implementation is missing become simulated tools (an LLM plays them at run time) "
                   "instead of errors.")
def build(spec, output, targets, kind, formats, optimise, schema_target, force, check_imports, simulate_missing):
    """Check SPEC and write build outputs: by default the runnable bundle, a Python package NAME in
    OUTPUT (run it with python -m NAME "task" from OUTPUT, or pip install OUTPUT). Every python binding is
    imported first (--no-check-imports skips that); one that does not import is an error.

    \b
    Examples:
      nexc build team.nex                     build/<name>/ holds the bundle
      nexc build team.nex --target manifest   the checked IR as JSON
      nexc build team.nex --target bundle --target nexau -o out/

    A rebuild rewrites only files whose content changed and never touches files it did not write.
    Targets may share the output folder: OUTPUT/.nexc-files records which target wrote which file.
    A build of some targets rewrites and removes only those targets' files (a file a target wrote
    before and no longer produces is removed if unchanged since); files of the other targets stay.
    Exit status: 0 built, 1 the spec has errors (nothing written), 2 usage or internal error.
    """
    if schema_target != "default" and not optimise:
        raise click.UsageError("--schema-target applies to the optimised spec; add -O")
    from nexc.pipeline import BuildOptions

    options = BuildOptions(formats=tuple(formats), schema_target=schema_target, check_imports=check_imports,
                           simulate_missing=simulate_missing)
    res = compile_or_exit(spec, kind, options=options, optimise=optimise)
    out_dir = Path(output) if output else Path("build") / res.framework.name
    sys.exit(run_targets(targets, res, out_dir, force))
