"""The spec language's keys: for every declaration kind, the keys it accepts, and the names declarations may
have. One table, read by the surface builder (:mod:`nexc.frontend.surface_builder`), the JSON Schema of
nexc YAML (:mod:`nexc.frontend.yaml_schema`) and the docs."""
from __future__ import annotations

import re

from nexc.diagnostics import Reporter
from nexc.ir.base import Span

LLM_KEYS = ("model", "base_url", "api_key", "temperature", "top_p", "max_tokens", "timeout", "max_retries", "params")
TOOL_KEYS = ("description", "parameters", "returns", "binding", "parallel", "extra_kwargs", "lazy")
MCP_KEYS = ("transport", "command", "args", "env", "cwd", "url", "headers", "connect_timeout", "call_timeout",
            "include", "exclude", "deny")
#: What ``deny`` of an MCP server may name (MCP tool annotations, see specs/MCP.md).
MCP_DENY = ("destructive", "write", "open_world")
SKILL_KEYS = ("path", "description")
AGENT_KEYS = ("description", "llm", "prompt", "tools", "stop_tools", "max_iterations", "context_tokens", "max_depth",
              "tool_format", "parallel_tool_calls", "storage_seed", "extensions", "context")
PROMPT_KEYS = ("text", "file", "template", "variables")
EXTENSION_KEYS = ("import", "params", "kind")
EXTENSION_KINDS = ("middleware", "hook", "tracer", "token_counter", "plugin")
DOCUMENT_KEYS = ("nex", "name", "description", "metadata", "profile", "imports", "llms", "tools", "mcp_servers",
                 "skills", "agents", "entry")
#: Accepted spellings of agent keys that the .nex sketch and NexAU use.
AGENT_ALIASES = {"stop": "stop_tools", "max_context_tokens": "context_tokens", "system_prompt": "prompt"}

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else except finally for from "
    "global if import in is lambda nonlocal not or pass raise return try while with yield".split())


def valid_identifier(name: str) -> bool:
    """Names of declarations: identifiers, not Python keywords, not dunder names."""
    return bool(_IDENT.match(name)) and name not in _KEYWORDS and not (name.startswith("__") and name.endswith("__"))


def check_identifier(name: str, span: Span, what: str, r: Reporter) -> None:
    """Report NEX205 when ``name`` is not a valid declaration name."""
    if not valid_identifier(name):
        r.report("NEX205", span, f"{what} name '{name}' is not a valid identifier",
                 fix="use letters, digits and underscores, starting with a letter")
