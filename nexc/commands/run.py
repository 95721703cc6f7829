"""``nexc run SPEC TASK``: run a framework on one task (live, or replaying a trajectory).

    nexc run team.nex "Fix issue 12" --base-url http://127.0.0.1:8000/v1 --model qwen3 \
        --api-key-env VLLM_KEY --context date=2025-01-01 --trace-out runs/t.jsonl
    nexc run team.nex "Fix issue 12" --replay runs/t.jsonl

The answer goes to stdout; the stop reason and where the trajectory went to stderr. A live run writes its
trajectory to ``--trace-out``, else to ``$NEXC_TRACE_DIR`` (default ``nexc-runs/``) as
``<framework>-<time>-<pid>.jsonl``; ``--no-trace``, or ``NEXC_TRACE_DIR=off``, writes none. A replay writes
a file only with ``--trace-out``. A replay takes tool results from the recording (nothing runs);
``--replay-tools run`` runs the tools again. The endpoint falls back on ``OPENAI_BASE_URL``,
``OPENAI_API_KEY`` and ``NEXC_MODEL``/``OPENAI_MODEL``. ``--verbose`` (``-v``) shows each step on stderr as
it happens (:class:`nexc.runtime.events.StderrPrinter`); stdout holds only the answer.

Exit status: 0 when the agent finished (``completed`` or ``stop_tool``), 1 for any other stop
reason (a tool that cannot be loaded, or a prompt variable without a value, stop the run before its first
LLM call), 2 for usage errors and specs with errors (their diagnostics are printed).
"""
from __future__ import annotations

import os
import sys

import click

from nexc.commands.common import parse_context as _context
from nexc.view.profile import INJECTIONS  # noqa: E402

#: the environment variable naming the folder of default trajectories ("off", "none", "0" or empty: none)
TRACE_DIR_ENV = "NEXC_TRACE_DIR"
DEFAULT_TRACE_DIR = "nexc-runs"


@click.command("run")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.argument("task")
@click.option("--base-url", help="OpenAI-compatible endpoint (default: the spec, then $OPENAI_BASE_URL).")
@click.option("--api-key-env", metavar="NAME", help="Read the API key from this environment variable.")
@click.option("--model", help="Model name (default: the spec, then $NEXC_MODEL / $OPENAI_MODEL).")
@click.option("--replay", "replay", type=click.Path(dir_okay=False, exists=True),
              help="Answer LLM calls from this recorded trajectory instead of an endpoint (and tool calls with "
                   "the recorded results: see --replay-tools).")
@click.option("--replay-tools", type=click.Choice(["recorded", "run"]), default="recorded", show_default=True,
              help="With --replay: take tool results from the recording (no tool runs, no side effects), or run "
                   "the tools again and compare their results with the recording.")
@click.option("--replay-lenient", is_flag=True,
              help="With --replay-tools run: a tool result that differs from the recording is a warning, and the "
                   "replay goes on with the recorded replies.")
@click.option("--trace-id", "trace_id", metavar="ID",
              help="With --replay: the run to replay when the file holds several (a unique prefix is enough).")
@click.option("--trace-out", type=click.Path(dir_okay=False),
              help=f"Write the trajectory (JSON Lines) here. Default for a live run: ${TRACE_DIR_ENV} or "
                   f"{DEFAULT_TRACE_DIR}/<framework>-<time>-<pid>.jsonl; a replay writes none unless asked.")
@click.option("--no-trace", is_flag=True, help=f"Write no trajectory (also: {TRACE_DIR_ENV}=off).")
@click.option("--verbose", "-v", "verbose", is_flag=True,
              help="Show each step on stderr as it happens: agents and sub-agents, LLM calls (model, tokens, "
                   "seconds), tool calls with short arguments and their outcome, retries and their wait.")
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
def run(spec: str, task: str, base_url, api_key_env, model, replay, replay_tools, replay_lenient, trace_id, trace_out,
        no_trace, verbose, context, agent, timeout, profile, no_inject, simulate_missing, simulation_cache) -> None:
    """Run the framework in SPEC on TASK and print the answer.

    A live run records its trajectory in nexc-runs/ (or --trace-out; --no-trace for none); a replay
    (--replay FILE) takes LLM replies and tool results from FILE and writes nothing unless --trace-out.
    Exit status: 0 the agent finished, 1 any other stop reason, 2 usage errors and specs with errors.
    """
    if not os.path.exists(spec):
        raise click.UsageError(f"no spec file '{spec}'")
    from nexc.api import Settings, SpecError, load

    if simulate_missing and simulation_cache is None:
        simulation_cache = os.path.join("nexc-runs", "simulated-tools.jsonl")
    settings = Settings(profile=profile, disabled_injections=tuple(no_inject), simulation_cache=simulation_cache,
                        cli=True)
    try:
        fw = load(spec, settings=settings, simulate_missing=simulate_missing)
    except SpecError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    run_loaded(fw, task, base_url=base_url, api_key_env=api_key_env, model=model, replay=replay,
               replay_tools=replay_tools, replay_lenient=replay_lenient, trace_id=trace_id, trace_out=trace_out,
               no_trace=no_trace, verbose=verbose, context=context, agent=agent, timeout=timeout)


