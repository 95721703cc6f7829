"""``nexc run SPEC TASK``: run a framework on one task (live, or replaying a trajectory).

    nexc run team.nex "Fix issue 12" --base-url http://127.0.0.1:8000/v1 --model qwen3 \
        --api-key-env VLLM_KEY --context date=2025-01-01 --trace-out runs/t.jsonl
    nexc run team.nex "Fix issue 12" --replay runs/t.jsonl

The answer goes to stdout; the stop reason and where the trajectory went to stderr. Without
``--trace-out`` the trajectory goes to ``nexc-runs/<framework>-<time>-<pid>.jsonl``. The endpoint
falls back on ``OPENAI_BASE_URL``, ``OPENAI_API_KEY`` and ``NEXC_MODEL``/``OPENAI_MODEL``.

Exit status: 0 when the agent finished (``completed`` or ``stop_tool``), 1 for any other stop
reason, 2 for usage errors and specs with errors (their diagnostics are printed).
"""
from __future__ import annotations

import os
import sys

import click


from nexc.commands.common import parse_context as _context

from nexc.view.profile import INJECTIONS  # noqa: E402


@click.command("run")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.argument("task")
@click.option("--base-url", help="OpenAI-compatible endpoint (default: the spec, then $OPENAI_BASE_URL).")
@click.option("--api-key-env", metavar="NAME", help="Read the API key from this environment variable.")
@click.option("--model", help="Model name (default: the spec, then $NEXC_MODEL / $OPENAI_MODEL).")
@click.option("--replay", "replay", type=click.Path(dir_okay=False, exists=True),
              help="Answer LLM calls from this recorded trajectory instead of an endpoint.")
@click.option("--trace-out", type=click.Path(dir_okay=False), help="Write the trajectory (JSON Lines) here.")
@click.option("--context", "context", multiple=True, metavar="KEY=VALUE", help="A prompt template variable.")
@click.option("--agent", help="Start at this agent instead of the entry agent.")
@click.option("--timeout", type=float, help="Stop the run after this many seconds.")
@click.option("--profile", type=click.Choice(["nexc", "nexau"]),
              help="Wire profile: nexc's conventions, or NexAU v0.3.4's (default: the framework's own; NexAU and "
                   "NexA4A configs run as nexau). See specs/RUNTIME.md.")
@click.option("--no-inject", "no_inject", multiple=True, type=click.Choice(list(INJECTIONS)),
              help="Leave out one kind of text the runtime writes into the conversation (repeatable; "
                   "specs/RUNTIME.md lists them).")
@click.option("--simulate-missing", is_flag=True,
              help="Run tools whose implementation is missing on an LLM that plays them (from their name, "
                   "description and schema) instead of refusing the spec.")
@click.option("--simulation-cache", type=click.Path(dir_okay=False),
              help="Keep simulated tool results in this JSON Lines file, so reruns give the same results "
                   "(default with --simulate-missing: nexc-runs/simulated-tools.jsonl).")
def run(spec: str, task: str, base_url, api_key_env, model, replay, trace_out, context, agent, timeout, profile,
        no_inject, simulate_missing, simulation_cache) -> None:
    """Run the framework in SPEC on TASK and print the answer."""
    if not os.path.exists(spec):
        raise click.UsageError(f"no spec file '{spec}'")
    from nexc.api import Settings, SpecError, load

    if simulate_missing and simulation_cache is None:
        simulation_cache = os.path.join("nexc-runs", "simulated-tools.jsonl")
    settings = Settings(profile=profile, disabled_injections=tuple(no_inject), simulation_cache=simulation_cache)
    try:
        fw = load(spec, settings=settings, simulate_missing=simulate_missing)
    except SpecError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    run_loaded(fw, task, base_url, api_key_env, model, replay, trace_out, context, agent, timeout)


def run_bundle(load, task: str, *, profile=None, no_inject=(), simulate_missing=False, simulation_cache=None,
               **options) -> None:
    """``python -m BUNDLE``: load the bundle's framework with the run's settings, then :func:`run_loaded`
    (a bundle built with ``--simulate-missing`` already has its simulated tools)."""
    from nexc.api import Settings

    fw = load(settings=Settings(profile=profile, disabled_injections=tuple(no_inject),
                                simulation_cache=simulation_cache))
    run_loaded(fw, task, options["base_url"], options["api_key_env"], options["model"], options["replay"],
               options["trace_out"], options["context"], options["agent"], options["timeout"])


def run_loaded(fw, task: str, base_url, api_key_env, model, replay, trace_out, context, agent, timeout) -> None:
    """The body of ``nexc run`` once the framework is loaded (shared with the ``__main__`` of built bundles):
    run, print the answer, the stop reason and the trajectory path, exit 0 when the agent finished."""
    variables = _context(context)
    api_key = None
    if api_key_env:
        api_key = os.environ.get(api_key_env)
        if api_key is None:
            raise click.UsageError(f"--api-key-env: the environment variable {api_key_env} is not set")
    for problem in fw.problems:
        click.echo(f"warning: {problem}", err=True)
    if trace_out is None:
        import time

        trace_out = os.path.join("nexc-runs", f"{fw.name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.jsonl")
    result = fw.run(task, base_url=base_url, api_key=api_key, model=model, context=variables, trace_path=trace_out,
                    replay=replay, agent=agent, timeout=timeout)
    from nexc.runtime.loop import sendable

    if result.output:
        click.echo(sendable(result.output))
    click.echo(f"stop reason: {result.stop_reason.value}" + (f" ({sendable(result.error)})" if result.error else ""),
               err=True)
    click.echo(f"trajectory: {trace_out} ({len(result.records)} LLM calls, trace {result.trace_id})", err=True)
    sys.exit(0 if result.ok else 1)
