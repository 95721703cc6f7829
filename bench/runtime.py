"""Benchmark of the nexc runtime against the bare ``openai`` client (run: ``python bench/runtime.py``).

The task (DESIGN §12): a parent agent with two Python tools and one sub-agent; the parent makes
10 tool calls (one of them to the sub-agent), the sub-agent 2, so one run is 14 LLM calls. The
fake OpenAI-compatible server (``nexc.testing.fake_openai``) runs in its own process on loopback
and answers from a stateless script (this file's :func:`script`).

In the same run, the bare ``openai.AsyncOpenAI`` client sends the same 14 request bodies (taken
from a nexc run's records) one after another. Reported:

- concurrency 1: median wall time of one run over ``--runs`` runs (nexc and bare interleaved),
  per-call framework overhead ``(nexc - bare) / 14`` and the per-call cost ratio nexc/bare;
- concurrency 64: runs/s of nexc and of bare, and their ratio;
- for reference, nexc at concurrency 1 writing a trajectory file;
- the same task in text mode (qwen3_coder, nexau_xml) and with the nexau wire profile (native and XML:
  its per-round hints and token counts on), each against the bare client sending that variant's own
  request bodies (taken from the records' ``request``), interleaved in the same run.

Targets: per-call cost ≤ 1.5× bare; throughput ≥ 80 % of bare; text-mode and nexau-profile rows ≤ 0.8× bare.

"bare" is the SDK's ordinary path, ``client.chat.completions.create``. With openai 3.x that path
spends most of its time transforming the request body (a recursive TypedDict walk over every
message) and building the response model, so the table also shows a *floor*: the same requests
through ``client.post`` returning the raw response, parsed with ``json`` — exactly the HTTP work
nexc's client does. The framework's own cost is best read against the floor.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CALLS_PER_RUN = 14
PARENT_PLAN = ["lookup", "compute", "lookup", "compute", "worker", "lookup", "compute", "lookup", "compute", "lookup"]
WORKER_PLAN = ["lookup", "compute"]


# ---- the server's script (runs in the server process) --------------------------------------------
#: the variants timed: (label, tool_format, profile); the first is the headline (native, nexc profile)
VARIANTS = [("native", "openai", "nexc"), ("text qwen3_coder", "qwen3_coder", "nexc"),
            ("text nexau_xml", "nexau_xml", "nexc"), ("nexau profile, native", "openai", "nexau"),
            ("nexau profile, xml", "nexau_xml", "nexau")]


def script(req):
    """Stateless: the reply depends only on which agent asks, in which variant, and how many turns it has had."""
    from nexc.testing import call, reply

    system = req.system
    n = 0
    for m in req.messages:
        if m.get("role") == "assistant":
            n += 1
    plan = PARENT_PLAN if "PARENT" in system else WORKER_PLAN
    fmt_id, profile = system.rpartition("VARIANT=")[2].split()[0].split("/")
    if n >= len(plan):
        return reply("final answer from " + ("parent" if "PARENT" in system else "worker"))
    name = plan[n]
    args = ({"key": f"k{n}"} if name == "lookup" else {"a": n, "b": 2} if name == "compute"
            else {"message" if profile == "nexau" else "task": "summarise the findings"})
    if name == "worker" and profile == "nexau":
        name = "sub-agent-worker" if fmt_id == "openai" else "agent:worker"
    if fmt_id == "openai":
        return reply(None, tool_calls=[call(name, args, id=f"c{n}")])
    from nexc.formats import get_format

    msg = {"role": "assistant", "content": "", "tool_calls": [{"id": f"c{n}", "type": "function",
                                                               "function": {"name": name, "arguments": args}}]}
    return reply(get_format(fmt_id).render_assistant(msg))


# ---- the tools (run in the benchmark process) ----------------------------------------------------
def lookup(key: str) -> str:
    return f"value of {key}"


def compute(a: int, b: int) -> int:
    return a * b + 1


def framework(tool_format: str = "openai", profile: str = "nexc"):
    from nexc.api import CompiledFramework
    from nexc.ir.model import Agent, AgentRef, Binding, Framework, Limits, Llm, Prompt, Tool, ToolRef

    mod = "bench_runtime_tools"
    sys.modules.setdefault(mod, sys.modules[__name__])
    marker = f"VARIANT={tool_format}/{profile} "
    tools = (
        Tool(name="lookup", description="Look a key up.", binding=Binding(kind="python", target=f"{mod}:lookup"),
             parameters={"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]}),
        Tool(name="compute", description="Compute a*b+1.", binding=Binding(kind="python", target=f"{mod}:compute"),
             parameters={"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                         "required": ["a", "b"]}),
    )
    agents = (
        Agent(name="parent", llm="m", prompt=Prompt(text=f"You are the PARENT agent. Use your tools. {marker}"),
              tools=(ToolRef(name="lookup"), ToolRef(name="compute"), AgentRef(name="worker")),
              limits=Limits(max_iterations=20), tool_format=tool_format),
        Agent(name="worker", description="Summarises findings.", llm="m",
              prompt=Prompt(text=f"You are the WORKER agent. {marker}"),
              tools=(ToolRef(name="lookup"), ToolRef(name="compute")), limits=Limits(max_iterations=10),
              tool_format=tool_format),
    )
    fw = Framework(name="bench", tools=tools, agents=agents, entry="parent", llms=(Llm(name="m", model="bench"),),
                   profile=profile)
    return CompiledFramework.from_ir(fw, REPO)


def bodies_from_records(records: list[dict]) -> list[dict]:
    """The request bodies of a run, exactly as sent (each record holds its request)."""
    return [r["request"] for r in sorted(records, key=lambda r: r["started_at"])]


async def bare_run(client, bodies: list[dict]) -> None:
    for body in bodies:
        r = await client.chat.completions.create(**body)
        assert r.choices


async def floor_run(client, response_cls, bodies: list[dict]) -> None:
    """The same requests through ``client.post`` with no request transform or response model: the
    least any Python caller of the openai package can pay (what nexc's client does per call)."""
    for body in bodies:
        r = await client.post("/chat/completions", cast_to=response_cls, body=body)
        assert r.json()["choices"]


async def timed(coro) -> float:
    t0 = time.perf_counter()
    await coro
    return time.perf_counter() - t0


async def throughput(make, concurrency: int, runs_each: int) -> float:
    async def worker():
        for _ in range(runs_each):
            await make()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return concurrency * runs_each / (time.perf_counter() - t0)


async def main_async(url: str, runs: int, concurrency: int, runs_each: int, rounds_n: int
                     ) -> list[tuple[str, str]]:
    import openai

    fw = framework()
    assert not fw.problems, fw.problems
    first = await fw.arun("Investigate.", base_url=url, api_key="none")
    assert first.ok and len(first.records) == CALLS_PER_RUN, (first.stop_reason, first.error, len(first.records))
    bodies = bodies_from_records(first.records)
    bare = openai.AsyncOpenAI(base_url=url, api_key="none", max_retries=0)
    from openai import _base_client

    response_cls = (getattr(_base_client, "httpx2", None) or getattr(_base_client, "httpx")).Response

    async def nexc_run():
        res = await fw.arun("Investigate.", base_url=url, api_key="none")
        assert res.ok

    for _ in range(5):  # warm both paths
        await nexc_run()
        await bare_run(bare, bodies)
        await floor_run(bare, response_cls, bodies)
    t_nexc, t_bare, t_trace, t_floor = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "bench.jsonl")
        for i in range(runs):
            t_bare.append(await timed(bare_run(bare, bodies)))
            t_floor.append(await timed(floor_run(bare, response_cls, bodies)))
            t_nexc.append(await timed(nexc_run()))
            t_trace.append(await timed(fw.arun("Investigate.", base_url=url, api_key="none", trace_path=trace)))
    m_nexc, m_bare, m_trace, m_floor = (statistics.median(t) for t in (t_nexc, t_bare, t_trace, t_floor))

    rounds: dict[str, list[float]] = {"bare": [], "nexc": [], "floor": []}
    for _ in range(rounds_n):  # interleaved rounds, medians: the machine may be shared
        rounds["bare"].append(await throughput(lambda: bare_run(bare, bodies), concurrency, runs_each))
        rounds["nexc"].append(await throughput(nexc_run, concurrency, runs_each))
        rounds["floor"].append(await throughput(lambda: floor_run(bare, response_cls, bodies), concurrency,
                                                runs_each))
    rps_bare, rps_nexc, rps_floor = (statistics.median(rounds[k]) for k in ("bare", "nexc", "floor"))
    variant_rows = await variants(url, bare, runs)
    await bare.close()

    per_bare = m_bare / CALLS_PER_RUN * 1000
    per_nexc = m_nexc / CALLS_PER_RUN * 1000
    per_trace = m_trace / CALLS_PER_RUN * 1000
    per_floor = m_floor / CALLS_PER_RUN * 1000
    return [
        ("runs timed at concurrency 1 (each)", f"{runs}"),
        ("bare openai: median run (14 calls)", f"{m_bare * 1000:.2f} ms  ({per_bare:.3f} ms/call)"),
        ("nexc: median run (14 calls)", f"{m_nexc * 1000:.2f} ms  ({per_nexc:.3f} ms/call)"),
        ("nexc overhead per LLM call", f"{(m_nexc - m_bare) / CALLS_PER_RUN * 1000:+.3f} ms"),
        ("per-call cost nexc / bare (target ≤ 1.5)", f"{m_nexc / m_bare:.2f}x"),
        ("floor (client.post, raw JSON): median run", f"{m_floor * 1000:.2f} ms  ({per_floor:.3f} ms/call)"),
        ("nexc overhead per LLM call vs floor", f"{(m_nexc - m_floor) / CALLS_PER_RUN * 1000:+.3f} ms"),
        ("per-call cost nexc / floor", f"{m_nexc / m_floor:.2f}x"),
        ("nexc + trajectory file: median run", f"{m_trace * 1000:.2f} ms  ({per_trace:.3f} ms/call, "
                                               f"{m_trace / m_bare:.2f}x bare)"),
        (f"throughput: median of {rounds_n} interleaved rounds", f"{concurrency} x {runs_each} runs each"),
        (f"bare openai: runs/s at concurrency {concurrency}", f"{rps_bare:.1f}"),
        (f"nexc: runs/s at concurrency {concurrency}", f"{rps_nexc:.1f}"),
        ("throughput nexc / bare (target ≥ 0.80)", f"{rps_nexc / rps_bare:.2f}"),
        (f"floor: runs/s at concurrency {concurrency}", f"{rps_floor:.1f}"),
        ("throughput nexc / floor", f"{rps_nexc / rps_floor:.2f}"),
    ] + variant_rows