def run_bundle(load, task: str, *, profile=None, no_inject=(), simulate_missing=False, simulation_cache=None,
               **options) -> None:
    """``python -m BUNDLE``: load the bundle's framework with the run's settings, then :func:`run_loaded`
    (a bundle built with ``--simulate-missing`` already has its simulated tools)."""
    from nexc.api import Settings

    fw = load(settings=Settings(profile=profile, disabled_injections=tuple(no_inject),
                                simulation_cache=simulation_cache, cli=True))
    run_loaded(fw, task, **options)


def trace_file(fw, trace_out, no_trace: bool, replaying: bool) -> str | None:
    """Where the run's trajectory goes: ``--trace-out``; none with ``--no-trace`` or for a replay; else a new
    file in ``$NEXC_TRACE_DIR`` (default ``nexc-runs/``), unless that is ``off``/``none``/``0``/empty."""
    if trace_out is not None:
        if no_trace:
            raise click.UsageError("--trace-out and --no-trace contradict each other; give one")
        return trace_out
    if no_trace or replaying:
        return None
    folder = os.environ.get(TRACE_DIR_ENV, DEFAULT_TRACE_DIR)
    if folder.strip().lower() in ("", "off", "none", "0", "false", "no"):
        return None
    import time

    return os.path.join(folder, f"{fw.name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.jsonl")


def _context_warnings(fw, variables: dict) -> list[str]:
    """``--context`` keys no prompt of the framework declares (tools still see them), with the declared ones."""
    from nexc.diagnostics.suggest import did_you_mean

    rt = fw.runtime
    known: set[str] = set()
    declared: set[str] = set()
    for p in rt.plans.values():
        prompt = p.view.agent.prompt
        if prompt is not None and prompt.template:
            declared.update(prompt.variables)
            known.update(p.view.agent.context)
            known.update(p.profile.variables(p.name, p.name, p.view.prompt_type, {}, None))
    known |= declared
    out = []
    for key in variables:
        if key not in known:
            guess = did_you_mean(key, sorted(known))
            names = ", ".join(sorted(declared)) or "none"
            out.append(f"--context {key}: no prompt declares the variable '{key}'"
                       + (f"; did you mean '{guess}'?" if guess else "")
                       + f" (declared: {names}); tools still see it in run_context.variables")
    return out


def run_loaded(fw, task: str, base_url=None, api_key_env=None, model=None, replay=None, trace_out=None,
               context=(), agent=None, timeout=None, *, replay_tools: str = "recorded", replay_lenient: bool = False,
               trace_id=None, no_trace: bool = False, verbose: bool = False, **_ignored) -> None:
    """The body of ``nexc run`` once the framework is loaded (shared with the ``__main__`` of built bundles):
    run, print the answer, the stop reason and the trajectory path, exit 0 when the agent finished."""
    import dataclasses

    variables = _context(context)
    api_key = None
    if api_key_env:
        api_key = os.environ.get(api_key_env)
        if api_key is None:
            raise click.UsageError(f"--api-key-env: the environment variable {api_key_env} is not set")
    if replay is None and (replay_tools != "recorded" or replay_lenient or trace_id):
        raise click.UsageError("--replay-tools, --replay-lenient and --trace-id apply to a replay; add --replay FILE")
    if replay_lenient and replay_tools != "run":
        raise click.UsageError("--replay-lenient applies when the tools run again; add --replay-tools run")
    stopping = " ".join(fw.runtime.unloadable(agent or fw.framework.entry)) \
        if replay is None or replay_tools == "run" else ""
    for problem in fw.problems:
        name = problem.split("'")[1] if problem.startswith("tool '") else None
        if name is None or f"tool '{name}' of agent" not in stopping:  # those stop the run, whose error names them
            click.echo(f"warning: {problem}", err=True)
    for warning in _context_warnings(fw, variables):
        click.echo(f"warning: {warning}", err=True)
    trace_out = trace_file(fw, trace_out, no_trace, replay is not None)
    settings = dataclasses.replace(fw.settings, cli=True, replay_tools=replay_tools, replay_lenient=replay_lenient)
    options = {"base_url": base_url, "api_key": api_key, "model": model, "context": variables,
               "trace_path": trace_out, "replay": replay, "agent": agent, "timeout": timeout, "settings": settings,
               "replay_trace_id": trace_id}
    if verbose:
        from nexc.runtime.events import StderrPrinter

        result = fw.run(task, on_event=StderrPrinter(), **options)
    else:
        result = fw.run(task, **options)
    from nexc.runtime.loop import sendable

    if result.output:
        click.echo(sendable(result.output))
    for warning in result.warnings:
        click.echo(f"warning: replay: {sendable(warning)}", err=True)
    click.echo(f"stop reason: {result.stop_reason.value}" + (f" ({sendable(result.error)})" if result.error else ""),
               err=True)
    calls = f"{len(result.records)} LLM call{'s' if len(result.records) != 1 else ''}, trace {result.trace_id}"
    if trace_out is not None:
        click.echo(f"trajectory: {trace_out} ({calls})", err=True)
    else:
        why = "--no-trace" if no_trace else "a replay writes one only with --trace-out" if replay is not None \
            else f"{TRACE_DIR_ENV} is off"
        click.echo(f"trajectory: not written ({why}; {calls})", err=True)
    sys.exit(0 if result.ok else 1)

