"""The emitted chat templates with a real ``transformers`` tokenizer: for every format,
``apply_chat_template`` renders a sample's ``text`` exactly, and its assistant-token mask selects
exactly the tokens of the sample's ``assistant_spans``.

The tokenizer is a small byte-level BPE trained here on the rendered texts, with the formats'
markup as special tokens, and splitting at whitespace and punctuation (so token boundaries can
fall where the spans begin and end).
"""
from __future__ import annotations

import json
import random

import pytest

pytest.importorskip("tokenizers")
pytest.importorskip("transformers")

from nexc.dataset import build_dataset, decode_sample  # noqa: E402
from nexc.dataset import manifest as mf  # noqa: E402
from nexc.formats import get_format, list_formats  # noqa: E402
from nexc.testing.conversations import conversation  # noqa: E402

from .toytok import MARKUP, masked_runs, tokenizer as _tokenizer  # noqa: E402

FORMATS = list_formats(include_plugins=False)


def _records(fid: str, n: int = 14) -> list[dict]:
    fmt = get_format(fid)
    out = []
    for seed in range(n):
        rng = random.Random(f"tok:{fid}:{seed}")
        messages, tools = conversation(rng, max_calls=1 if fmt.single_call else 3, reasoning=fmt.thinking)
        if not messages or messages[-1]["role"] != "assistant":
            continue
        for t in tools or ():
            t["function"]["parameters"].pop("required", None)
        out.append({"messages": messages, "tools": tools, "trace_id": f"t{seed}", "span_id": f"s{seed}"})
    return out


@pytest.mark.parametrize("fid", FORMATS)
def test_emitted_template_renders_and_masks_like_the_dataset(fid, tmp_path):
    src = tmp_path / "runs.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records(fid)), encoding="utf-8")
    report = build_dataset([src], [fid], tmp_path / "data")
    manifest = mf.read(tmp_path / "data" / "dataset.yaml")
    entry = manifest["formats"][0]
    samples = [json.loads(line) for line in (tmp_path / "data" / entry["data"]).read_text(encoding="utf-8").splitlines()]
    assert len(samples) >= 4, dict(report.formats[entry["id"]].dropped)
    template = (tmp_path / "data" / entry["chat_template"]).read_text(encoding="utf-8")
    kwargs = entry["template_kwargs"]
    specials = sorted({m for s in samples for m in MARKUP.findall(s["text"])} | {str(v) for k, v in kwargs.items()
                                                                                  if k.endswith("_token")})
    tokenizer = _tokenizer([s["text"] for s in samples], specials, template)

    for s in samples:
        messages, tools = decode_sample(s)
        text = tokenizer.apply_chat_template(messages, tools=tools, tokenize=False, **kwargs)
        assert text == s["text"]
        enc = tokenizer.apply_chat_template(messages, tools=tools, tokenize=True, return_dict=True,
                                            return_assistant_tokens_mask=True, **kwargs)
        ids, mask = enc["input_ids"], enc["assistant_masks"]
        offsets = tokenizer(s["text"], add_special_tokens=False, return_offsets_mapping=True)
        assert offsets["input_ids"] == ids
        # the masked tokens, run by run, are exactly the spans' characters
        runs = masked_runs(mask, offsets["offset_mapping"])
        merged = []
        for a, b in s["assistant_spans"]:  # spans that touch are one run of tokens
            if merged and merged[-1][1] == a:
                merged[-1][1] = b
            else:
                merged.append([a, b])
        assert runs == merged
        decoded = [tokenizer.decode([t for t, bit, (x, y) in zip(ids, mask, offsets["offset_mapping"])
                                     if bit and a <= x and y <= b]) for a, b in merged]
        assert decoded == [s["text"][a:b] for a, b in merged]
