"""Turning encoded rows into batches: padding or packing (imports torch).

*Padding*: ``batch_size`` samples per batch, right-padded to the longest, with an attention mask.
*Packing*: whole samples are laid end to end into rows of at most ``max_length`` tokens (a sample
is never split); each row carries ``position_ids`` that restart at 0 for every sample and no
attention mask, which transformers turns into block-diagonal attention (no sample sees another).
Labels of padding are ``-100``.
"""
from __future__ import annotations

from typing import Sequence

import torch

from nexc.train.encode import IGNORE

Row = tuple[list[int], list[int]]


def epoch_order(n: int, seed: int, epoch: int) -> list[int]:
    """A permutation of ``range(n)`` that depends only on ``seed`` and ``epoch`` (same on every rank
    and after a resume)."""
    gen = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=gen).tolist()


def pack(rows: Sequence[Row], max_length: int) -> list[list[Row]]:
    """Greedy next-fit packing of rows (in the given order) into bins of ≤ ``max_length`` tokens."""
    bins: list[list[Row]] = []
    current: list[Row] = []
    used = 0
    for row in rows:
        n = len(row[0])
        if current and used + n > max_length:
            bins.append(current)
            current, used = [], 0
        current.append(row)
        used += n
    if current:
        bins.append(current)
    return bins


class Collator:
    """Collate function for a DataLoader whose items are rows (padding) or bins of rows (packing)."""

    def __init__(self, pad_id: int, packing: bool) -> None:
        self.pad_id = pad_id
        self.packing = packing

    def __call__(self, items) -> dict[str, torch.Tensor]:
        if self.packing:
            return self._packed(items)
        width = max(len(ids) for ids, _ in items)
        input_ids = torch.full((len(items), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(items), width), IGNORE, dtype=torch.long)
        mask = torch.zeros((len(items), width), dtype=torch.long)
        for i, (ids, lab) in enumerate(items):
            input_ids[i, : len(ids)] = torch.tensor(ids)
            labels[i, : len(lab)] = torch.tensor(lab)
            mask[i, : len(ids)] = 1
        real = sum(len(ids) for ids, _ in items)
        return {"input_ids": input_ids, "labels": labels, "attention_mask": mask, "n_tokens": torch.tensor(real)}

    def _packed(self, bins) -> dict[str, torch.Tensor]:
        width = max(sum(len(ids) for ids, _ in b) for b in bins)
        input_ids = torch.full((len(bins), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(bins), width), IGNORE, dtype=torch.long)
        positions = torch.zeros((len(bins), width), dtype=torch.long)
        for i, rows in enumerate(bins):
            at = 0
            for ids, lab in rows:
                n = len(ids)
                input_ids[i, at : at + n] = torch.tensor(ids)
                lab_t = torch.tensor(lab)
                lab_t[0] = IGNORE  # never predict a sample's first token from the previous sample
                labels[i, at : at + n] = lab_t
                positions[i, at : at + n] = torch.arange(n)
                at += n
            positions[i, at:] = torch.arange(width - at)  # padding: a separate block of its own
        real = sum(len(ids) for rows in bins for ids, _ in rows)
        return {"input_ids": input_ids, "labels": labels, "position_ids": positions, "n_tokens": torch.tensor(real)}


def count_tokens(batch: dict[str, torch.Tensor]) -> tuple[int, int]:
    """(input tokens that are not padding, tokens that carry the loss after the shift)."""
    return int(batch["n_tokens"]), int((batch["labels"][:, 1:] != IGNORE).sum())
