"""secrets: credentials written into the spec instead of ``env(...)`` (NEX416).

Looked at: an llm's ``api_key``, ``base_url`` and ``params`` (any depth: headers live there), and an
MCP server's ``command``, ``args``, ``env``, ``headers`` and ``url``; literal strings and the defaults of
``env("NAME", default)``. A value is a secret when it carries a known key prefix, a ``Bearer`` token,
a password or key in a URL, or is a long high-entropy token. The message names the kind of secret
and its length, never the value.

Not secrets: environment references inside a value (``https://host/mcp?key=${env.KEY}`` is NexAU's own way
to read one; ``${NAME}``, ``{{ … }}``). An obvious placeholder (``your_key_here``, ``xxx``, ``<key>``,
``changeme``) is at most a warning. The fix is written in the spec's own language: ``env("NAME")`` in
``.nex``, ``{env: NAME}`` in nexc YAML, ``${env.NAME}`` in NexAU and NexA4A YAML.
"""
from __future__ import annotations

import math
import re
from collections import Counter

from nexc.ir.base import Span
from nexc.ir.model import EnvRef

#: (kind, pattern) — searched anywhere in the value; group ``v`` is the secret itself.
PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple((k, re.compile(p)) for k, p in (
    ("an OpenAI-style API key (sk-…)", r"\b(?P<v>sk-(?:proj-|ant-|or-v1-)?[A-Za-z0-9_\-]{20,})"),
    ("a GitHub token (ghp_…)", r"\b(?P<v>gh[pousr]_[A-Za-z0-9]{30,})"),
    ("a GitHub token (github_pat_…)", r"\b(?P<v>github_pat_[A-Za-z0-9_]{30,})"),
    ("an AWS access key id (AKIA…)", r"\b(?P<v>(?:AKIA|ASIA)[0-9A-Z]{16})\b"),
    ("a Slack token (xox…)", r"\b(?P<v>xox[abposr]-[A-Za-z0-9\-]{10,})"),
    ("a GitLab token (glpat-…)", r"\b(?P<v>glpat-[A-Za-z0-9_\-]{20,})"),
    ("a Hugging Face token (hf_…)", r"\b(?P<v>hf_[A-Za-z0-9]{30,})"),
    ("a Google API key (AIza…)", r"\b(?P<v>AIza[0-9A-Za-z_\-]{35})"),
    ("a bearer token", r"(?i)\bbearer\s+(?P<v>[A-Za-z0-9._~+/<>\-]{16,}=*)"),
    ("a password in a URL", r"://[^/\s:@]+:(?P<v>[^/\s@]{3,})@"),
    ("a key in a URL query", r"(?i)[?&](?:api[_-]?key|key|token|access_token|secret)=(?P<v>[^&\s]{8,})"),
    ("a private key", r"(?P<v>-----BEGIN [A-Z ]*PRIVATE KEY-----)"),
))
#: environment references and template slots: what stands there is read at run time, not written inline
_REFERENCE = re.compile(r"\$\{[^}]*\}|\{\{[^}]*\}\}|\$[A-Z_][A-Z0-9_]*\b")
_PLACEHOLDER_WORDS = re.compile(r"(?i)your|here|placeholder|change[-_ ]?me|replace|example|dummy|fake|redacted|"
                                r"insert|todo|fixme|<[^>]*>|\bxxx|^x+$")
_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=.]{24,}")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_PLACEHOLDER = re.compile(r"(?i)^(?:none|null|empty|dummy|test|changeme|x+|your[-_].*|<.*>|\$\{.*\}|sk-no-key.*)$")


def entropy(s: str) -> float:
    """Shannon entropy of ``s`` in bits per character."""
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values()) if n else 0.0


def placeholder(secret: str) -> bool:
    """Whether ``secret`` is an obvious stand-in (``your_key_here``, ``xxxx``, ``<key>``, ``sk-xxxxxxxx``)."""
    core = re.sub(r"(?i)^(?:sk-(?:proj-|ant-)?|gh[pousr]_|hf_|bearer\s+)", "", secret.strip())
    return bool(_PLACEHOLDER.match(core) or _PLACEHOLDER_WORDS.search(core) or len(set(core.lower()) - set("-_.")) <= 2)


