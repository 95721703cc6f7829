"""``nexc gap``: tasks for a framework — sample a taxonomy, synthesise queries, show a taxonomy."""
from __future__ import annotations

import json
import sys

import click


def _fail(diags, message: str) -> None:
    from nexc.commands.common import print_diagnostics

    if diags:
        print_diagnostics(diags, "text", err=True)
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group()
def gap():
    """GAP: the tasks frameworks are run on (taxonomies, balanced sampling, personas, query synthesis)."""


@gap.command()
@click.argument("taxonomy", type=click.Path(exists=True, dir_okay=False))
@click.option("--n", "n", type=click.IntRange(1, 10_000_000), required=True, help="How many draws.")
@click.option("--mode", type=click.Choice(["balanced", "inverse-frequency"]), default="balanced", show_default=True,
              help="balanced: least-drawn leaf first (counts never differ by more than one); inverse-frequency: "
                   "weight 1/(count+1)^alpha.")
@click.option("--alpha", type=click.FloatRange(0, 10, min_open=True), default=1.5, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--truncate", type=click.IntRange(1, 50), help="Cut drawn leaves back to a node at depth ≥ K.")
@click.option("--stats", type=click.Path(dir_okay=False),
              help="A NexGAP tag_sampling_stats.json to read and update (locked: several processes may share it).")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), help="Write the draws here (else stdout).")
def sample(taxonomy, n, mode, alpha, seed, truncate, stats, out):
    """Draw N problem types from TAXONOMY (no LLM): one JSON line per draw, {"path": [ids]}; then a coverage
    table on stderr (leaves never drawn, min/max count per depth)."""
    from nexc.diagnostics import Reporter
    from nexc.gap.sample import Allocator, coverage
    from nexc.gap.stats import StatsError
    from nexc.gap.taxonomy import depth_table, load_taxonomy

    r = Reporter()
    tax = load_taxonomy(taxonomy, r)
    if tax is None or r.has_errors:
        _fail(r.sorted(), f"'{taxonomy}' is not a usable taxonomy")
    try:
        alloc = Allocator(tax, mode=mode, alpha=alpha, seed=seed, stats=stats, truncate=truncate)
        lines = [json.dumps({"path": list(alloc.draw().path)}, ensure_ascii=False) for _ in range(n)]
        counts = alloc.counts.snapshot()
    except StatsError as exc:
        _fail([], str(exc))
    text = "\n".join(lines) + "\n"
    if out:
        from pathlib import Path

        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    cov = coverage(tax, counts)
    click.echo(f"{cov['leaves']} leaves, {cov['undrawn']} never drawn, leaf counts {cov['min']}–{cov['max']}"
               + (f" (all of {stats})" if stats else ""), err=True)
    click.echo(f"{'depth':>5} {'nodes':>6} {'leaves':>6} {'min':>5} {'max':>5}", err=True)
    for d, nodes, leaves, lo, hi in depth_table(tax, counts):
        click.echo(f"{d:>5} {nodes:>6} {leaves:>6} {lo if leaves else '-':>5} {hi if leaves else '-':>5}", err=True)


@gap.command()
@click.argument("job", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), default="queries.jsonl", show_default=True,
              help="The queries (one JSON line each); OUT.draws.jsonl, OUT.synthesis.jsonl, OUT.fit.jsonl and "
                   "OUT.personas.jsonl go beside it.")
