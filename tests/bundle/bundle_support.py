"""Helpers for the bundle tests: build a spec or an IR into a folder, run Python in a fresh interpreter."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]


def build_ir(fw, root: Path, out: Path) -> None:
    """Emit the bundle of IR ``fw`` (paths relative to ``root``) into ``out``."""
    from nexc.emit.bundle import emit
    from nexc.emit.writer import OutputDir

    o = OutputDir(out)
    emit(fw, SimpleNamespace(root_dir=root, files=[]), o)
    o.commit()


def py(code: str, cwd: Path, *, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter in ``cwd``."""
    e = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=e, capture_output=True, text=True,
                          timeout=timeout)


def nexc_build(spec: Path, out: Path, *, env: dict | None = None) -> subprocess.CompletedProcess:
    """``nexc build SPEC --target bundle -o OUT`` in a fresh interpreter."""
    e = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "nexc", "build", str(spec), "--target", "bundle", "-o", str(out)],
                          env=e, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="session")
def built_examples(tmp_path_factory) -> dict[str, Path]:
    """Each example built once (in-process) into its own folder."""
    from click.testing import CliRunner

    from nexc.cli import cli

    out = {}
    for name, spec in {"deep_research": "examples/deep_research/research.nex",
                       "coding_team": "examples/coding_team/team.nex"}.items():
        d = tmp_path_factory.mktemp(name)
        r = CliRunner().invoke(cli, ["build", str(REPO / spec), "--target", "bundle", "-o", str(d)])
        assert r.exit_code == 0, r.output
        out[name] = d
    return out