def find_secret(value: str) -> tuple[str, bool] | None:
    """``(kind, is_placeholder)`` of the secret ``value`` holds, or ``None``; references to the environment
    (``${env.KEY}``) are not inline secrets."""
    if not isinstance(value, str) or len(value) < 8:
        return None
    if "$" in value or "{{" in value:
        value = _REFERENCE.sub("", value)
        if len(value) < 8:
            return None
    if _PLACEHOLDER.match(value.strip()):
        return None
    for kind, pat in PATTERNS:
        m = pat.search(value)
        if m:
            return kind, placeholder(m.group("v"))
    for tok in _TOKEN.findall(value):
        if high_entropy(tok):
            return "a high-entropy token", placeholder(tok)
    return None


def secret_kind(value: str) -> str | None:
    """What kind of (real, not placeholder) secret ``value`` looks like, or ``None``."""
    found = find_secret(value)
    return found[0] if found and not found[1] else None


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
    """``(where, string, env)`` for every string in ``value``: env defaults too (``env`` is then the
    ``env(…)`` that holds it, else ``None``)."""
    if isinstance(value, EnvRef):
        if value.default is not None:
            yield where, value.default, value
    elif isinstance(value, str):
        yield where, value, None
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
    """Report every literal that looks like a credential, at the value as written."""
    sources = ctx.sources if ctx is not None else r.sources
    items = []
    for llm in fw.llms:
        for field in ("api_key", "base_url", "params"):
            items.append((llm, f"llm '{llm.name}'", field, getattr(llm, field)))
    for s in fw.mcp_servers:
        for field in ("command", "args", "env", "headers", "url"):
            items.append((s, f"MCP server '{s.name}'", field, getattr(s, field)))
    for node, owner, field, value in items:
        for where, text, env in _strings(value, field):
            found = find_secret(text)
            if found is None:
                continue
            kind, stand_in = found
            if env is not None:
                span = env.span
            else:
                span = _inside_quotes(node.value_spans.get(where, node.span), text, sources)
            what = "the default of env(…) in " if env is not None else ""
            name = "OPENAI_API_KEY" if field == "api_key" else _env_name(where)
            fix = f"read it from the environment: {env_syntax(span.file, fw.profile, name)}"
            if stand_in:
                r.report("NEX416", span, f"{what}{owner} {where} holds what looks like a placeholder for {kind}",
                         notes=("a placeholder is no secret, but the framework cannot authenticate with it",),
                         fix=fix, severity="warning")
                continue
            r.report("NEX416", span, f"{what}{owner} {where} holds {kind} written inline ({len(text)} characters)",
                     notes=("the value is not shown here; revoke it if it was ever committed",), fix=fix)


def _inside_quotes(span: Span, text: str, sources: dict[str, str]) -> Span:
    """``span`` without the quotes around ``text`` when the source shows it quoted on one line (the caret
    and the mask cover the secret itself)."""
    src = sources.get(span.file)
    if src is None or span.line != span.end_line:
        return span
    lines = src.split("\n")
    written = lines[span.line - 1][span.column - 1:span.end_column - 1] if span.line <= len(lines) else ""
    if len(written) >= 2 and written[0] == written[-1] and written[0] in "\"'" and written[1:-1] == text:
        return span.model_copy(update={"column": span.column + 1, "end_column": span.end_column - 1})
    return span


def env_syntax(file: str | None, profile: str, name: str) -> str:
    """How the spec's own language reads environment variable ``name``."""
    f = (file or "").lower()
    if f.endswith(".nex"):
        return f'env("{name}")'
    if f.endswith((".nex.yaml", ".nex.yml")):
        return "{env: " + name + "}"
    if f.endswith((".yaml", ".yml")):
        return "${env." + name + "}"
    return f'env("{name}")' if profile != "nexau" else "${env." + name + "}"