@click.option("--base-url", help="The endpoint the synthesis agents use (else OPENAI_BASE_URL).")
@click.option("--api-key", help="Its key (else OPENAI_API_KEY).")
@click.option("--model", help="Its model (else NEXC_MODEL; the job's models per stage win).")
def queries(job, out, base_url, api_key, model):
    """Synthesise the queries of JOB (gap.yaml): persona rewrite, one difficulty per synthesis call, optional
    fuzzify. Resumable: run it again after a crash and it continues without duplicates."""
    from nexc.diagnostics import Reporter
    from nexc.gap.job import load_job
    from nexc.gap.queries import GapError, run_queries

    r = Reporter()
    j = load_job(job, r)
    if j is None:
        _fail(r.sorted(), f"'{job}' is not a valid GAP job")
    tty = sys.stderr.isatty()

    def progress(c):
        if tty:
            click.echo(f"\r{c['done'] + c['skipped']}/{c['total']} queries ({c['failed']} failed)", nl=False, err=True)

    try:
        counts = run_queries(j, out, base_url=base_url, api_key=api_key, model=model, progress=progress)
    except GapError as exc:
        _fail(exc.diagnostics, str(exc))
    if tty:
        click.echo("", err=True)
    click.echo(f"{out}: {counts['done']} new, {counts['skipped']} already there, {counts['failed']} failed "
               f"(of {counts['total']}); {counts['tokens']:,} tokens", err=True)
    for e in counts.get("errors", [])[:5]:
        click.echo(f"  {e}", err=True)
    sys.exit(1 if counts["failed"] else 0)


@gap.group()
def taxonomy():
    """Look at problem-type taxonomies."""


@taxonomy.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def show(path, lang):
    """Print the tree with its ids, labels and version."""
    from nexc.diagnostics import Reporter
    from nexc.gap.taxonomy import load_taxonomy

    r = Reporter()
    tax = load_taxonomy(path, r)
    if tax is None or r.has_errors:
        _fail(r.sorted(), f"'{path}' is not a usable taxonomy")
    click.echo(f"{tax.framework} ({tax.version}): {len(tax.nodes())} nodes, {len(tax.leaves())} leaves")
    for node in tax.nodes():
        click.echo(f"{'  ' * len(node.path)}{node.id}: {node.labels.get(lang, '')}")


@taxonomy.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--node", "node_path", required=True, help="The node to grow, as ids from the root's child: a/b/c "
                                                           "(\"\" for the root).")
@click.option("--framework", "spec", type=click.Path(exists=True, dir_okay=False),
              help="The framework's spec: its description and capabilities bound the new problem types.")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), required=True,
              help="The new taxonomy version (never the input file).")
@click.option("--base-url", help="The endpoint (else OPENAI_BASE_URL).")
@click.option("--api-key", help="Its key (else OPENAI_API_KEY).")
@click.option("--model", help="Its model (else NEXC_MODEL).")
def expand(path, node_path, spec, out, base_url, api_key, model):
    """Propose new children of one node with an LLM and write a new version of the taxonomy with them
    (checked: new ids, both labels, no overlap with siblings), with provenance."""
    from pathlib import Path

    import nexc
    from nexc.diagnostics import Reporter
    from nexc.gap.expand import check_children, grown, write_new_version
    from nexc.gap.taxonomy import load_taxonomy
    from nexc.resources import data_dir

    if Path(out).resolve() == Path(path).resolve():
        _fail([], "the grown taxonomy is a new file: give -o another path (the input is never overwritten)")
    r = Reporter()
    tax = load_taxonomy(path, r)
    if tax is None or r.has_errors:
        _fail(r.sorted(), f"'{path}' is not a usable taxonomy")
    parts = tuple(p for p in node_path.split("/") if p)
    node = tax.node(parts)
    if node is None:
        _fail([], f"no node {node_path!r} in the taxonomy")
    brief = ""
    if spec:
        from nexc.pipeline import compile_path

        fw = compile_path(spec).framework
        if fw is not None:
            brief = f"{fw.name}: {fw.description}\n" + "\n".join(f"- {a.name}: {a.description}" for a in fw.agents)
    labels = " → ".join(tax.node(parts[:i + 1]).labels.get("en", parts[i]) for i in range(len(parts))) or tax.root.id
    existing = "\n".join(f"- {c.id}: {c.labels.get('en', '')}" for c in node.children) or "(none)"
    fw_run = nexc.load(data_dir("stdlib") / "gap" / "taxonomy.nex")
    res = fw_run.run(f"System: {brief or tax.framework}\nNode: {labels}\nExisting children:\n{existing}",
                     base_url=base_url, api_key=api_key, model=model)
    text = res.output or ""
    try:
        proposed = json.loads(text[text.find("["):text.rfind("]") + 1])
    except ValueError:
        _fail([], f"the model gave no JSON list of children ({res.stop_reason.value}: {res.error or text[:200]})")
    ok, why = check_children(node, proposed)
    doc = grown(tax, parts, ok, {"grown_from": tax.version, "source": str(path), "node": list(parts),
                                 "added": [c["id"] for c in ok], "rejected": why, "model": model})
    try:
        write_new_version(doc, Path(out), Path(path))
    except ValueError as exc:
        _fail([], str(exc))
    click.echo(f"{out}: {len(ok)} new children of '{node.id}'" + (f"; {len(why)} refused:" if why else ""), err=True)
    for w in why:
        click.echo(f"  {w}", err=True)


