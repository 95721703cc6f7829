"""tool_names: tool names that OpenAI-compatible endpoints reject (NEX422).

With native tool calls (``tool_format = openai``, the default) every tool the agent offers is sent by name
in the request's ``tools``, and OpenAI-compatible endpoints accept only function names matching
``^[a-zA-Z0-9_-]{1,64}$``: a longer name, or one with other characters, fails the agent's first LLM call
with HTTP 400. The names checked are the ones the runtime sends (:mod:`nexc.view.tools`): declared tools,
sub-agents under the profile's name for them (``sub-agent-NAME`` on the nexau profile) and ``load_skill``;
MCP tools are renamed to fit by the runtime itself. Agents in a text format put tools in the prompt,
where no endpoint checks the name, so they are not reported.
"""
from __future__ import annotations

import re

from nexc.mcp.names import MAX_LEN
from nexc.ir.model import AgentRef, ToolRef

#: the function names OpenAI-compatible endpoints accept
PATTERN = re.compile(rf"[a-zA-Z0-9_-]{{1,{MAX_LEN}}}")
_BAD = re.compile(r"[^a-zA-Z0-9_-]")


def problem(name: str) -> str | None:
    """Why an endpoint rejects function name ``name`` (None when it accepts it)."""
    if PATTERN.fullmatch(name):
        return None
    bad = sorted(set(_BAD.findall(name)))
    parts = []
    if len(name) > MAX_LEN:
        parts.append(f"is {len(name)} characters long (at most {MAX_LEN} are accepted)")
    if bad:
        parts.append("has characters outside letters, digits, '_' and '-': " + " ".join(repr(c) for c in bad[:5]))
    return " and ".join(parts) or "is empty"


def _shown(name: str) -> str:
    return name if len(name) <= 80 else name[:60] + "…"


def check(fw, r, ctx) -> None:
    """Warn about each tool an agent with native tool calls offers under a name endpoints reject."""
    from nexc.formats import get_format
    from nexc.view.agent import framework_profile
    from nexc.view.tools import agent_tools

    profile = framework_profile(fw)
    for a in fw.agents:
        try:
            native = get_format(a.tool_format).id == "openai"
        except KeyError:  # an unknown format is NEX306
            native = False
        if not native:
            continue
        decls, _ = agent_tools(fw, a, profile, text_mode=False, mcp=lambda server: None)
        for d in decls:
            why = problem(d.name)
            if why is None or d.kind == "mcp":
                continue
            entry = next((e for e in a.tools if isinstance(e, (ToolRef, AgentRef)) and e.name == d.ref), None)
            what = {"tool": "tool", "agent": "sub-agent"}.get(d.kind, "tool")
            notes = [f"function names must match ^[a-zA-Z0-9_-]{{1,{MAX_LEN}}}$ (the OpenAI rule, which "
                     + "OpenAI-compatible servers enforce too)"]
            if d.kind == "agent" and d.name != d.ref:
                notes.append(f"the {fw.profile} profile offers sub-agent '{_shown(d.ref)}' as '{_shown(d.name)}'")
            limit = MAX_LEN - (len(d.name) - len(d.ref)) if isinstance(d.ref, str) else MAX_LEN
            r.report("NEX422", entry.span if entry is not None else a.span,
                     f"{what} name '{_shown(d.name)}' {why}; agent '{_shown(a.name)}' sends it as a native tool "
                     f"(tool_format openai), so its first LLM call fails with HTTP 400",
                     notes=tuple(notes), fix=f"rename the {what} to at most {limit} letters, digits, '_' or '-'")
