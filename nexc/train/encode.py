"""Tokenising samples and building labels from assistant spans (no torch).

Rule: a token whose character range ``[s, e)`` overlaps an assistant span ``[a, b)`` (``s < b`` and
``e > a``; a zero-width token counts when ``a <= s < b``) keeps its id as label; every other token
gets ``-100`` (ignored by the loss). The text is tokenised as a whole, without adding special
tokens: the chat template already wrote them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from nexc.train.samples import Sample
from nexc.train.errors import TrainError

IGNORE = -100


@dataclass
class Encoded:
    """Token ids and labels of every kept sample, and what happened to the others."""

    rows: list[tuple[list[int], list[int]]] = field(default_factory=list)
    total: int = 0
    too_long: int = 0
    truncated: int = 0
    dropped_long: int = 0
    dropped_no_labels: int = 0
    longest: int = 0

    @property
    def tokens(self) -> int:
        """All kept tokens."""
        return sum(len(ids) for ids, _ in self.rows)

    @property
    def label_tokens(self) -> int:
        """Kept tokens that carry the loss."""
        return sum(sum(1 for x in lab if x != IGNORE) for _, lab in self.rows)

    def report(self, max_length: int) -> list[str]:
        """Lines for the user about samples that were changed or left out."""
        lines = []
        if self.truncated:
            lines.append(f"{self.truncated} of {self.total} samples were longer than --max-length {max_length} "
                         f"tokens (longest {self.longest}) and were truncated")
        if self.dropped_long:
            lines.append(f"{self.dropped_long} of {self.total} samples were longer than --max-length {max_length} "
                         f"tokens (longest {self.longest}) and were dropped")
        if self.dropped_no_labels:
            lines.append(f"{self.dropped_no_labels} samples had no assistant tokens (after truncation) "
                         f"and were left out")
        return lines


def label_tokens(ids: Sequence[int], offsets: Sequence[tuple[int, int]],
                 spans: Sequence[tuple[int, int]]) -> list[int]:
    """Labels for one tokenised text: ids of tokens overlapping ``spans`` (sorted, disjoint
    ``[start, end)`` character ranges), ``-100`` elsewhere."""
    labels = [IGNORE] * len(ids)
    j = 0
    n = len(spans)
    for i, (s, e) in enumerate(offsets):
        while j < n and spans[j][1] <= s:
            j += 1
        if j == n:
            break
        a, b = spans[j]
        hit = (s < b and e > a) if e > s else (a <= s < b)
        if hit:
            labels[i] = ids[i]
    return labels


def check_tokenizer(tokenizer) -> None:
    """Offsets need a fast (Rust) tokenizer."""
    if not getattr(tokenizer, "is_fast", False):
        raise TrainError(f"the tokenizer ({type(tokenizer).__name__}) is not a fast tokenizer; nexc train needs "
                         "character offsets, which only fast tokenizers give",
                         "save a tokenizer.json with the model (e.g. AutoTokenizer.from_pretrained(path)"
                         ".save_pretrained(path) with the tokenizers package installed)")


def encode_samples(tokenizer, samples: Iterable[Sample], max_length: int, long_samples: str = "truncate",
                   batch: int = 256) -> Encoded:
    """Tokenise every sample with offsets, label it, and apply the length policy
    (``truncate``: keep the first ``max_length`` tokens; ``drop``: leave the sample out)."""
    check_tokenizer(tokenizer)
    out = Encoded()
    chunk: list[Sample] = []

    def flush() -> None:
        enc = tokenizer([s.text for s in chunk], add_special_tokens=False, return_offsets_mapping=True,
                        return_attention_mask=False, truncation=False, verbose=False)
        for sample, ids, offsets in zip(chunk, enc["input_ids"], enc["offset_mapping"]):
            out.total += 1
            labels = label_tokens(ids, offsets, sample.spans)
            if len(ids) > max_length:
                out.too_long += 1
                out.longest = max(out.longest, len(ids))
                if long_samples == "drop":
                    out.dropped_long += 1
                    continue
                out.truncated += 1
                ids, labels = ids[:max_length], labels[:max_length]
            if all(x == IGNORE for x in labels[1:]):  # the first token is never predicted
                out.dropped_no_labels += 1
                continue
            out.rows.append((list(ids), labels))
        chunk.clear()

    for sample in samples:
        chunk.append(sample)
        if len(chunk) >= batch:
            flush()
    if chunk:
        flush()
    return out