def _shard(value: str) -> tuple[int, int]:
    try:
        i, n = (int(x) for x in value.split("/"))
    except ValueError:
        raise click.BadParameter("write it as i/n, e.g. 0/4") from None
    if not (n >= 1 and 0 <= i < n):
        raise click.BadParameter("i/n needs 0 <= i < n")
    return i, n


def _budget(value):
    from nexc.gap.run import parse_budget

    if value is None:
        return None
    try:
        return parse_budget(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _price(value):
    from nexc.gap.run import parse_price

    if value is None:
        return None
    try:
        return parse_price(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@gap.command("run")
@click.argument("target", type=click.Path(exists=True, dir_okay=False))
@click.option("--queries", "queries_path", type=click.Path(exists=True, dir_okay=False), required=True,
              help="queries.jsonl ({\"id\", \"query\"} per line, as `gap queries` writes it) or one task per line.")
@click.option("--out", "runs", type=click.Path(file_okay=False), required=True,
              help="RUNS/: trajectories/<item>.jsonl, results.jsonl (the commit log), job.json.")
@click.option("--concurrency", type=click.IntRange(1, 4096), default=16, show_default=True,
              help="Most runs at once (per worker with --executor ray; lowered automatically while the endpoint "
                   "rate-limits).")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: one process; ray: shards on Ray actors (pip install 'nexc[ray]').")
@click.option("--workers", type=click.IntRange(1, 4096), default=2, show_default=True,
              help="Ray actors (one shard each) with --executor ray.")
@click.option("--ray-address", help="An existing Ray cluster (else a local one is started).")
@click.option("--shard", default="0/1", show_default=True, help="Run only shard i of n (deterministic split).")
@click.option("--budget", "budget", callback=lambda c, p, v: _budget(v),
              help="Stop starting new items once this is spent: tokens (100000, 100k, 2m) or dollars ($5, 5$, "
                   "5usd; needs --price).")
@click.option("--price", callback=lambda c, p, v: _price(v),
              help="Dollars per million prompt/completion tokens, IN/OUT (0.5/1.5): each record's cost and the "
                   "spend shown.")
@click.option("--timeout", type=click.FloatRange(0, min_open=True), help="Seconds per run before it is cancelled.")
@click.option("--retries", type=click.IntRange(0, 10), default=2, show_default=True,
              help="Retries of a run that ended in llm_error/error before it is committed as failed.")
@click.option("--simulate-missing", is_flag=True,
              help="Tools whose implementation cannot be found are played by an LLM (as `nexc run`).")
@click.option("--simulation-cache", type=click.Path(dir_okay=False),
              help="Keep simulated tool results here (default with --simulate-missing: RUNS/simulated-tools.jsonl).")
@click.option("--mcp-per-run", multiple=True, metavar="SERVER",
              help="Start this MCP server for every run (it keeps state); the others start once per worker.")
@click.option("--base-url", help="The endpoint (else the spec's / OPENAI_BASE_URL).")
@click.option("--api-key", help="Its key.")
@click.option("--model", help="The model (part of each item's id).")
@click.option("--seed", type=int, default=0, show_default=True, help="Part of each item's id.")
def run_cmd(target, queries_path, runs, concurrency, executor, workers, ray_address, shard, budget, price, timeout,
            retries, simulate_missing, simulation_cache, mcp_per_run, base_url, api_key, model, seed):
    """Run the framework of TARGET (a spec, or a gap.yaml job) on every query: crash-safe trajectories, one
    committed result line per query, resumable after any crash (only uncommitted items run again)."""
    import os
    import time

    from nexc.gap.run import GapRunError, RunOptions, run_job

    spec = target
    if target.endswith((".yaml", ".yml")) and "gap:" in open(target, encoding="utf-8", errors="replace").read(4096):
        from nexc.diagnostics import Reporter
        from nexc.gap.job import load_job

        r = Reporter()
        job = load_job(target, r)
        if job is None:
            _fail(r.sorted(), f"'{target}' is not a valid GAP job")
        spec = str(job.framework)
    if simulate_missing and simulation_cache is None:
        simulation_cache = os.path.join(runs, "simulated-tools.jsonl")
    tty = sys.stderr.isatty()

    def progress(c):
        if tty:
            el = max(1e-6, time.time() - c["started"])
            rate = (c["done"] + c["failed"]) / el
            left = c["total"] - c["done"] - c["failed"] - c["skipped"]
            spend = f", ${c['cost']:,.4f}" if price else ""
            click.echo(f"\r{c['done'] + c['skipped']}/{c['total']} done, {c['failed']} failed, {rate:.1f}/s, "
                       f"ETA {left / rate if rate else 0:.0f}s, {c['tokens']:,} tokens{spend} ", nl=False, err=True)

    kind, amount = budget or (None, None)
    opts = RunOptions(concurrency=concurrency, base_url=base_url, api_key=api_key, model=model, seed=seed,
                      shard=_shard(shard), timeout=timeout, retries=retries,
                      budget_tokens=int(amount) if kind == "tokens" else None,
                      budget_usd=amount if kind == "usd" else None, price=price,
                      simulate_missing=simulate_missing, simulation_cache=simulation_cache,
                      mcp_per_run=tuple(mcp_per_run), executor=executor, workers=workers, ray_address=ray_address,
                      progress=progress)
    try:
        c = run_job(spec, queries_path, runs, opts)
    except GapRunError as exc:
        _fail([], str(exc))
    if tty:
        click.echo("", err=True)
    spend = f", ${c['cost']:,.4f}" if price else ""
    click.echo(f"{runs}: {c['done']} done, {c['failed']} failed, {c['skipped']} already committed (of {c['total']});"
               f" {c['tokens']:,} tokens{spend}" + ("; stopped at the budget" if c.get("budget_stopped") else ""),
               err=True)
    sys.exit(1 if c["failed"] else 0)


@gap.command("status")
@click.argument("runs", type=click.Path(exists=True, file_okay=False))
def status_cmd(runs):
    """Progress and failures of a `gap run` folder."""
    from nexc.gap.run import status

    s = status(runs)
    click.echo(f"{s['committed']}/{s['items'] if s['items'] is not None else '?'} committed, {s['failed']} failed, "
               f"{s['tokens']:,} tokens" + (f", ${s['cost']:,.4f}" if s["cost"] else ""))
    for k, v in s["stop_reasons"].items():
        click.echo(f"  {k}: {v}")
    for f in s["failures"]:
        click.echo(f"  failed {f['query_id']}: {f['error']}")
from nexc.commands.gap_filter import filter_cmd as _filter  # noqa: E402 - its own module, attached here
from nexc.commands.gap_report import report as _report  # noqa: E402

gap.add_command(_filter, "filter")
gap.add_command(_report, "report")
