"""Run by test_trajectory: runs a framework in a loop, appending to a trajectory, until killed."""
from __future__ import annotations

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import helpers  # noqa: E402

from nexc.api import CompiledFramework  # noqa: E402
from nexc.testing import FakeOpenAI, call, reply  # noqa: E402


def script(req):
    n = sum(1 for m in req.messages if m["role"] == "assistant")
    if n < 3:
        return reply("x" * 2000, tool_calls=[call("echo", {"text": "y" * 3000})])
    return reply("done")


async def main(path: str) -> None:
    fw = CompiledFramework.from_ir(helpers.framework([helpers.agent(tools=["echo"])]))
    with FakeOpenAI(script, record=False) as url:
        first = True
        while True:
            await asyncio.gather(*(fw.arun("go " * 500, base_url=url, trace_path=path) for _ in range(4)))
            if first:
                print("running", flush=True)
                first = False


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
