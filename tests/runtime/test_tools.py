"""Tool execution: concurrency, serial tools, errors as observations, stdlib tools, injection."""
from __future__ import annotations

import time

import helpers
from helpers import agent

from nexc.runtime.types import StopReason
from nexc.testing import call, reply


def _elapsed(res) -> float:
    return sum(s.duration_ms for s in res.spans if s.kind == "agent" and s.parent_id is None) / 1000


def test_two_slow_sync_tools_run_concurrently(run_with):
    helpers.CALLS.clear()
    res, _ = run_with([agent(tools=["slow_sync"])],
                      [reply(tool_calls=[call("slow_sync", {"seconds": 0.4}), call("slow_sync", {"seconds": 0.4})]),
                       reply("done")])
    assert res.output == "done"
    (_, a0, a1), (_, b0, b1) = helpers.CALLS[-2:]
    took = max(a1, b1) - min(a0, b0)  # the tools' own span: not the first import of the HTTP client
    assert took < 0.75, took      # two 0.4 s tools in about the time of one
    assert a0 < b1 and b0 < a1   # overlapping


def test_two_slow_async_tools_run_concurrently(run_with):
    t0 = time.perf_counter()
    res, _ = run_with([agent(tools=["slow_async"])],
                      [reply(tool_calls=[call("slow_async", {"seconds": 0.4})] * 2), reply("done")])
    assert time.perf_counter() - t0 < 0.75 and res.output == "done"


def test_non_parallel_tools_run_alone(run_with):
    helpers.CALLS.clear()
    res, _ = run_with([agent(tools=["serial_sleep"])],
                      [reply(tool_calls=[call("serial_sleep", {"seconds": 0.15})] * 2), reply("done")])
    (_, a0, a1), (_, b0, b1) = helpers.CALLS[-2:]
    assert a1 <= b0  # one after the other


def test_agent_without_parallel_tool_calls(run_with):
    helpers.CALLS.clear()
    res, srv = run_with([agent(tools=["slow_sync"], parallel_tool_calls=False)],
                        [reply(tool_calls=[call("slow_sync", {"seconds": 0.1})] * 2), reply("done")])
    (_, a0, a1), (_, b0, b1) = helpers.CALLS[-2:]
    assert a1 <= b0
    assert srv.requests[0].body["parallel_tool_calls"] is False


def test_results_keep_call_order(run_with):
    res, srv = run_with([agent(tools=["slow_async", "echo"])],
                        [reply(tool_calls=[call("slow_async", {"seconds": 0.1}), call("echo", {"text": "b"})]),
                         reply("done")])
    tool_msgs = [m for m in srv.requests[1].messages if m["role"] == "tool"]
    assert [m["content"] for m in tool_msgs] == ["slept", "echo:b"]
    assert [m["tool_call_id"] for m in tool_msgs] == ["call_0_0", "call_0_1"]


def test_tool_errors_are_observations(run_with):
    res, srv = run_with([agent(tools=["boom", "add"])],
                        [reply(tool_calls=[call("boom", {"reason": "bad"}), call("nosuch", {}),
                                           call("add", raw='{"a": 1, "b":'), call("add", {"a": 1}),
                                           call("add", raw='[1, 2]'), call("add", {"a": 1, "b": 2, "c": 3})]),
                         reply("recovered")])
    assert res.stop_reason is StopReason.COMPLETED and res.output == "recovered"
    out = [m["content"] for m in srv.requests[1].messages if m["role"] == "tool"]
    assert out[0] == "Error: tool 'boom' raised RuntimeError: boom bad"
    assert "no tool named 'nosuch'" in out[1] and "boom, add" in out[1]
    assert "not valid JSON" in out[2]
    assert "missing required argument(s): b" in out[3]
    assert "must be a JSON object" in out[4]
    assert out[5].startswith("Error: tool 'add' raised TypeError")
    statuses = [s.status for s in res.spans if s.kind == "tool"]
    assert statuses == ["error"] * 6


def test_injected_parameters_cannot_be_set_by_the_model(run_with):
    res, srv = run_with([agent(tools=["remember", "recall"])],
                        [reply(tool_calls=[call("remember", {"key": "a", "value": "1", "global_storage": "evil"})]),
                         reply(tool_calls=[call("recall", {"key": "a"})]), reply("done")])
    assert srv.requests[1].messages[-1]["content"] == "ok"
    assert srv.requests[2].messages[-1]["content"] == "1"


def test_stdlib_todo_write_uses_storage(run_with):
    todos = [{"id": "1", "content": "plan", "status": "completed"}, {"id": "2", "content": "do"}]
    res, srv = run_with([agent(tools=["todo"])], [reply(tool_calls=[call("todo", {"todos": todos})]), reply("ok")])
    text = srv.requests[1].messages[-1]["content"]
    assert "2 items, 1 completed" in text and "[x] 1: plan" in text


