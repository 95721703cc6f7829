"""Fixtures for the training tests: a tiny byte-level BPE tokenizer, a tiny random Qwen2 model and a
toy dataset, all built here (no downloads). Each test module skips itself when the train extra
(torch, transformers, accelerate) is missing."""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):
        return True


MISSING = [m for m in ("torch", "transformers", "accelerate", "tokenizers") if _missing(m)]
SKIP_REASON = f"nexc train tests need the train extra (pip install 'nexc[train]'); missing: {', '.join(MISSING)}"

if not MISSING:
    import torch

    torch.set_num_threads(1)  # more threads make this 2-core machine many times slower


def needs_train_extra() -> None:
    """Skip the calling test module when the train extra is not installed."""
    if MISSING:
        pytest.skip(SKIP_REASON, allow_module_level=True)


@pytest.fixture(scope="session")
def toy(tmp_path_factory):
    """Paths of a toy dataset (qwen3_coder, 16 conversations), a tokenizer without chat template and a
    tiny model (``model`` holds both)."""
    from nexc.testing import toy_train as build

    root = tmp_path_factory.mktemp("toy")
    data = build.build_dataset(root / "data", "qwen3_coder", build.conversations(16))
    build.build_tokenizer(root / "model", build.corpus(data))
    build.build_model(root / "model", 1024)
    return {"root": root, "data": data, "model": root / "model"}


@pytest.fixture
def model_copy(toy, tmp_path):
    """A writable copy of the toy model folder (to change its tokenizer)."""
    dst = tmp_path / "model"
    shutil.copytree(toy["model"], dst)
    return dst


def with_chat_template(model_dir: Path, template: str | None) -> Path:
    """Set (or remove) the chat template of the tokenizer saved in ``model_dir``."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    tok.chat_template = template
    for name in ("chat_template.jinja", "chat_template.json"):
        (model_dir / name).unlink(missing_ok=True)
    tok.save_pretrained(str(model_dir))
    return model_dir
