"""The format registry: built-in formats by id, plus plugins from the ``nexc.formats`` entry-point
group (loaded lazily, on the first lookup that misses or on ``list_formats``).

A format id is ``name`` or ``name:variant`` (``hermes:qwen2.5``); a bare name means the
format's default variant. A plugin's entry point names its id and points at a
:class:`~nexc.formats.base.Format` subclass (or instance)::

    [project.entry-points."nexc.formats"]
    my_dialect = "my_pkg.formats:MyDialect"
"""
from __future__ import annotations

import difflib
from typing import Any

from nexc._lazy import load_ref
from nexc.formats.base import Format

#: id → "module:Class" (modules import on first use)
BUILTIN: dict[str, str] = {
    "openai": "openai:OpenAI",
    "nexau_xml": "nexau_xml:NexauXml",
    "qwen3_coder": "qwen3_coder:Qwen3Coder",
    "glm45:glm46": "glm45:Glm45",
    "glm45:glm47": "glm45:Glm47",
    "minimax_m2": "minimax_m2:MiniMaxM2",
    "deepseek_v31": "deepseek_v31:DeepSeekV31",
    "openrouter_xml": "openrouter_xml:OpenRouterXml",
    "hermes:qwen2.5": "hermes:HermesQwen25",
    "hermes:qwen3": "hermes:HermesQwen3",
    "hermes:hermes3": "hermes:HermesHermes3",
    "kimi_k2:original": "kimi_k2:KimiK2",
    "kimi_k2:0905": "kimi_k2:KimiK2Instruct0905",
    "kimi_k2:thinking": "kimi_k2:KimiK2Thinking",
    "llama3_json:3.1": "llama3_json:Llama31",
    "llama3_json:3.2": "llama3_json:Llama32",
    "mistral:v3": "mistral:MistralV3",
    "mistral:v11": "mistral:MistralV11",
    "pythonic": "pythonic:Pythonic",
    "gpt_oss": "harmony:GptOss",
}
#: the variant a bare name stands for
DEFAULT_VARIANT: dict[str, str] = {
    "glm45": "glm46", "hermes": "qwen2.5", "kimi_k2": "original", "llama3_json": "3.1", "mistral": "v3",
}
#: other spellings people use
ALIASES: dict[str, str] = {
    "glm45:glm45": "glm45:glm46", "glm4.7": "glm45:glm47", "glm47": "glm45:glm47",
    "hermes:qwen25": "hermes:qwen2.5", "hermes:hermes-3": "hermes:hermes3", "qwen2.5": "hermes:qwen2.5",
    "qwen3": "hermes:qwen3", "kimi_k2:instruct": "kimi_k2:0905", "llama3_json:31": "llama3_json:3.1",
    "llama3_json:32": "llama3_json:3.2", "mistral:nemo": "mistral:v3", "mistral:small3.2": "mistral:v11",
    "harmony": "gpt_oss",
}

_plugins: dict[str, Any] | None = None
_instances: dict[str, Format] = {}
_registered: dict[str, Format] = {}


def _load_plugins() -> dict[str, Any]:
    global _plugins
    if _plugins is None:
        from importlib.metadata import entry_points

        _plugins = {ep.name: ep for ep in entry_points(group="nexc.formats")}
    return _plugins


def _normalise(name: str) -> str:
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if ":" not in key and key in DEFAULT_VARIANT:
        key = f"{key}:{DEFAULT_VARIANT[key]}"
    return key


def _instantiate(obj: Any) -> Format:
    fmt = obj() if isinstance(obj, type) else obj
    if not isinstance(fmt, Format):
        raise TypeError(f"{obj!r} is not a nexc Format")
    return fmt


def get_format(name: str) -> Format:
    """The format ``name`` (``"qwen3_coder"``, ``"hermes:qwen2.5"``, a plugin id …)."""
    if isinstance(name, Format):
        return name
    key = _normalise(name)
    if key in _registered:
        return _registered[key]
    if key in _instances:
        return _instances[key]
    if key in BUILTIN:
        fmt = _instantiate(load_ref(f"nexc.formats.dialects.{BUILTIN[key]}"))
    else:
        plugins = _load_plugins()
        ep = plugins.get(key) or plugins.get(name)
        if ep is None:
            known = list_formats()
            close = difflib.get_close_matches(key, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(known)}"
            raise KeyError(f"unknown tool-call format {name!r}{hint}")
        fmt = _instantiate(ep.load())
    _instances[key] = fmt
    return fmt


def list_formats(*, include_plugins: bool = True) -> list[str]:
    """Every format id, variants included (``name:variant``), sorted."""
    ids = set(BUILTIN) | set(_registered)
    if include_plugins:
        ids |= set(_load_plugins())
    return sorted(ids)


def register(format_id: str, fmt: Any) -> None:
    """Register a format (class or instance) under ``format_id`` at run time (tests, notebooks)."""
    _registered[_normalise(format_id)] = _instantiate(fmt)