def test_stdlib_file_tools_stay_in_workdir(tmp_path):
    from nexc.runtime import stdlib
    from nexc.runtime.tools import ToolContext, ToolError

    ctx = ToolContext(None, {}, "a", "t", str(tmp_path), str(tmp_path))
    assert "Wrote 5" in stdlib.write_file("d/f.txt", "hello", run_context=ctx)
    assert stdlib.read_file("d/f.txt", run_context=ctx) == "hello"
    assert stdlib.list_files(run_context=ctx) == "d/f.txt"
    import pytest

    with pytest.raises(ToolError):
        stdlib.read_file("../outside.txt", run_context=ctx)


def test_unimportable_tool_reports_problem_and_observation(run_with, settings):
    from nexc.api import CompiledFramework
    from nexc.ir.model import Binding, Tool

    fw_ir = helpers.framework([agent(tools=["ghost"])])
    fw_ir = fw_ir.model_copy(update={"tools": fw_ir.tools + (Tool(name="ghost", binding=Binding(
        kind="python", target="no_such_module_xyz:f")),)})
    fw = CompiledFramework.from_ir(fw_ir, settings=settings)
    assert any("ghost" in p and "no_such_module_xyz" in p for p in fw.problems)
    from nexc.testing import FakeOpenAI

    srv = FakeOpenAI([reply(tool_calls=[call("ghost", {})]), reply("fine")])
    with srv as url:
        res = fw.run("x", base_url=url)
    # a run whose tools cannot load stops before its first LLM call (issue 18), naming the tool and the error
    assert res.stop_reason is StopReason.ERROR and not srv.requests
    assert "tool 'ghost'" in res.error and "No module named 'no_such_module_xyz'" in res.error


def test_sync_tools_never_run_on_the_loop_unless_declared_nonblocking():
    import asyncio
    import threading

    from nexc.runtime import tools as T

    seen = []

    def fast(x: int) -> int:
        seen.append(threading.current_thread() is threading.main_thread())
        return x

    @T.nonblocking
    def pure(x: int) -> int:
        seen.append(threading.current_thread() is threading.main_thread())
        return x

    impls = [T.ToolImpl(n, "", {"type": "object", "properties": {}}, fn=f) for n, f in (("fast", fast), ("pure", pure))]
    ctx = T.ToolContext(None, {}, "a", "t", ".", ".")

    async def go():
        pool = T.thread_pool(4)
        for impl in impls:
            for i in range(20):  # however fast and however often: a plain sync tool stays in a thread
                await T.call_function(impl, {"x": i}, ctx, pool, None)

    asyncio.run(go())
    assert seen == [False] * 20 + [True] * 20


def test_a_tool_that_blocks_does_not_stall_other_runs(settings):
    """A sync tool that was fast many times and then blocks for a second stalls only its own run: other
    runs in the process go on, and a run's timeout fires on time."""
    import asyncio
    import time

    import helpers

    from nexc.api import CompiledFramework
    from nexc.testing import FakeOpenAI

    fw = CompiledFramework.from_ir(helpers.framework([agent(tools=["slow_sync", "echo"], max_iterations=40)]),
                                   settings=settings)

    def script(req):
        n = sum(1 for m in req.messages if m["role"] == "assistant")
        if n == 10:
            return reply(tool_calls=[call("slow_sync", {"seconds": 1.0 if "block" in req.messages[1]["content"]
                                                        else 0.0})])
        return reply(tool_calls=[call("slow_sync", {"seconds": 0.0})]) if n < 12 else reply("done")

    async def main(url):
        t0 = time.perf_counter()
        warm = await fw.arun("warm", base_url=url, api_key="k")  # the tool has been fast a dozen times
        assert warm.output == "done"
        t0 = time.perf_counter()
        blocked = asyncio.ensure_future(fw.arun("block", base_url=url, api_key="k", timeout=0.5))
        others = [asyncio.ensure_future(fw.arun(f"run {i}", base_url=url, api_key="k")) for i in range(8)]
        done = await asyncio.gather(*others)
        others_took = time.perf_counter() - t0
        res = await blocked
        return res, done, others_took, time.perf_counter() - t0

    with FakeOpenAI(script) as url:
        res, done, others_took, took = asyncio.run(main(url))
    time.sleep(max(0.0, 1.1 - took))  # the abandoned call ends in its thread; keep later tests clear of it
    helpers.CALLS.clear()
    assert all(r.output == "done" for r in done)
    assert res.stop_reason.value == "cancelled" and took < 0.9  # the timeout fired while the tool slept
    assert others_took < 0.9


