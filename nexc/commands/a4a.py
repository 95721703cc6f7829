"""``nexc a4a``: write a framework from a description (or hundreds, with ``--batch``); see :mod:`nexc.a4a`."""
from __future__ import annotations

import sys

import click


@click.command()
@click.argument("description", required=False)
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the framework (with --batch: one sub-folder per description).")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False),
              help="A JSON Lines file of {\"id\", \"description\"}: generate them all (resumable).")
@click.option("--concurrency", type=click.IntRange(1, 256), default=4, show_default=True,
              help="With --batch: descriptions generated at once.")
@click.option("--base-url", help="The OpenAI-compatible endpoint A4A's agents use (else OPENAI_BASE_URL).")
@click.option("--api-key", help="Its key (else OPENAI_API_KEY).")
@click.option("--model", help="Its model (else NEXC_MODEL).")
@click.option("--mcp-lock", "mcp_locks", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="An MCP lockfile whose servers (declared in a spec beside it) the framework may use. Repeatable.")
@click.option("--max-repairs", type=click.IntRange(0, 20), default=3, show_default=True,
              help="Repair rounds after the first draft before giving up (the draft goes to a4a-rejects.jsonl).")
@click.option("--allow-import", "allow", multiple=True,
              help="A module synthesized tools may import besides the pure standard library. Repeatable.")
@click.option("--replay", type=click.Path(exists=True, dir_okay=False),
              help="Replay a recorded A4A run (DIR/.a4a/trajectory.jsonl): the same output, no endpoint.")
@click.option("--output-format", type=click.Choice(["nex", "nexa4a"]), default="nex", show_default=True,
              help="nexa4a: also write OUT/nexa4a/framework_config.yaml in NexA4A's layout.")
@click.option("--force", is_flag=True, help="Write into a folder that holds other files.")
def a4a(description, out_dir, batch, concurrency, base_url, api_key, model, mcp_locks, max_repairs, allow, replay,
        output_format, force):
    """Write an agent framework from DESCRIPTION, checked by the compiler.

    A meta agent picks the pattern (single agent, hierarchy, pipeline), a builder writes the .nex spec,
    prompts and typed Python tools, and every draft goes through the whole compiler; its diagnostics go back
    to a repairer that answers with targeted edits, for at most --max-repairs rounds. Synthesized tools are
    AST-checked, matched against their schema and smoke-run in an isolated subprocess. Writes OUT/<name>.nex,
    prompts/, tools/, a4a-report.json (pattern, agents, tools, rounds, tokens per stage) and the stage
    trajectories in OUT/.a4a/. Exit status: 0 compiled, 1 not (see a4a-rejects.jsonl), 2 usage errors.
    """
    from nexc.a4a import toolcheck
    from nexc.a4a.loop import A4AError, A4AOptions, generate

    if bool(description) == bool(batch):
        raise click.UsageError("give a DESCRIPTION or --batch FILE (one of them)")
    opts = A4AOptions(base_url=base_url, api_key=api_key, model=model, max_repairs=max_repairs,
                      mcp_locks=tuple(mcp_locks), replay=replay, force=force, output_format=output_format,
                      allowed_imports=toolcheck.ALLOWED_IMPORTS | frozenset(allow))
    try:
        if batch:
            _batch(batch, out_dir, opts, concurrency)
            return
        res = generate(description, out_dir, opts)
    except A4AError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if res.ok:
        click.echo(f"{out_dir}/{res.spec}: {res.pattern}, {res.agents} agents, {res.tools} tools, "
                   f"{res.rounds} repair round(s)")
        return
    click.echo(f"error: the framework did not compile after {res.rounds} repair round(s)"
               + (f": {res.error}" if res.error else ""), err=True)
    for d in [d for d in res.diagnostics if d["severity"] == "error"][:10]:
        click.echo(f"  {d['file']}:{d['line']}:{d['column']}: {d['code']} {d['message']}", err=True)
    click.echo(f"the last draft and its diagnostics: {out_dir}/a4a-rejects.jsonl", err=True)
    sys.exit(1)


def _batch(path, out_dir, opts, concurrency) -> None:
    from nexc.a4a.batch import run_batch, summary

    show = sys.stderr.isatty()

    def progress(done, total, line):
        mark = "ok" if line.get("ok") else "rejected"
        if show:
            click.echo(f"\r[{done}/{total}] {line['id']}: {mark}".ljust(60), nl=False, err=True)
        else:
            click.echo(f"[{done}/{total}] {line['id']}: {mark}", err=True)

    results = run_batch(path, out_dir, opts, concurrency=concurrency, progress=progress)
    if show:
        click.echo("", err=True)
    rows = summary(results)
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        click.echo(f"{k.ljust(w)}  {v}")
