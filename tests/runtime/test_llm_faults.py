"""Every injected fault of the fake server, through the real openai client and nexc's retries."""
from __future__ import annotations

import time

from helpers import agent

from nexc.runtime.types import StopReason
from nexc.testing import call, drop, error, rate_limited, reply, server_error, slow


def test_429_honours_retry_after(run_with, settings):
    settings.retry_base = 0.001
    t0 = time.perf_counter()
    res, srv = run_with([agent()], [rate_limited(retry_after=0.3), reply("after wait")])
    assert res.output == "after wait" and res.stop_reason is StopReason.COMPLETED
    assert time.perf_counter() - t0 >= 0.3
    assert len(srv.requests) == 2 and res.records[0]["attempts"] == 2


def test_500_then_success(run_with):
    res, srv = run_with([agent()], [server_error(500), server_error(502), reply("ok")])
    assert res.output == "ok" and res.records[0]["attempts"] == 3 and res.records[0]["error"] is None


def test_slow_reply_times_out_and_is_retried(run_with, settings):
    settings.request_timeout = 0.2
    res, srv = run_with([agent()], [slow(1.0, reply("too late")), reply("fast")])
    assert res.output == "fast" and res.records[0]["attempts"] == 2


def test_timeouts_exhaust_retries(run_with, settings):
    settings.request_timeout, settings.max_retries = 0.1, 1
    res, _ = run_with([agent()], [slow(1.0, reply("x"))] * 3)
    assert res.stop_reason is StopReason.LLM_ERROR and "timed out" in res.error
    assert res.records[0]["error"]["type"] == "timeout"


def test_dropped_connection_is_retried(run_with):
    res, srv = run_with([agent()], [drop(), reply("reconnected")])
    assert res.output == "reconnected" and res.records[0]["attempts"] == 2


def test_client_errors_are_not_retried(run_with):
    res, srv = run_with([agent()], [error(400, message="bad request body"), reply("never")])
    assert res.stop_reason is StopReason.LLM_ERROR and "HTTP 400" in res.error
    assert len(srv.requests) == 1


def test_malformed_tool_call_json_becomes_observation(run_with):
    res, srv = run_with([agent(tools=["echo"])],
                        [reply(tool_calls=[call("echo", raw='{"text": "unterminated')]),
                         reply(tool_calls=[call("echo", {"text": "fixed"})]), reply("done")])
    assert res.output == "done"
    assert "not valid JSON" in srv.requests[1].messages[-1]["content"]
    assert srv.requests[2].messages[-1]["content"] == "echo:fixed"


def test_reasoning_content_is_preserved(run_with):
    res, srv = run_with([agent(tools=["echo"])],
                        [reply("c", tool_calls=[call("echo", {"text": "x"})], reasoning="because"), reply("done")])
    rec = res.records[0]
    assert rec["response"]["reasoning_content"] == "because"
    assert res.records[1]["messages"][2]["reasoning_content"] == "because"
    assert "reasoning_content" not in srv.requests[1].messages[2]  # not sent back by default


def test_one_client_per_endpoint(run_with, settings):
    import helpers

    from nexc.api import CompiledFramework
    from nexc.testing import FakeOpenAI

    fw = CompiledFramework.from_ir(helpers.framework([agent(tools=["echo"])]), settings=settings)
    srv = FakeOpenAI([reply(tool_calls=[call("echo", {"text": "x"})]), reply("a"), reply("b")])
    with srv as url:
        import asyncio

        async def both():
            r1 = await fw.arun("1", base_url=url)
            r2 = await fw.arun("2", base_url=url)
            return r1, r2, fw.runtime.llm._clients[asyncio.get_running_loop()]

        r1, r2, clients = asyncio.run(both())
    assert r2.output == "b" and len(clients) == 1
    assert srv.requests[0].headers["authorization"] == "Bearer none"
