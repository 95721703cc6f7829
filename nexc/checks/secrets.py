"""secrets: credentials written into the spec instead of ``env(...)`` (NEX416).

Looked at: an llm's ``api_key``, ``base_url`` and ``params`` (any depth: headers live there), and an
MCP server's ``command``, ``args``, ``env``, ``headers`` and ``url``; literal strings and the defaults of
``env("NAME", default)``. A value is a secret when it carries a known key prefix, a ``Bearer`` token,
a password or key in a URL, or is a long high-entropy token. The message names the kind of secret
and its length, never the value.
"""
from __future__ import annotations

import math
import re
from collections import Counter

from nexc.checks._locate import locate
from nexc.ir.model import EnvRef

#: (kind, pattern) — searched anywhere in the value.
PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple((k, re.compile(p)) for k, p in (
    ("an OpenAI-style API key (sk-…)", r"\bsk-(?:proj-|ant-|or-v1-)?[A-Za-z0-9_\-]{20,}"),
    ("a GitHub token (ghp_…)", r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    ("a GitHub token (github_pat_…)", r"\bgithub_pat_[A-Za-z0-9_]{30,}"),
    ("an AWS access key id (AKIA…)", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("a Slack token (xox…)", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    ("a GitLab token (glpat-…)", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
    ("a Hugging Face token (hf_…)", r"\bhf_[A-Za-z0-9]{30,}"),
    ("a Google API key (AIza…)", r"\bAIza[0-9A-Za-z_\-]{35}"),
    ("a bearer token", r"(?i)\bbearer\s+[A-Za-z0-9._~+/\-]{16,}=*"),
    ("a password in a URL", r"://[^/\s:@]+:[^/\s@]{3,}@"),
    ("a key in a URL query", r"(?i)[?&](?:api[_-]?key|key|token|access_token|secret)=[^&\s]{8,}"),
    ("a private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
))
_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=.]{24,}")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_PLACEHOLDER = re.compile(r"(?i)^(?:none|null|empty|dummy|test|changeme|x+|your[-_].*|<.*>|\$\{.*\}|sk-no-key.*)$")


def entropy(s: str) -> float:
    """Shannon entropy of ``s`` in bits per character."""
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values()) if n else 0.0


def secret_kind(value: str) -> str | None:
    """What kind of secret ``value`` looks like, or ``None``."""
    if not isinstance(value, str) or len(value) < 8 or _PLACEHOLDER.match(value.strip()):
        return None
    for kind, pat in PATTERNS:
        if pat.search(value):
            return kind
    for tok in _TOKEN.findall(value):
        if high_entropy(tok):
            return "a high-entropy token"
    return None


def high_entropy(tok: str) -> bool:
    """Random-looking: hex of 32+ characters (entropy ≥ 3.5 bits/char), or letters and digits with
    entropy ≥ 4.5 (≥ 4.2 for 24–31 characters without separators, which model ids and paths have)."""
    if not (any(c.isdigit() for c in tok) and any(c.isalpha() for c in tok)):
        return False
    e = entropy(tok)
    if len(tok) >= 32 and _HEX.match(tok):
        return e >= 3.5
    if len(tok) >= 32:
        return e >= 4.5
    return e >= 4.2 and not any(c in tok for c in "/-.")


def _strings(value, where: str):
    """``(where, string, is_env_default)`` for every string in ``value`` (env defaults included)."""
    if isinstance(value, EnvRef):
        if value.default is not None:
            yield where, value.default, True
    elif isinstance(value, str):
        yield where, value, False
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _strings(v, f"{where}[{i}]")


def _env_name(where: str) -> str:
    tail = re.split(r"[.\[]", where)[-1].rstrip("]")
    name = re.sub(r"\W+", "_", tail).upper().strip("_")
    return name if name and not name.isdigit() else "SECRET"


def check(fw, r, ctx) -> None:
    """Report every literal that looks like a credential."""
    items = []
    for llm in fw.llms:
        for field in ("api_key", "base_url", "params"):
            items.append((llm, f"llm '{llm.name}'", field, getattr(llm, field)))
    for s in fw.mcp_servers:
        for field in ("command", "args", "env", "headers", "url"):
            items.append((s, f"MCP server '{s.name}'", field, getattr(s, field)))
    for node, owner, field, value in items:
        for where, text, is_default in _strings(value, field):
            kind = secret_kind(text)
            if kind is None:
                continue
            span = getattr(value, "span", None) if isinstance(value, EnvRef) else None
            if span is None:
                span = locate(node.span, text, word=False)
                if span is node.span:
                    span = locate(node.span, text[:40], word=False)
            what = "the default of env(…) in " if is_default else ""
            name = "OPENAI_API_KEY" if field == "api_key" else _env_name(where)
            r.report("NEX416", span, f"{what}{owner} {where} holds {kind} written inline ({len(text)} characters)",
                     notes=("the value is not shown here; revoke it if it was ever committed",),
                     fix=f'read it from the environment: env("{name}")')
