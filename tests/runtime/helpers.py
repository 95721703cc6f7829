"""Tools and framework builders shared by the runtime tests (tool bindings name this module by __name__)."""
from __future__ import annotations

import asyncio
import threading
import time

from nexc.ir.model import Agent, AgentRef, Binding, Framework, Limits, Llm, Prompt, Skill, SkillRef, Tool, ToolRef

MOD = __name__
CALLS: list[tuple[str, float, float]] = []
_lock = threading.Lock()


def add(a: int, b: int) -> int:
    return a + b


def echo(text: str) -> str:
    return f"echo:{text}"


def slow_sync(seconds: float = 0.3) -> str:
    t0 = time.perf_counter()
    time.sleep(seconds)
    with _lock:
        CALLS.append(("slow_sync", t0, time.perf_counter()))
    return "slept"


async def slow_async(seconds: float = 0.3) -> str:
    t0 = time.perf_counter()
    await asyncio.sleep(seconds)
    CALLS.append(("slow_async", t0, time.perf_counter()))
    return "slept"


def boom(reason: str = "x") -> str:
    raise RuntimeError(f"boom {reason}")


def remember(key: str, value: str, global_storage) -> str:
    global_storage.set(key, value)
    return "ok"


def recall(key: str, global_storage) -> str:
    return str(global_storage.get(key))


def big(n: int = 4000) -> str:
    return "x" * n


def capped(n: int = 7, limit: float | None = 5.0) -> str:
    return f"{n}/{limit}"


def undecodable() -> str:
    """A listing with an undecodable file name, as ``os.listdir`` gives it (a lone surrogate)."""
    return "files: " + b"caf\xe9.txt".decode("utf-8", "surrogateescape")


def submit(answer: str) -> str:
    return f"ANSWER:{answer}"


def tool(name: str, params: dict, *, target: str | None = None, parallel: bool = True, required=None) -> Tool:
    props = {k: {"type": v} for k, v in params.items()}
    return Tool(name=name, description=f"the {name} tool",
                parameters={"type": "object", "properties": props, "required": list(required or params)},
                binding=Binding(kind="python", target=target or f"{MOD}:{name}"), parallel=parallel)


TOOLS = (
    tool("add", {"a": "integer", "b": "integer"}),
    tool("echo", {"text": "string"}),
    tool("slow_sync", {"seconds": "number"}, required=()),
    tool("slow_async", {"seconds": "number"}, required=()),
    tool("serial_sleep", {"seconds": "number"}, target=f"{MOD}:slow_sync", parallel=False, required=()),
    tool("boom", {"reason": "string"}, required=()),
    tool("remember", {"key": "string", "value": "string"}),
    tool("recall", {"key": "string"}),
    tool("big", {"n": "integer"}, required=()),
    tool("submit", {"answer": "string"}),
    tool("undecodable", {}, required=()),
    Tool(name="todo", binding=Binding(kind="stdlib", target="todo_write"),
         parameters={"type": "object", "properties": {"todos": {"type": "array"}}, "required": ["todos"]}),
)


def framework(agents, entry: str = "main", *, skills=(), llm: Llm | None = None, profile: str = "nexc") -> Framework:
    """A framework with every test tool declared and the given agents."""
    return Framework(name="t", tools=TOOLS, agents=tuple(agents), entry=entry, skills=tuple(skills),
                     llms=(llm or Llm(name="m", model="fake-model"),), profile=profile)


def agent(name: str = "main", *, tools=(), agents=(), skills=(), stop=(), prompt: str | None = None,
          template: bool = False, max_iterations: int = 10, context_tokens: int = 100_000, max_depth=None,
          tool_format: str = "openai", parallel_tool_calls: bool = True, description: str = "",
          context: dict | None = None) -> Agent:
    entries = [ToolRef(name=t) for t in tools] + [AgentRef(name=a) for a in agents] + [SkillRef(name=s) for s in skills]
    return Agent(name=name, description=description or f"the {name} agent", llm="m",
                 prompt=Prompt(text=prompt if prompt is not None else f"You are agent {name}.", template=template),
                 tools=tuple(entries), stop_tools=tuple(stop),
                 limits=Limits(max_iterations=max_iterations, context_tokens=context_tokens, max_depth=max_depth),
                 tool_format=tool_format, parallel_tool_calls=parallel_tool_calls, context=context or {})


__all__ = ["Skill", "agent", "framework"]
