"""The registry: ids, variants, aliases, plugins, and what every format object provides."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from nexc.formats import Format, ParseResult, get_format, list_formats, register
from nexc.formats import registry

EXPECTED = {
    "openai", "nexau_xml", "qwen3_coder", "glm45:glm46", "glm45:glm47", "minimax_m2", "deepseek_v31",
    "openrouter_xml", "hermes:qwen2.5", "hermes:qwen3", "hermes:hermes3", "kimi_k2:original", "kimi_k2:0905",
    "kimi_k2:thinking", "llama3_json:3.1", "llama3_json:3.2", "mistral:v3", "mistral:v11", "pythonic",
    "gpt_oss",
}


def test_all_formats_listed():
    assert EXPECTED <= set(list_formats(include_plugins=False))


@pytest.mark.parametrize("name,expected", [
    ("hermes", "hermes:qwen2.5"), ("Hermes:Qwen2.5", "hermes:qwen2.5"), ("glm45", "glm45:glm46"),
    ("glm4.7", "glm45:glm47"), ("kimi_k2", "kimi_k2:original"), ("mistral", "mistral:v3"),
    ("mistral:nemo", "mistral:v3"), ("llama3-json:3.2", "llama3_json:3.2"), ("qwen3", "hermes:qwen3"),
    ("harmony", "gpt_oss"), ("gpt-oss", "gpt_oss"),
])
def test_names_variants_and_aliases(name, expected):
    assert get_format(name).id == expected


def test_unknown_format_suggests():
    with pytest.raises(KeyError, match="did you mean qwen3_coder"):
        get_format("qwen3-codr")


@pytest.mark.parametrize("fid", sorted(EXPECTED))
def test_format_object_api(fid):
    fmt = get_format(fid)
    assert isinstance(fmt, Format) and fmt.id == fid
    assert fmt.stop_sequences and all(isinstance(s, str) for s in fmt.stop_sequences)
    assert "{%- generation -%}" in fmt.chat_template
    tools = [{"type": "function", "function": {"name": "lookup_thing", "description": "Find.",
                                                "parameters": {"type": "object", "properties": {}}}}]
    assert "lookup_thing" in fmt.render_tools(tools)
    prompt = fmt.system_prompt_with_tools("You are helpful.", tools)
    assert prompt.startswith("You are helpful.") and "lookup_thing" in prompt
    assert fmt.system_prompt_with_tools("Hi", []) == "Hi"
    assert isinstance(fmt.parse_assistant("plain answer", tools), ParseResult)
    assert fmt.parse_assistant("plain answer", tools).content == "plain answer"
    results = [{"role": "tool", "tool_call_id": "abcDEF123", "name": "lookup_thing", "content": "R1"},
               {"role": "tool", "tool_call_id": "Zz9Yy8Xx7", "name": "lookup_thing", "content": "R2"}]
    rendered = fmt.render_results(results)
    assert "R1" in rendered and "R2" in rendered


def test_register_and_entry_point_plugins(monkeypatch):
    class Custom(Format):
        name = "custom_dialect"
        stop_sequences = ("<end>",)

        def _parse(self, text, tools):
            return ParseResult(text, [], [])

    register("custom_dialect", Custom)
    assert get_format("custom_dialect").id == "custom_dialect"
    assert "custom_dialect" in list_formats()

    class FromPlugin(Custom):
        name = "from_plugin"

    fake = SimpleNamespace(name="from_plugin", load=lambda: FromPlugin)
    monkeypatch.setattr(registry, "_plugins", None)
    import importlib.metadata as md

    monkeypatch.setattr(md, "entry_points", lambda group: [fake] if group == "nexc.formats" else [])
    assert get_format("from_plugin").name == "from_plugin"
    assert "from_plugin" in list_formats()
    monkeypatch.setattr(registry, "_plugins", None)


def test_plugins_load_lazily(monkeypatch):
    monkeypatch.setattr(registry, "_plugins", None)
    get_format("qwen3_coder")
    assert registry._plugins is None
