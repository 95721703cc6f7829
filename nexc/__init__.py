"""nexc — a compiler for LLM agent systems.

The package keeps its import light: ``import nexc`` loads nothing heavy, so the CLI starts fast.
Public entry points are imported lazily on first use.
"""
from __future__ import annotations

from nexc.version import __version__

__all__ = ["__version__", "load", "compile_path"]


def __getattr__(name: str):  # PEP 562 lazy attributes
    if name == "compile_path":
        from nexc.pipeline import compile_path

        return compile_path
    if name == "load":
        from nexc.api import load

        return load
    raise AttributeError(f"module 'nexc' has no attribute {name!r}")