def test_openai_strict_null_for_an_optional_parameter_means_left_out(settings):
    """``-O --schema-target openai-strict`` requires every parameter and makes the optional ones
    nullable; the model's null for one it made nullable reaches the implementation as "left out" (its
    default applies), a null for one that took null already stays a value, and optional ones stay
    optional at run time."""
    from nexc.api import CompiledFramework
    from nexc.ir.model import Binding, Tool
    from nexc.optimise.normalise_schemas import optimise
    from nexc.pipeline import BuildOptions, PassContext
    from nexc.testing import FakeOpenAI

    capped = Tool(name="capped", description="n and a limit", binding=Binding(kind="python", target=f"{helpers.MOD}:capped"),
                  parameters={"type": "object", "required": [], "properties": {
                      "n": {"type": "integer"}, "limit": {"type": ["number", "null"]}}})
    fw = helpers.framework([agent(tools=["capped", "echo"])])
    fw = fw.model_copy(update={"tools": fw.tools + (capped,)})
    fw = optimise(fw, PassContext(root_dir=".", options=BuildOptions(schema_target="openai-strict")))
    tool = next(t for t in fw.tools if t.name == "capped")
    assert tool.parameters["properties"]["n"]["type"] == ["integer", "null"] and tool.parameters["required"] == ["n", "limit"]
    assert tool.strict_optional == {"n": True, "limit": False}
    assert next(t for t in fw.tools if t.name == "echo").strict_optional == {}
    compiled = CompiledFramework.from_ir(fw, ".", settings=settings)
    srv = FakeOpenAI([reply(tool_calls=[call("capped", {"n": None, "limit": None}), call("capped", {}),
                                        call("echo", {"text": None})]), reply("done")])
    with srv as url:
        res = compiled.run("go", base_url=url, api_key="sk-test-key-000")
    assert res.output == "done"
    observations = [m["content"] for m in srv.requests[1].messages if m["role"] == "tool"]
    # a required parameter's null stays a value: the schema says it is a string, so the call is refused
    assert observations[:2] == ["7/None", "7/5.0"]
    assert observations[2].startswith("Error: invalid arguments for 'echo': 'text': None is not of type 'string'")


def _say_spec(d, target: str):
    """A one-agent framework in ``d`` whose tool ``say`` is bound to ``target``."""
    (d / "s.nex").write_text(f'nex 1\nllm m {{ model = "fake" }}\ntool say() -> str "Say." = python "{target}"\n'
                             'agent a {\n  llm = m\n  prompt = "p"\n  tools = [say]\n}\n')
    return d / "s.nex"


def _run_say(spec) -> str:
    """The answer of one run of ``spec`` on the fake server: the model calls ``say`` and answers its result."""
    import nexc
    from nexc.testing import FakeOpenAI, call, reply

    def handle(req):
        tool = [m for m in req.messages if m["role"] == "tool"]
        return reply(tool[-1]["content"]) if tool else reply(tool_calls=[call("say", {})])

    with FakeOpenAI(handle) as url:
        return nexc.load(spec).run("go", base_url=url, api_key="k").output


def test_two_frameworks_with_a_tools_module_of_the_same_name_each_get_their_own(tmp_path):
    """GAP and A4A run many frameworks in one process; `tools` of one must not stand in for the other's."""
    outs = []
    for i, word in enumerate(("alpha", "beta")):
        d = tmp_path / f"fw{i}"
        d.mkdir()
        (d / "tools.py").write_text(f"def say() -> str:\n    return {word!r}\n")
        outs.append(_run_say(_say_spec(d, "tools:say")))
    assert outs == ["alpha", "beta"]


def test_a_tools_folder_without_init_wins_over_another_frameworks_tools_module(tmp_path):
    """A namespace folder ``tools/`` of the framework must not lose to a regular ``tools.py`` imported earlier
    from another framework (Python's path finder prefers regular modules anywhere on sys.path)."""
    from nexc.pipeline import compile_path

    first = tmp_path / "fw0"
    first.mkdir()
    (first / "tools.py").write_text("def say() -> str:\n    return 'module'\n")
    second = tmp_path / "fw1"
    (second / "tools").mkdir(parents=True)
    (second / "tools" / "speech.py").write_text("def say() -> str:\n    return 'namespace'\n")
    outs = []
    for d, target in ((first, "tools:say"), (second, "tools.speech:say")):
        spec = _say_spec(d, target)
        res = compile_path(spec, options={"check_imports": True})
        assert not [x for x in res.reporter.sorted() if x.code == "NEX407"], res.reporter.sorted()
        outs.append(_run_say(spec))
    assert outs == ["module", "namespace"]


def test_frameworks_with_same_named_modules_check_imports_from_several_threads(tmp_path):
    """A4A batches and GAP jobs check frameworks concurrently; each one's ``tools`` package is its own."""
    import threading

    from nexc.pipeline import compile_path

    specs = []
    for i in range(4):
        d = tmp_path / f"fw{i}"
        (d / "tools").mkdir(parents=True)
        (d / "tools" / "words.py").write_text(f"def say() -> str:\n    return 'w{i}'\n")
        specs.append(_say_spec(d, "tools.words:say"))
    found: list = []
    for _ in range(10):
        start = threading.Barrier(len(specs))

        def check(spec):
            start.wait()
            res = compile_path(spec, options={"check_imports": True})
            found.extend(x for x in res.reporter.sorted() if x.code in ("NEX407", "NEX408"))

        threads = [threading.Thread(target=check, args=(s,)) for s in specs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not found, found
