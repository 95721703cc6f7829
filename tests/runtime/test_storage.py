"""GlobalStorage under threads and asyncio tasks."""
from __future__ import annotations

import asyncio
import threading

from nexc.runtime.storage import GlobalStorage


def test_threads_and_tasks_do_not_lose_updates():
    st = GlobalStorage({"n": 0, "seen": []})

    def worker(k):
        for i in range(2000):
            st.update("n", lambda v: v + 1)
        st.update("seen", lambda v: v + [k])

    async def task(k):
        for i in range(500):
            st.update("n", lambda v: v + 1)
            if i % 100 == 0:
                await asyncio.sleep(0)
        st.set(f"task{k}", k)

    async def main():
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        await asyncio.gather(*(task(k) for k in range(20)),
                             *(asyncio.to_thread(worker, 100 + k) for k in range(4)))
        for t in threads:
            t.join()

    asyncio.run(main())
    assert st.get("n") == 12 * 2000 + 20 * 500
    assert sorted(st.get("seen")) == sorted(list(range(8)) + [100, 101, 102, 103])
    assert all(st[f"task{k}"] == k for k in range(20))


def test_mapping_api_and_seed_is_copied():
    seed = {"a": [1]}
    st = GlobalStorage(seed)
    st.get("a").append(2)
    assert seed == {"a": [1]}
    st["b"] = 3
    assert "b" in st and len(st) == 2 and sorted(st) == ["a", "b"]
    assert st.delete("b") and not st.delete("b")
    assert st.setdefault("c", 1) == 1 and st.snapshot() == {"a": [1, 2], "c": 1}


def test_storage_seed_from_agents(run_with):
    from helpers import agent

    from nexc.ir.model import Agent
    from nexc.testing import call, reply

    main = agent(tools=["recall"])
    main = Agent(**{**main.__dict__, "storage_seed": {"k": "seeded"}})
    res, srv = run_with([main], [reply(tool_calls=[call("recall", {"key": "k"})]), reply("ok")])
    assert srv.requests[1].messages[-1]["content"] == "seeded"
