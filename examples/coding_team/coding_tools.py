"""Tools of the coding-team example: run tests and grep, confined to the working directory."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def _inside(path: str) -> Path:
    root = Path.cwd().resolve()
    p = (root / path).resolve()
    if root != p and root not in p.parents:
        raise ValueError(f"{path} is outside the working directory")
    return p


def run_tests(path: str = ".", pattern: str | None = None) -> str:
    """Run pytest quietly in ``path`` and return its last lines."""
    cmd = [sys.executable, "-m", "pytest", "-q", str(_inside(path))]
    if pattern:
        cmd += ["-k", pattern]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-20:]
    return "\n".join(tail) or f"pytest exited with {proc.returncode}"


def grep(pattern: str, path: str = ".") -> str:
    """Lines matching ``pattern`` below ``path`` as ``file:line: text`` (at most 200)."""
    rx = re.compile(pattern)
    out = []
    for f in sorted(_inside(path).rglob("*")):
        if not f.is_file() or any(part.startswith(".") for part in f.parts):
            continue
        try:
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                if rx.search(line):
                    out.append(f"{f.relative_to(Path.cwd())}:{n}: {line.strip()}")
                    if len(out) >= 200:
                        return "\n".join(out)
        except (UnicodeDecodeError, OSError):
            continue
    return "\n".join(out) or "no matches"
