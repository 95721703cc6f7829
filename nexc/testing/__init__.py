"""Test helpers that other test suites may reuse: a fake OpenAI-compatible server.

    >>> from nexc.testing import FakeOpenAI, reply, call
    >>> srv = FakeOpenAI([reply(tool_calls=[call("search", {"q": "x"})]), reply("done")])
    >>> with srv as base_url:
    ...     ...                      # point the real ``openai`` client (or nexc) at base_url
    >>> srv.requests[0].body["messages"]
"""
from nexc.testing.fake_openai import (
    FakeOpenAI,
    FakeRequest,
    Fault,
    by_system,
    call,
    drop,
    error,
    rate_limited,
    raw,
    reply,
    server_error,
    slow,
    trickle,
)

__all__ = ["FakeOpenAI", "FakeRequest", "Fault", "by_system", "call", "drop", "error", "rate_limited", "raw",
           "reply", "server_error", "slow", "trickle"]
