"""A small byte-level BPE tokenizer trained in the test on rendered texts, with the formats' markup as
special tokens and splits at whitespace and punctuation (so token boundaries can fall where the
assistant spans begin and end) — no tokenizer is downloaded."""
from __future__ import annotations

import re

#: markup that must be single tokens (as in the real tokenizers)
MARKUP = re.compile(r"<\|[^|<>\s]+\|>|<｜[^｜]+｜>|\[/?[A-Z_]+\]|\]~b\]|\[e~\[|\]~!b\[|</?s>|<BOS>|<EOS>")


def tokenizer(texts: list[str], specials: list[str], template: str):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\s"), "isolated"),
        pre_tokenizers.Punctuation("isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, chat_template=template,
                                   additional_special_tokens=specials)


def masked_runs(mask: list[int], offsets: list[tuple[int, int]]) -> list[list[int]]:
    """The character ranges of consecutive masked tokens."""
    runs, start = [], None
    for i, (bit, (a, _)) in enumerate(zip(mask + [0], offsets + [(None, None)])):
        if bit and start is None:
            start = a
        if not bit and start is not None:
            runs.append([start, offsets[i - 1][1]])
            start = None
    return runs
