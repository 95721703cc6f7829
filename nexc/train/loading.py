"""Loading the model and tokenizer from local folders only (never the hub)."""
from __future__ import annotations

from pathlib import Path

from nexc.train.errors import TrainError

#: files any one of which makes a folder hold a tokenizer
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.json", "tokenizer.model", "spiece.model")


def _local_dir(path: str | Path, what: str) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise TrainError(f"{what} '{path}' does not exist (nexc train loads models and tokenizers from local "
                         f"folders only, never from the hub)",
                         "download it first, e.g. huggingface-cli download ORG/NAME --local-dir DIR")
    if not p.is_dir():
        raise TrainError(f"{what} '{path}' is not a folder")
    return p


def load_tokenizer(path: str | Path):
    """A fast tokenizer from a local folder, with a pad token."""
    p = _local_dir(path, "tokenizer folder")
    if not any((p / f).is_file() for f in TOKENIZER_FILES):
        raise TrainError(f"'{path}' has no tokenizer (none of {', '.join(TOKENIZER_FILES)})",
                         "save the model's tokenizer there (tokenizer.save_pretrained(DIR)) or pass --tokenizer DIR")
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(p), local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - transformers raises many kinds here
        raise TrainError(f"cannot load the tokenizer in '{path}': {type(exc).__name__}: {exc}") from None
    from nexc.train.encode import check_tokenizer

    check_tokenizer(tok)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token if tok.eos_token is not None else tok.convert_ids_to_tokens(0)
    return tok


def load_model(path: str | Path):
    """A causal LM from a local folder, in float32 (mixed precision comes from accelerate)."""
    p = _local_dir(path, "model folder")
    if not (p / "config.json").is_file():
        raise TrainError(f"'{path}' is not a transformers model folder (no config.json)")
    import torch
    from transformers import AutoModelForCausalLM

    try:
        return AutoModelForCausalLM.from_pretrained(str(p), local_files_only=True, dtype=torch.float32)
    except torch.OutOfMemoryError:
        raise TrainError(f"out of memory while loading the model from '{path}'",
                         "use a machine with more memory, or shard it with the FSDP config "
                         "(accelerate launch --config_file nexc/train/configs/fsdp.yaml -m nexc.train …)") from None
    except (OSError, ValueError, KeyError) as exc:
        raise TrainError(f"cannot load the model in '{path}': {type(exc).__name__}: {exc}") from None
