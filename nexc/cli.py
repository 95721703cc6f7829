"""The ``nexc`` command line. Subcommands are imported only when run, so ``nexc --version`` and
``nexc lint`` start fast. :data:`COMMANDS` is the one list of subcommands.

Exit codes: 0 success (no errors), 1 errors found in the input, 2 usage or internal error.
"""
from __future__ import annotations

import sys

import click

from nexc._lazy import installed, load_ref
from nexc.version import __version__

#: name → "module:attribute" of a click command; loaded on first use.
COMMANDS: dict[str, str] = {
    "init": "nexc.commands.init:init",
    "lint": "nexc.commands.lint:lint",
    "check": "nexc.commands.lint:check",
    "fmt": "nexc.commands.fmt:fmt",
    "convert": "nexc.commands.convert:convert",
    "schema": "nexc.commands.schema:schema",
    "build": "nexc.commands.build:build",
    "explain": "nexc.commands.explain:explain",
    "analyse": "nexc.commands.analyse:analyse",
    "graph": "nexc.commands.graph:graph",
    "view": "nexc.commands.view:view",
    "run": "nexc.commands.run:run",
    "formats": "nexc.commands.formats:formats",
    "convert-trajectory": "nexc.commands.formats:convert_trajectory",
    "dataset": "nexc.commands.dataset:dataset",
    "mcp": "nexc.commands.mcp:mcp",
    "train": "nexc.commands.train:train",
    "a4a": "nexc.commands.a4a:a4a",
    "gap": "nexc.commands.gap:gap",
}

_HELP = {
    "init": "Start a new framework: a spec, prompts, tools and a fake-server script.",
    "lint": "Check specs (files or folders) and report every problem.",
    "check": "Check one spec and report every problem (like lint).",
    "fmt": "Format .nex files canonically (--check to only verify).",
    "convert": "Convert a spec to .nex, nexc YAML or NexAU YAML.",
    "schema": "Print the JSON Schema of nexc YAML.",
    "build": "Check a spec and write build outputs (manifest, bundle, NexAU, dataset).",
    "explain": "Print the documentation of a diagnostic code.",
    "analyse": "Static analysis: worst-case LLM calls, hierarchy, context size per format.",
    "run": "Run a framework on a task (live, or replaying a trajectory).",
    "formats": "List, render and parse tool-call formats.",
    "convert-trajectory": "Rewrite recorded trajectories into another tool-call format.",
    "dataset": "Build supervised fine-tuning datasets from trajectories.",
    "mcp": "MCP servers: lock their tool lists for offline checks.",
    "train": "Fine-tune a model on a nexc dataset (needs the train extra).",
    "graph": "Draw the agent hierarchy as SVG, HTML, DOT or Mermaid.",
    "view": "Write trajectories as one HTML page to read runs in (opens offline).",
    "a4a": "Write an agent framework from a description, repaired until it compiles.",
    "gap": "GAP: tasks for a framework, runs at scale, filters and reports.",
}

#: Checks of a subcommand's option values, by command and parameter name ("module:function", a click
#: parameter callback), run before the command does anything else. The list of build targets comes from
#: the emitter registry (plugins add targets), so it cannot be a fixed ``click.Choice``.
OPTION_CHECKS: dict[str, dict[str, str]] = {
    "build": {"targets": "nexc.commands.common:check_targets"},
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when invoked (or when help lists them)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [n for n, ref in COMMANDS.items() if installed(ref.split(":")[0])]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        ref = COMMANDS.get(name)
        if ref is None:
            return None
        mod = ref.partition(":")[0]
        try:
            cmd = load_ref(ref)
        except ModuleNotFoundError as exc:
            if exc.name and mod.startswith(exc.name):
                return None
            raise
        for param in getattr(cmd, "params", ()):
            ref = OPTION_CHECKS.get(name, {}).get(param.name or "")
            if ref and param.callback is None:
                param.callback = load_ref(ref)
        return cmd

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """The subcommand named by ``args[0]``; an unknown name is a usage error with a did-you-mean."""
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from nexc.diagnostics.suggest import did_you_mean

            known = self.list_commands(ctx)
            guess = did_you_mean(name, known)
            ctx.fail(f"no such command '{name}'" + (f"; did you mean '{guess}'?" if guess else "")
                     + f"\ncommands: {', '.join(known)}")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, _HELP.get(n, "")) for n in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="nexc", message="%(prog)s %(version)s")
def cli() -> None:
    """nexc — a compiler for LLM agent systems.

    Write agents and multi-agent frameworks as .nex or nexc YAML (NexAU and NexA4A YAML are read too);
    nexc checks them, reporting every problem with its file, line and column, and builds them into
    runnable bundles, NexAU configurations and training data.

    \b
    Examples:
      nexc init my_team                     start a framework that lints, builds and runs
      nexc lint specs/                      check every spec below a folder
      nexc build research.nex -o build/     check and build
      nexc explain NEX301                   what a diagnostic means and how to fix it
    """


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs the CLI and maps unexpected exceptions to exit code 2."""
    try:
        cli.main(args=argv, prog_name="nexc", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # never a traceback for the user
        import os
        import traceback

        if os.environ.get("NEXC_DEBUG"):
            traceback.print_exc()
        click.echo(f"nexc: internal error: {type(exc).__name__}: {exc} (set NEXC_DEBUG=1 for the traceback)", err=True)
        sys.exit(2)
