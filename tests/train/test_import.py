"""The core package never imports torch: neither ``nexc.train`` nor its CLI module at import time."""
from __future__ import annotations

import subprocess
import sys


def test_importing_train_package_and_cli_does_not_import_torch():
    code = ("import sys, nexc.train, nexc.commands.train, nexc.train.samples, nexc.train.encode, "
            "nexc.train.compat, nexc.train.progress, nexc.train.checkpoint, nexc.train.prepare; "
            "bad = [m for m in ('torch', 'transformers', 'accelerate') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_train_command_help_works_without_importing_torch():
    code = ("import sys; from click.testing import CliRunner; from nexc.commands.train import train; "
            "r = CliRunner().invoke(train, ['--help']); print(r.output); "
            "sys.exit(0 if r.exit_code == 0 and 'torch' not in sys.modules else 1)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "--max-steps" in proc.stdout and "--drop-long" in proc.stdout


def test_the_command_loads_through_the_lazy_nexc_cli(monkeypatch):
    from click.testing import CliRunner

    import nexc.cli

    monkeypatch.setitem(nexc.cli.COMMANDS, "train", "nexc.commands.train:train")
    result = CliRunner().invoke(nexc.cli.cli, ["train", "--help"])
    assert result.exit_code == 0 and "DATASET_DIR" in result.output
