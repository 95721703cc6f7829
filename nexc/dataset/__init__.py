"""Training data from trajectories: ``nexc dataset build`` and the helpers a trainer needs.

    >>> from nexc.dataset import build_dataset, decode_sample
    >>> report = build_dataset(["runs/"], ["qwen3_coder"], "data/")
    >>> messages, tools = decode_sample(json.loads(line))   # for tokenizer.apply_chat_template

Each sample holds ``messages`` (tool-call arguments as JSON strings), ``tools`` (a JSON string),
the rendered ``text`` and ``assistant_spans`` (character offsets of the output that carries the
loss, exactly what the chat template's ``{% generation %}`` markers select). See
``specs/DATASET.md``.
"""
from __future__ import annotations

import json
from typing import Any

__all__ = ["build_dataset", "decode_sample", "DatasetError", "BuildReport"]


def decode_sample(sample: dict[str, Any]) -> tuple[list[dict], list[dict] | None]:
    """``(messages, tools)`` of a data sample as chat templates want them: arguments and tools
    decoded from JSON strings, and the ``null`` keys a columnar loader (Arrow, HF ``datasets``)
    adds to every message removed (``m.reasoning_content is defined`` must stay false)."""
    messages = []
    for m in sample["messages"]:
        m = {k: v for k, v in m.items() if v is not None}
        if m.get("tool_calls"):
            m["tool_calls"] = [
                {**{k: v for k, v in c.items() if v is not None},
                 "function": {"name": c["function"]["name"],
                              "arguments": json.loads(c["function"]["arguments"])
                              if isinstance(c["function"]["arguments"], str) else c["function"]["arguments"]}}
                for c in m["tool_calls"]]
        else:
            m.pop("tool_calls", None)
        messages.append(m)
    tools = sample.get("tools")
    if isinstance(tools, str):
        tools = json.loads(tools)
    return messages, tools


def __getattr__(name: str):
    if name in ("build_dataset", "DatasetError", "BuildReport"):
        from nexc.dataset import samples as build

        return getattr(build, name)
    raise AttributeError(f"module 'nexc.dataset' has no attribute {name!r}")
