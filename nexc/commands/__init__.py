"""CLI subcommands, one module each; registered in :data:`nexc.cli.COMMANDS`."""
