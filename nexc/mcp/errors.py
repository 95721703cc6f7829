"""What every part of MCP shares: the error of an unreachable server, how exceptions and servers are
described in messages, where a stdio server's stderr goes, and reading ``env(...)`` values at start.

It sits below :mod:`nexc.mcp.transport` and :mod:`nexc.mcp.client`, so neither imports the other for it.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any

from nexc.runtime.tools import ToolError


class McpUnavailable(ToolError):
    """A server that cannot be reached (start failure, connect deadline, died)."""


def resolve(value: Any) -> Any:
    """An ``env("NAME")`` reference read from the environment (its default when unset); other values as
    they are."""
    if getattr(value, "kind", None) == "env":
        got = os.environ.get(value.name)
        return got if got is not None else value.default
    return value


def describe_exc(exc: BaseException) -> str:
    """``Type: message`` of an exception (the first of an exception group)."""
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return describe_exc(exc.exceptions[0])
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def describe(srv) -> str:
    """How server ``srv`` is reached, for messages: its command line (stdio) or its URL."""
    if srv.transport == "stdio":
        parts = [str(resolve(srv.command) or "")] + [str(resolve(a)) for a in srv.args]
        line = " ".join(p if p and " " not in p else json.dumps(p) for p in parts)
        return f"command: {line[:200]}"
    return f"url: {resolve(srv.url)}"


def debug_errlog():
    """Where stdio servers' stderr goes: ours with ``NEXC_DEBUG`` set, else nowhere."""
    return sys.stderr if os.environ.get("NEXC_DEBUG") else _devnull()


_null = None


def _devnull():
    global _null
    if _null is None:
        _null = open(os.devnull, "w")  # noqa: SIM115 - kept open for every server's stderr
    return _null
