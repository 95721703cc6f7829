"""The training chat templates (``templates/chat``) render exactly what ``render_conversation``
renders, and their ``{% generation %}`` spans cover the assistant turns."""
from __future__ import annotations

import copy
import json
import random

import pytest

from nexc.formats import RenderError, get_format, list_formats
from nexc.testing.conversations import conversation

from .reference import VECTORS, render_source

FORMATS = list_formats(include_plugins=False)
N = 200


def _render_with_spans(source, messages, tools, **kw):
    """The template's rendering and its generation spans (transformers when installed)."""
    try:
        from transformers.utils.chat_template_utils import render_jinja_template
    except Exception:  # noqa: BLE001 - plain jinja2 fallback: no spans
        return render_source(source, messages, tools, mutable=True, **kw), None
    rendered, spans = render_jinja_template(conversations=[messages], tools=tools, chat_template=source,
                                            return_assistant_tokens_mask=True, **kw)
    return rendered[0], spans[0]


@pytest.mark.parametrize("fid", FORMATS)
def test_chat_template_has_generation_markers(fid):
    template = get_format(fid).chat_template
    assert "{%- generation -%}" in template and "{%- endgeneration -%}" in template


@pytest.mark.parametrize("fid", FORMATS)
def test_chat_template_renders_like_render_conversation(fid):
    fmt = get_format(fid)
    source = fmt.chat_template
    compared = 0
    for seed in range(N):
        rng = random.Random(f"tpl:{fid}:{seed}")
        messages, tools = conversation(rng, max_calls=1 if fmt.single_call else 3, reasoning=fmt.thinking,
                                       with_tools=rng.random() < 0.9)
        agp = rng.random() < 0.5
        kw = dict(bos_token="<BOS>", eos_token="<EOS>", add_generation_prompt=agp)
        try:
            expected = fmt.render_conversation(messages, tools, **kw)
        except RenderError:
            with pytest.raises(Exception):
                render_source(source, copy.deepcopy(messages), copy.deepcopy(tools), **kw)
            continue
        got, spans = _render_with_spans(source, copy.deepcopy(messages), copy.deepcopy(tools), **kw)
        assert got == expected, f"seed {seed}"
        compared += 1
        if spans is None:
            continue
        assistants = [m for m in messages if m["role"] == "assistant"]
        if fid.startswith("llama3_json") and messages and tools is not None:
            first = 1 if messages[0]["role"] == "system" else 0
            assistants = [m for m in messages[first + 1:] if m["role"] == "assistant"]
        assert len(spans) == len(assistants), f"seed {seed}: {len(spans)} generation spans"
        generated = "".join(got[a:b] for a, b in spans)
        for m in assistants:
            if not m.get("tool_calls") and m["content"].strip():
                assert m["content"].strip() in generated
    assert compared >= N * 0.8


@pytest.mark.parametrize("fid", FORMATS)
def test_chat_template_on_canonical_conversation(fid):
    path = VECTORS / "conversation.json"
    if not path.is_file():
        pytest.skip(f"shared test vectors not found at {VECTORS}")
    fmt = get_format(fid)
    data = json.loads(path.read_text(encoding="utf-8"))
    messages = data["messages_single_call"] if fmt.single_call else data["messages"]
    kw = dict(data["render_options"])
    got, _ = _render_with_spans(fmt.chat_template, copy.deepcopy(messages), data["tools"], **kw)
    assert got == fmt.render_conversation(messages, data["tools"], **kw)
