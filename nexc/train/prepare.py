"""From a dataset folder and a model folder to encoded rows: choose the format, check it against the
tokenizer's chat template, tokenise and label (no torch; transformers for the tokenizer)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from nexc.train import compat
from nexc.train.config import TrainConfig
from nexc.train.samples import DatasetInfo, FormatEntry, open_dataset, read_samples
from nexc.train.encode import Encoded, encode_samples
from nexc.train.errors import TrainError
from nexc.train.loading import load_tokenizer


@dataclass
class Prepared:
    """What training needs from the data side."""

    dataset: DatasetInfo
    entry: FormatEntry
    tokenizer: object
    encoded: Encoded
    template_note: str | None


def prepare_data(cfg: TrainConfig, note: Callable[[str], None] = lambda _m: None) -> Prepared:
    """Open the dataset, load the tokenizer, pick and check the format, and encode every sample.
    Raises :class:`TrainError` for an empty dataset, a format mismatch, a missing tokenizer …"""
    dataset, chosen = open_dataset(cfg.dataset_dir)
    tokenizer = load_tokenizer(cfg.tokenizer_dir or cfg.model_dir)
    tok_template = getattr(tokenizer, "chat_template", None)
    if isinstance(tok_template, dict):  # several named templates: the default one speaks for the model
        tok_template = tok_template.get("default") or next(iter(tok_template.values()), None)
    name = compat.choose_format(list(dataset.formats), cfg.format or chosen, tok_template)
    entry = dataset.formats[name]
    data_template = entry.chat_template()
    verdict = compat.check(name, data_template, tok_template)
    if not verdict.ok and not cfg.allow_format_mismatch:
        raise compat.mismatch_error(name, verdict, str(cfg.tokenizer_dir or cfg.model_dir))
    if not verdict.ok:
        note(f"warning: training '{name}' on a model whose template speaks {', '.join(verdict.matches)} "
             f"(--allow-format-mismatch)")
    elif verdict.note:
        note(verdict.note)
    if not tok_template and data_template:
        tokenizer.chat_template = data_template
    encoded = encode_samples(tokenizer, read_samples(entry), cfg.max_length, cfg.long_samples)
    if encoded.total == 0:
        raise TrainError(f"the dataset '{cfg.dataset_dir}' has no samples for format '{name}' "
                         f"({entry.data_path} is empty)")
    for line in encoded.report(cfg.max_length):
        note(line)
    if not encoded.rows:
        hint = "raise --max-length" if encoded.too_long else "check the dataset's assistant_spans"
        raise TrainError(f"no sample of the dataset '{cfg.dataset_dir}' is left to train on "
                         f"({encoded.total} read, none with assistant tokens within --max-length)", hint)
    return Prepared(dataset, entry, tokenizer, encoded, verdict.note)