async def variants(url: str, bare, runs: int) -> list[tuple[str, str]]:
    """Per-call cost of each variant (text modes, the nexau profile) against the bare client sending the
    same bodies, interleaved, in this run: median run time of each, per call."""
    fws, bodies = {}, {}
    for label, fmt, prof in VARIANTS:
        fws[label] = framework(fmt, prof)
        assert not fws[label].problems, fws[label].problems
        first = await fws[label].arun("Investigate.", base_url=url, api_key="none")
        assert first.ok and len(first.records) == CALLS_PER_RUN, (label, first.stop_reason, first.error)
        bodies[label] = bodies_from_records(first.records)
    times: dict[str, list[float]] = {k: [] for label, _, _ in VARIANTS for k in (label, "bare " + label)}
    for _ in range(max(5, runs // 2)):
        for label, _, _ in VARIANTS:
            times["bare " + label].append(await timed(bare_run(bare, bodies[label])))
            times[label].append(await timed(fws[label].arun("Investigate.", base_url=url, api_key="none")))
    med = {k: statistics.median(v) for k, v in times.items()}
    rows = [("variants: per-call cost vs bare sending the same bodies", "(target ≤ 0.80x for text and nexau rows)")]
    native = med["native"]
    for label, _, _ in VARIANTS:
        rows.append((f"  {label}", f"{med[label] / CALLS_PER_RUN * 1000:.3f} ms/call, "
                                   f"{med[label] / med['bare ' + label]:.2f}x bare, "
                                   f"{(med[label] - native) / CALLS_PER_RUN * 1000:+.3f} ms/call vs native"))
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="nexc runtime overhead vs the bare openai client")
    p.add_argument("--runs", type=int, default=40, help="runs timed at concurrency 1 (≥ 30)")
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--runs-each", type=int, default=2, help="runs per concurrent worker in the throughput test")
    p.add_argument("--rounds", type=int, default=3, help="interleaved throughput rounds (median reported)")
    p.add_argument("--profile", action="store_true", help="profile nexc runs at concurrency 1 instead")
    a = p.parse_args(argv)
    from nexc.testing import FakeOpenAI

    with FakeOpenAI.subprocess(f"{Path(__file__).resolve()}:script") as url:
        if a.profile:
            return profile(url)
        t0 = time.perf_counter()
        rows = asyncio.run(main_async(url, a.runs, a.concurrency, a.runs_each, a.rounds))
    width = max(len(k) for k, _ in rows)
    print(f"nexc runtime benchmark — fake OpenAI server on loopback (own process), {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}")
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    print(f"(took {time.perf_counter() - t0:.1f} s)")


def profile(url: str) -> None:
    import cProfile
    import pstats

    fw = framework()

    async def many():
        for _ in range(60):
            await fw.arun("Investigate.", base_url=url, api_key="none")

    asyncio.run(many())  # warm
    prof = cProfile.Profile()
    prof.enable()
    asyncio.run(many())
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats("nexc/runtime", 25)


if __name__ == "__main__":
    main()
