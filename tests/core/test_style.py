"""The style gate: ``ruff check nexc tests bench`` with the rules and line length of ``[tool.ruff]`` in
``pyproject.toml`` (ruff is in the ``dev`` extra; the test skips where it is not installed)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def _ruff() -> list[str] | None:
    beside = Path(sys.executable).with_name("ruff")  # the virtual environment's, when pytest runs from it
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("ruff")
    return [found] if found else None


def test_ruff_check_passes():
    ruff = _ruff()
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")
    p = subprocess.run([*ruff, "check", "--output-format", "concise", "nexc", "tests", "bench"], cwd=REPO,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
