"""Labels: tokens overlapping assistant spans keep their ids, every other token is -100; the length
policy (truncate / drop) is applied and counted."""
from __future__ import annotations

import json

import pytest

from tests.train.conftest import needs_train_extra

needs_train_extra()

from nexc.train.samples import Sample, read_samples, open_dataset  # noqa: E402
from nexc.train.encode import IGNORE, check_tokenizer, encode_samples, label_tokens  # noqa: E402
from nexc.train.errors import TrainError  # noqa: E402


def test_label_tokens_keeps_exactly_the_tokens_overlapping_spans():
    ids = [10, 11, 12, 13, 14, 15]
    offsets = [(0, 3), (3, 5), (5, 9), (9, 9), (9, 12), (12, 15)]
    spans = [(4, 6), (9, 10)]
    # (3,5) and (5,9) overlap [4,6); the zero-width token at 9 and (9,12) fall in [9,10)
    assert label_tokens(ids, offsets, spans) == [IGNORE, 11, 12, 13, 14, IGNORE]


def test_label_tokens_without_spans_is_all_ignored():
    assert label_tokens([1, 2], [(0, 1), (1, 2)], []) == [IGNORE, IGNORE]


def _load(toy):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(toy["model"]), local_files_only=True)
    info, _ = open_dataset(toy["data"])
    return tok, list(read_samples(info.formats["qwen3_coder"]))


def test_labels_cover_exactly_the_assistant_spans(toy):
    tok, samples = _load(toy)
    enc = encode_samples(tok, samples, max_length=4096)
    assert enc.total == len(samples) == len(enc.rows)
    for sample, (ids, labels) in zip(samples, enc.rows):
        offsets = tok(sample.text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        labelled = set()
        for (s, e), lab, tid in zip(offsets, labels, ids):
            assert lab in (IGNORE, tid)
            if lab != IGNORE:
                labelled.update(range(s, e))
        wanted = {i for a, b in sample.spans for i in range(a, b)}
        assert labelled == wanted  # the toy tokenizer never merges across a span boundary
        text = "".join(sample.text[a:b] for a, b in sample.spans)
        assert tok.decode([t for t in labels if t != IGNORE]) == text
        assert text.endswith("<|im_end|>") and "<tool_call>" in text


def test_truncate_and_drop_are_counted(toy):
    tok, samples = _load(toy)
    n = len(tok(samples[0].text, add_special_tokens=False)["input_ids"])
    cut = n - 5  # cuts into the final answer: truncated samples still have labels
    enc = encode_samples(tok, samples, max_length=cut, long_samples="truncate")
    assert enc.truncated == len(samples) and not enc.dropped_long
    assert all(len(ids) == cut for ids, _ in enc.rows)
    assert "truncated" in enc.report(cut)[0]
    enc = encode_samples(tok, samples, max_length=cut, long_samples="drop")
    assert enc.dropped_long == len(samples) and not enc.rows
    assert "dropped" in enc.report(cut)[0]


def test_a_sample_truncated_before_any_assistant_token_is_left_out(toy):
    tok, samples = _load(toy)
    enc = encode_samples(tok, samples[:2], max_length=20)
    assert enc.dropped_no_labels == 2 and not enc.rows


def test_slow_tokenizers_are_refused():
    class Slow:
        is_fast = False

    with pytest.raises(TrainError, match="not a fast tokenizer"):
        check_tokenizer(Slow())


def test_bad_spans_name_the_line(tmp_path):
    from nexc.train.samples import FormatEntry

    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps({"text": "abc", "assistant_spans": [[0, 2]]}) + "\n"
                    + json.dumps({"text": "abc", "assistant_spans": [[2, 9]]}) + "\n")
    with pytest.raises(TrainError, match=r"data.jsonl:2: assistant span \[2, 9\] is outside"):
        list(read_samples(FormatEntry("x", path, None)))


def test_overlapping_spans_are_merged(tmp_path):
    from nexc.train.samples import FormatEntry

    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps({"text": "abcdef", "assistant_spans": [[3, 5], [0, 2], [1, 3]]}) + "\n")
    assert [s.spans for s in read_samples(FormatEntry("x", path, None))] == [[(0, 5)]]
    assert isinstance(Sample("a", [], 1), Sample)
