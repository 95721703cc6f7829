"""Static context size of each agent: what is in its context before the task arrives.

The static part is the system prompt (inline text, or the prompt file read relative to the
framework's root folder; templates are counted as written) plus the skill briefs plus the tool
declarations as the agent's tool-call format renders them (``Format.system_prompt_with_tools``).

Tokens are estimated as ``ceil(utf8_bytes / 4)`` — close to BPE tokenizers on English prose and
JSON, deliberately simple and deterministic. The estimate is what the NEX440 warning compares
with half of the agent's ``context_tokens``.
"""
from __future__ import annotations

from pathlib import Path

from nexc.analysis.tools import agent_tool_decls
from nexc.ir.model import Agent, Framework, SkillRef


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
            return (Path(root_dir) / p.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""
    return ""


def skill_briefs(fw: Framework, agent: Agent) -> str:
    """One line per skill of the agent: ``- name: description``."""
    skills = {s.name: s for s in fw.skills}
    lines = [f"- {s.name}: {s.description or ''}" for e in agent.tools
             if isinstance(e, SkillRef) and (s := skills.get(e.name)) is not None]
    return ("\n".join(lines) + "\n") if lines else ""


def static_context(fw: Framework, agent: Agent, fmt_id: str, root_dir: Path | None,
                   lock: dict | None = None, *, prompt: str | None = None) -> dict:
    """``{"format", "prompt_tokens", "tools_tokens", "total_tokens"}`` of ``agent`` rendered in ``fmt_id``."""
    from nexc.formats import get_format

    text = prompt if prompt is not None else prompt_text(agent, root_dir) + skill_briefs(fw, agent)
    decls = agent_tool_decls(fw, agent, lock)
    fmt = get_format(fmt_id)
    full = fmt.system_prompt_with_tools(text, decls) if decls else text
    base = estimate_tokens(text)
    total = estimate_tokens(full)
    return {"format": fmt_id, "prompt_tokens": base, "tools_tokens": total - base, "total_tokens": total}


def all_formats() -> list[str]:
    """Every registered format id."""
    from nexc.formats import list_formats

    return list_formats(include_plugins=False)
