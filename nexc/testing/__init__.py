"""Test helpers that other test suites may reuse: a fake OpenAI-compatible server.

    >>> from nexc.testing import FakeOpenAI, reply, call
    >>> srv = FakeOpenAI([reply(tool_calls=[call("search", {"q": "x"})]), reply("done")])
    >>> with srv as base_url:
    ...     ...                      # point the real ``openai`` client (or nexc) at base_url
    >>> srv.requests[0].body["messages"]

The names are imported from :mod:`nexc.testing.fake_openai` when first used, not with the package, so
``python -m nexc.testing.fake_openai`` runs the server without importing its module twice (which would
print a ``RuntimeWarning`` and give the script's faults another ``Fault`` class than the server's).
"""
from __future__ import annotations

from typing import Any

__all__ = ["FakeOpenAI", "FakeRequest", "Fault", "by_system", "call", "drop", "error", "rate_limited", "raw",
           "reply", "server_error", "slow", "trickle"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from nexc.testing import fake_openai

        return getattr(fake_openai, name)
    raise AttributeError(f"module 'nexc.testing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
