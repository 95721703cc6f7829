"""Supervised fine-tuning on compiled nexc datasets (``nexc train`` / ``accelerate launch -m nexc.train``).

The training backend needs the ``train`` extra (torch, transformers, accelerate). Importing this
package never imports torch: the heavy modules (:mod:`nexc.train.loop`, :mod:`nexc.train.batches`,
:mod:`nexc.train.loading`) are imported only when training starts.

    >>> from nexc.train import TrainConfig, train
    >>> train(TrainConfig(dataset_dir="data/", model_dir="models/tiny", output_dir="out/", max_steps=30))

See ``specs/TRAINING.md`` for the data contract, the format-compatibility rule, the error messages
and multi-GPU recipes.
"""
from __future__ import annotations

from typing import Any

from nexc.train.config import TrainConfig
from nexc.train.errors import TrainError

__all__ = ["TrainConfig", "TrainError", "train"]


def train(config: TrainConfig) -> dict[str, Any]:
    """Run one training job described by ``config``; returns a summary (steps, final loss, paths).

    Raises :class:`TrainError` for every problem the user can fix (bad dataset, missing tokenizer,
    format mismatch, out of memory …)."""
    from nexc.train.loop import run_training

    return run_training(config)
