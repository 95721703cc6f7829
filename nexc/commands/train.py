"""``nexc train`` (and ``accelerate launch -m nexc.train``): the click command.

Importing this module does not import torch; the command imports the training backend when it runs.
Problems the user can fix are printed as one message (plus a hint) with exit code 2, never a traceback.
"""
from __future__ import annotations

import os
import sys

import click


def _rank0() -> bool:
    return os.environ.get("RANK", "0") in ("", "0")


def _fail(message: str, every_rank: bool = False) -> None:
    if every_rank or _rank0():
        prefix = f"[rank {os.environ['RANK']}] " if every_rank and os.environ.get("WORLD_SIZE", "1") != "1" else ""
        click.echo(f"nexc train: error: {prefix}{message}", err=True)
    sys.exit(2)


def _check_folder(path: str, what: str, flag: str) -> None:
    """Fail (exit 2) unless ``path``, given with ``flag``, is an existing local folder."""
    p = os.path.expanduser(path)
    if not os.path.exists(p):
        _fail(f"{what} '{path}' does not exist: {flag} takes a local folder (nexc train never downloads models)\n"
              "  hint: download it first, e.g. huggingface-cli download ORG/NAME --local-dir DIR, and pass "
              f"{flag} DIR")
    if not os.path.isdir(p):
        _fail(f"{what} '{path}' is not a folder: {flag} takes the folder holding config.json and the weights")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("dataset_dir", type=click.Path())
@click.option("--model", "model_dir", required=True, type=click.Path(), help="Local folder of the model to fine-tune.")
@click.option("--output", "-o", "output_dir", required=True, type=click.Path(),
              help="Where checkpoints, metrics.jsonl and the trained model go.")
@click.option("--tokenizer", "tokenizer_dir", type=click.Path(), help="Tokenizer folder (default: the model's).")
@click.option("--format", "fmt", help="Which of the dataset's formats to train on (default: the only one, or "
                                      "the one the model's chat template speaks).")
@click.option("--max-steps", type=int, help="Optimizer steps to train (wins over --epochs).")
@click.option("--epochs", type=float, default=1.0, show_default=True, help="Passes over the data.")
@click.option("--lr", type=float, default=2e-5, show_default=True, help="Peak learning rate.")
@click.option("--weight-decay", type=float, default=0.0, show_default=True, help="AdamW weight decay.")
@click.option("--batch-size", type=int, default=4, show_default=True,
              help="Samples (or packed rows) per process per micro-batch.")
@click.option("--grad-accum", type=int, default=1, show_default=True, help="Micro-batches per optimizer step.")
@click.option("--max-length", type=int, default=4096, show_default=True, help="Longest sample in tokens.")
@click.option("--truncate/--drop-long", "truncate", default=True,
              help="Truncate samples longer than --max-length (default) or drop them.")
@click.option("--packing/--no-packing", default=False, show_default=True,
              help="Lay several samples into one row (block-diagonal attention) instead of padding.")
@click.option("--warmup", type=float, default=0.03, show_default=True,
              help="Warm-up: a fraction of the steps (< 1) or a number of steps.")
@click.option("--max-grad-norm", type=float, default=1.0, show_default=True, help="Gradient clipping (0: off).")
@click.option("--bf16", is_flag=True, help="bfloat16 mixed precision.")
@click.option("--fp16", is_flag=True, help="float16 mixed precision (with loss scaling).")
@click.option("--cpu", is_flag=True, help="Train on the CPU even when a GPU is present.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed for the data order and initialisation.")
@click.option("--save-every", type=int, default=0, show_default=True,
              help="Save a checkpoint every N steps to OUTPUT/checkpoints/step-N (0: never).")
@click.option("--resume", type=click.Path(), help="Continue from a checkpoint folder (or 'latest').")
@click.option("--log-every", type=int, default=1, show_default=True, help="Log every N steps.")
@click.option("--allow-format-mismatch", is_flag=True,
              help="Train even when the model's chat template speaks another tool-call format.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines (metrics.jsonl is still written).")
@click.option("--rank-checksums", is_flag=True, hidden=True, help="Write a hash of the final weights per rank.")
def train(dataset_dir, model_dir, output_dir, tokenizer_dir, fmt, max_steps, epochs, lr, weight_decay, batch_size,
          grad_accum, max_length, truncate, packing, warmup, max_grad_norm, bf16, fp16, cpu, seed, save_every,
          resume, log_every, allow_format_mismatch, quiet, rank_checksums):
    """Fine-tune the model in MODEL_DIR on the nexc dataset in DATASET_DIR (supervised, assistant-only loss).

    \b
    One process (GPU if present, else CPU):
      nexc train data/ --model models/qwen3-0.6b --output runs/sft --bf16 --max-steps 1000
    Several GPUs (DDP or FSDP):
      accelerate launch --config_file nexc/train/configs/ddp.yaml -m nexc.train data/ --model … --output …
    """
    _check_folder(model_dir, "model folder", "--model")
    if tokenizer_dir:
        _check_folder(tokenizer_dir, "tokenizer folder", "--tokenizer")
    import importlib.util

    missing = [m for m in ("torch", "transformers", "accelerate") if importlib.util.find_spec(m) is None]
    if missing:
        _fail(f"nexc train needs {', '.join(missing)}: install the train extra (pip install 'nexc[train]')")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    from nexc.train import TrainConfig, TrainError
    from nexc.train import train as run

    cfg = TrainConfig(
        dataset_dir=dataset_dir, model_dir=model_dir, output_dir=output_dir, tokenizer_dir=tokenizer_dir,
        format=fmt, max_steps=max_steps, epochs=epochs, lr=lr, weight_decay=weight_decay, batch_size=batch_size,
        grad_accum=grad_accum, max_length=max_length, long_samples="truncate" if truncate else "drop",
        packing=packing, warmup=warmup, max_grad_norm=max_grad_norm, bf16=bf16, fp16=fp16, cpu=cpu, seed=seed,
        save_every=save_every, resume=resume, log_every=log_every, allow_format_mismatch=allow_format_mismatch,
        rank_checksums=rank_checksums, progress=not quiet)
    try:
        summary = run(cfg)
    except TrainError as exc:
        _fail(str(exc), exc.every_rank)
    except KeyboardInterrupt:
        _fail("interrupted (resume with --resume latest when --save-every was set)")
    if _rank0() and not quiet:
        click.echo(f"nexc train: done: {summary['steps']} steps, final loss {summary['final_loss']:.4f}; "
                   f"model saved to {summary['output_dir']}", err=True)
