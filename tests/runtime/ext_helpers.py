"""Extensions the extension tests plug into agents (targets name this module by ``ext_helpers:…``)."""
from __future__ import annotations

import asyncio

EVENTS: list[tuple[str, str, dict]] = []
SPANS: list[tuple[str, str]] = []


class Rewrite:
    """Rewrites at every middleware event, so each replacement is visible in the run."""

    def __init__(self, tag: str = "mw") -> None:
        self.tag = tag

    def before_agent(self, ctx, task):
        return f"{task} [{self.tag}]"

    def before_tool(self, ctx, name, args):
        if name == "add":
            return {**args, "b": 40}
        if name == "boom" or name == "submit":
            return f"{name} refused by {self.tag}"
        return None

    async def after_tool(self, ctx, name, args, text):
        await asyncio.sleep(0)
        return f"{text} (seen by {self.tag} at iteration {ctx.iteration})"

    def after_agent(self, ctx, output):
        return output.upper()


class EchoB:
    """after_model: every echo call writes 'b' instead of what the model wrote."""

    def after_model(self, ctx, message):
        calls = message.get("tool_calls") or []
        if not calls:
            return None
        return {**message, "tool_calls": [{"id": c["id"], "type": "function",
                                           "function": {"name": "echo", "arguments": {"text": "b"}}} for c in calls]}


class KeepLastTwo:
    """before_model: the system prompt, the task and the last two messages only."""

    def before_model(self, ctx, messages):
        return messages[:2] + messages[2:][-2:] if len(messages) > 4 else None


class Broken:
    def __init__(self, where: str) -> None:
        self.where = where

    def before_model(self, ctx, messages):
        if self.where == "model":
            raise ValueError("model hook broke")

    def before_tool(self, ctx, name, args):
        if self.where == "tool":
            raise ValueError("tool hook broke")

    def after_agent(self, ctx, output):
        if self.where == "bad-return":
            return 42


def record(event, ctx, payload):
    EVENTS.append((event, ctx.agent, payload))


class SpanLog:
    def on_span(self, span):
        SPANS.append((span.kind, span.name))


def failing_tracer(span):
    raise RuntimeError("tracer down")


NOT_A_MIDDLEWARE = object()
