"""context_size: agents whose static prompt (system prompt, skill briefs and tool declarations in
the agent's own format) is estimated above half of ``context_tokens`` (NEX440). See
:mod:`nexc.analysis.context` for the estimate."""
from __future__ import annotations

from nexc.analysis.context import static_context
from nexc.mcp.lockfile import load_lock


def check(fw, r, ctx) -> None:
    """Warn about agents whose static context alone uses more than half of their limit."""
    root = ctx.root_dir if ctx is not None else None
    lock = load_lock(root) if root is not None else {}
    for a in fw.agents:
        try:
            size = static_context(fw, a, a.tool_format, root, lock)
        except KeyError:  # unknown format: NEX306
            continue
        limit = a.limits.context_tokens
        if size["total_tokens"] * 2 > limit:
            pct = 100 * size["total_tokens"] / limit
            r.report("NEX440", a.span,
                     f"the static prompt of agent '{a.name}' is about {size['total_tokens']:,} tokens in format "
                     f"'{a.tool_format}', {pct:.0f}% of its {limit:,}-token context",
                     notes=(f"system prompt and skills ≈ {size['prompt_tokens']:,} tokens, tool declarations ≈ "
                            f"{size['tools_tokens']:,} tokens (estimate: UTF-8 bytes / 4)",),
                     fix="shorten the prompt or tool descriptions, move tools to sub-agents, or raise context_tokens")
