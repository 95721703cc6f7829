"""Static context size of each agent: what is in its context before the task arrives — the system
message and the tool declarations of its first request, exactly as the runtime builds them
(:class:`nexc.view.agent.AgentView`): the prompt (templates rendered with the given context, or
counted as written), the profile's briefs, and the tools — declared by the format in the system
message in text mode, as the request's ``tools`` (JSON) in native mode.

Tokens are estimated as ``ceil(utf8_bytes / 4)`` — close to BPE tokenizers on English prose and
JSON, deliberately simple and deterministic. The estimate is what the NEX440 warning compares
with half of the agent's ``context_tokens``.
"""
from __future__ import annotations

from pathlib import Path

from nexc.ir.model import Agent, Framework
from nexc.view.agent import AgentView, framework_profile


def estimate_tokens(text: str) -> int:
    """``ceil(len(text.encode('utf-8')) / 4)``."""
    return (len(text.encode("utf-8")) + 3) // 4


def prompt_text(agent: Agent, root_dir: Path | None) -> str:
    """The agent's system prompt text as written ('' when it has none or the file is unreadable)."""
    p = agent.prompt
    if p is None:
        return ""
    if p.text is not None:
        return p.text
    if p.file and root_dir is not None:
        try:
            return _read(root_dir, p.file)
        except (OSError, UnicodeDecodeError, ValueError):  # reported where the path was resolved
            return ""
    return ""


def _read(root_dir: str, path: str) -> str:
    from nexc.view.agent import read_prompt_file

    return read_prompt_file(str(root_dir), path)


def static_context(fw: Framework, agent: Agent, fmt_id: str, root_dir: Path | None, lock: dict | None = None, *,
                   context: dict | None = None, render: bool = False) -> dict:
    """``{"format", "prompt_tokens", "tools_tokens", "total_tokens"}`` of ``agent`` in format ``fmt_id``:
    its own system prompt, and what the declarations add to the first request. ``render``: render
    template prompts with ``context`` as a run does (else they count as written)."""
    lock = lock or {}
    view = AgentView(fw, agent.name, str(root_dir or "."), framework_profile(fw), tool_format=fmt_id,
                     mcp=lambda server: lock.get(server.name), read=_read)
    if view.fmt is None and view.tool_format != "openai":
        raise KeyError(f"unknown tool-call format '{fmt_id}'")
    own = view.system_prompt(context) if render or view.prompt.static else view.prompt.source()
    system, tools_json = view.sent(own)
    base = estimate_tokens(own)
    total = estimate_tokens(system) + (estimate_tokens(tools_json) if tools_json else 0)
    return {"format": fmt_id, "prompt_tokens": base, "tools_tokens": total - base, "total_tokens": total}


def all_formats() -> list[str]:
    """Every registered format id."""
    from nexc.formats import list_formats

    return list_formats(include_plugins=False)
