"""Tiny tokenizers, models and datasets built on the spot, for tests, benchmarks and smoke runs
(no downloads). Needs the train extra.

    >>> from nexc.testing import toy_train as toy
    >>> data = toy.build_dataset("data/", "qwen3_coder", toy.conversations(16))
    >>> tok = toy.build_tokenizer("model/", toy.corpus(data))
    >>> toy.build_model("model/", len(tok))
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from nexc.version import DATASET_SCHEMA_VERSION

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Current weather of a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name."}},
                   "required": ["city"]}}}]

_CITIES = ["Paris", "Oslo", "Lima", "Cairo", "Quito", "Seoul", "Perth", "Tunis"]
_SKY = ["sunny", "rainy", "cloudy", "windy"]


def conversations(n: int, *, tool_calls: bool = True) -> list[dict]:
    """``n`` short, repetitive conversations (so a tiny model learns them in a few dozen steps)."""
    out = []
    for i in range(n):
        city, sky = _CITIES[i % len(_CITIES)], _SKY[i % len(_SKY)]
        msgs = [{"role": "system", "content": "You are a weather bot."},
                {"role": "user", "content": f"Weather in {city}?"}]
        if tool_calls:
            msgs += [{"role": "assistant", "content": "", "tool_calls": [
                         {"id": f"call{i:05d}", "type": "function",
                          "function": {"name": "get_weather", "arguments": json.dumps({"city": city})}}]},
                     {"role": "tool", "tool_call_id": f"call{i:05d}", "content": sky}]
        msgs.append({"role": "assistant", "content": f"It is {sky} in {city}."})
        out.append({"messages": msgs, "tools": TOOLS if tool_calls else []})
    return out


def render_sample(format_id: str, messages: list[dict], tools: list[dict]) -> dict:
    """One dataset record: the rendered text and its assistant spans (from the format's chat
    template's ``{% generation %}`` blocks; the text is checked against the format's renderer)."""
    from transformers.utils.chat_template_utils import render_jinja_template

    from nexc.formats import get_format
    from nexc.formats.messages import canonical_messages

    fmt = get_format(format_id)
    text = fmt.render_conversation(messages, tools or None)
    rendered, spans = render_jinja_template(conversations=[canonical_messages(messages)], tools=tools or None,
                                            chat_template=fmt.chat_template, return_assistant_tokens_mask=True)
    if rendered[0] != text:
        raise AssertionError(f"{format_id}: the chat template and the renderer disagree")
    return {"messages": messages, "tools": tools, "text": text, "assistant_spans": [list(s) for s in spans[0]]}


def build_dataset(path: str | Path, format_id: str, convs: Iterable[dict]) -> Path:
    """A dataset folder in the layout ``nexc dataset build`` writes, for one format (the samples
    are rendered here directly, without trajectories)."""
    import yaml

    from nexc.formats import get_format

    root = Path(path)
    fdir = root / format_id.replace(":", "-")
    fdir.mkdir(parents=True, exist_ok=True)
    count = 0
    with (fdir / "data.jsonl").open("w", encoding="utf-8") as fh:
        for conv in convs:
            fh.write(json.dumps(render_sample(format_id, conv["messages"], conv.get("tools") or []),
                                ensure_ascii=False) + "\n")
            count += 1
    (fdir / "chat_template.jinja").write_text(get_format(format_id).chat_template, encoding="utf-8")
    info = {"id": get_format(format_id).id, "path": fdir.name, "chat_template": f"{fdir.name}/chat_template.jinja",
            "template_kwargs": {}, "data": f"{fdir.name}/data.jsonl", "samples": count}
    manifest = {"schema_version": DATASET_SCHEMA_VERSION, "kind": "data", "granularity": "call", "formats": [info]}
    (root / "dataset.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return root


def corpus(dataset_dir: str | Path) -> list[str]:
    """Every rendered text of a dataset folder (to train a toy tokenizer on)."""
    texts = []
    for path in sorted(Path(dataset_dir).glob("*/data.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    return texts


def build_tokenizer(path: str | Path, texts: list[str], *, vocab_size: int = 1024, chat_template: str | None = None):
    """A byte-level BPE tokenizer trained on ``texts``, saved as a fast tokenizer in ``path``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    core.train_from_iterator(texts, trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                  additional_special_tokens=SPECIAL[1:])
    if chat_template:
        tok.chat_template = chat_template
    Path(path).mkdir(parents=True, exist_ok=True)
    tok.save_pretrained(str(path))
    return tok


def build_model(path: str | Path, vocab_size: int, *, hidden: int = 64, layers: int = 2, seed: int = 0):
    """A tiny randomly initialised Qwen2 causal LM, saved in ``path``."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    torch.manual_seed(seed)
    config = Qwen2Config(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=hidden * 2,
                         num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=2048, tie_word_embeddings=False, pad_token_id=0,
                         eos_token_id=2, bos_token_id=None)
    model = Qwen2ForCausalLM(config)
    Path(path).mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(path))
    return model
