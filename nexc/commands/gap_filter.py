"""``nexc gap filter``: keep only the runs fit to train on — structural rules, then an optional chunked judge."""
from __future__ import annotations

import sys

import click


def _ids(value: str | None) -> list[str] | None:
    return None if value is None else [x for x in value.split(",") if x.strip()]


def _problems(problems) -> None:
    from nexc.commands.common import print_diagnostics
    from nexc.diagnostics import Reporter
    from nexc.ir.base import Span

    r = Reporter()
    for p in problems[:50]:
        r.report(p.code, Span.point(p.file, p.line, 1), p.message, fix=p.fix)
    if problems:
        print_diagnostics(r.sorted(), "text", err=True)
    if len(problems) > 50:
        click.echo(f"… and {len(problems) - 50} more", err=True)


@click.command("filter")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--out", "out", type=click.Path(file_okay=False), required=True,
              help="OUT/: kept.jsonl (kept runs' lines, unchanged), dropped.jsonl, report.json "
                   "(and verdicts.jsonl, judge-trajectories/ with --judge).")
@click.option("--rules", "rule_ids", metavar="ID,…", help="Only these rules (default: all; see --list-rules).")
@click.option("--disable", metavar="ID,…", default="", help="Rules to switch off.")
@click.option("--no-rules", is_flag=True, help="No structural rule at all (every run kept; with --judge: judge all).")
@click.option("--list-rules", is_flag=True, is_eager=True, expose_value=False, help="List the rules and exit.",
              callback=lambda ctx, _p, v: _list_rules(ctx) if v else None)
@click.option("--long-output", type=click.IntRange(1), default=20_000, show_default=True,
              help="long-tool-output: the most characters a tool result may have.")
@click.option("--dup-threshold", type=click.FloatRange(0, 1), default=0.8, show_default=True,
              help="duplicate-task: the MinHash Jaccard estimate that makes two tasks near duplicates.")
@click.option("--judge", "judge_spec", is_flag=False, flag_value="stdlib", default=None, metavar="[SPEC]",
              help="Also judge the kept runs with an LLM: --judge alone uses the stdlib judge "
                   "(stdlib/gap/judge.nex), --judge SPEC a spec whose entry agent answers the same JSON. "
                   "Verdicts go to OUT/verdicts.jsonl; no run is dropped by the judge (gate them with "
                   "`nexc dataset build --min-verdict`).")
@click.option("--judge-context", type=click.IntRange(256), help="The judge's context in tokens (default: its "
                                                                  "agent's context_tokens).")
@click.option("--judge-replay", type=click.Path(exists=True, file_okay=False),
              help="Answer the judge's calls from a judge-trajectories/ folder of an earlier filter (no LLM).")
@click.option("--concurrency", type=click.IntRange(1, 256), default=4, show_default=True,
              help="Runs judged at once.")
@click.option("--base-url", help="The judge's endpoint (else OPENAI_BASE_URL).")
@click.option("--api-key", help="Its key (else OPENAI_API_KEY).")
@click.option("--model", help="Its model (else NEXC_MODEL).")
def filter_cmd(inputs, out, rule_ids, disable, no_rules, long_output, dup_threshold, judge_spec, judge_context,
               judge_replay, concurrency, base_url, api_key, model):
    """Filter the runs of INPUTS (gap run folders RUNS/, trajectory files or folders of them): a run is every
    record sharing a trace_id, sub-agents included; a run with any finding of a rule is dropped, with each
    finding's rule, record and message index and evidence in OUT/dropped.jsonl."""
    from nexc.gap.filter import Config, filter_paths

    judge = None
    if judge_spec is not None or judge_replay:
        from nexc.gap.judge import JudgeOptions, judge_runs

        opts = JudgeOptions(spec=None if judge_spec in (None, "stdlib") else judge_spec, base_url=base_url,
                            api_key=api_key, model=model, context=judge_context, concurrency=concurrency,
                            replay=judge_replay)

        def judge(runs, out_dir):
            return judge_runs(runs, out_dir, opts)
    cfg = Config(long_output_chars=long_output, duplicate_jaccard=dup_threshold)
    try:
        report = filter_paths(inputs, out, rule_ids=[] if no_rules else _ids(rule_ids), disable=_ids(disable) or (),
                              cfg=cfg, judge=judge)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="--rules/--disable") from None
    except Exception as exc:  # the judge spec does not compile, an unreadable input …
        from nexc.api import SpecError

        if not isinstance(exc, (SpecError, OSError)):
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    _problems(report["problems"])
    r = report["runs"]
    click.echo(f"{out}: {r['in']} runs ({report['records']['in']} records): {r['kept']} kept, {r['dropped']} dropped"
               f" — {report['records_per_s'] or 0:,.0f} records/s", err=True)
    for rid, c in report["rules"].items():
        if c["runs"]:
            click.echo(f"  {rid} ({c['code']}): {c['runs']} runs, {c['findings']} findings", err=True)
    j = report.get("judge")
    if j:
        click.echo(f"  judge: {j['judged']}/{j['runs']} runs judged in {j['chunks']} chunks, {j['tokens']:,} tokens "
                   f"(×{j['overhead'] or 0} one pass); verdicts {j['verdicts']}", err=True)
        for f in j["failed"][:10]:
            click.echo(f"  warning[NEX842]: run {f['trace_id']}: {f['error']}", err=True)


def _list_rules(ctx) -> None:
    from nexc.gap.filter import rules

    for r in rules().values():
        click.echo(f"{r.id:<20} {r.code}  {r.summary}")
    ctx.exit(0)
