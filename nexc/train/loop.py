"""The training loop: a plain :class:`accelerate.Accelerator` loop (imports torch).

Per optimizer step one *window* of ``grad_accum`` micro-batches is read; the loss of the window is
the sum of token losses over all its label tokens on all processes, divided by their number (so
padding, sample lengths, accumulation and the number of processes do not change the objective).
Gradients are clipped, AdamW steps, a cosine schedule with linear warm-up sets the learning rate.
"""
from __future__ import annotations

import contextlib
import json
import math
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from nexc.train import checkpoint
from nexc.train.batches import Collator, count_tokens, epoch_order, pack
from nexc.train.config import TrainConfig
from nexc.train.encode import IGNORE
from nexc.train.errors import TrainError
from nexc.train.prepare import prepare_data
from nexc.train.progress import Progress


def _accelerator(cfg: TrainConfig):
    """The Accelerator. Accumulation is done here (no_sync over a window), except under DeepSpeed,
    whose engine counts micro-steps itself and so is told ``grad_accum``."""
    import os

    from accelerate import Accelerator
    from accelerate.utils import DistributedType

    mp = "bf16" if cfg.bf16 else "fp16" if cfg.fp16 else None  # None: the launcher's setting
    ds = os.environ.get("ACCELERATE_USE_DEEPSPEED", "").lower() in ("1", "true", "yes")
    acc = Accelerator(mixed_precision=mp, cpu=cfg.cpu, gradient_accumulation_steps=cfg.grad_accum if ds else 1)
    return acc, acc.distributed_type == DistributedType.DEEPSPEED


def _epoch_loader(acc, rows, cfg: TrainConfig, collator, epoch: int):
    from torch.utils.data import DataLoader

    ordered = [rows[i] for i in epoch_order(len(rows), cfg.seed, epoch)]
    items = pack(ordered, cfg.max_length) if cfg.packing else ordered
    return acc.prepare_data_loader(DataLoader(items, batch_size=cfg.batch_size, shuffle=False,
                                              collate_fn=collator))


def _windows(loader, size: int, full_only: bool):
    window = []
    for batch in loader:
        window.append(batch)
        if len(window) == size:
            yield window
            window = []
    if window and not full_only:
        yield window


def _micro_loss(model, batch) -> torch.Tensor:
    """Summed cross-entropy over the label tokens of one micro-batch."""
    inputs = {k: v for k, v in batch.items() if k not in ("labels", "n_tokens")}
    logits = model(**inputs, use_cache=False).logits
    labels = batch["labels"][:, 1:]
    return F.cross_entropy(logits[:, :-1].float().reshape(-1, logits.size(-1)), labels.reshape(-1),
                           ignore_index=IGNORE, reduction="sum")


def run_training(cfg: TrainConfig) -> dict[str, Any]:
    """Train as ``cfg`` says; returns a summary. See :func:`nexc.train.train`.

    In a single process the accelerate singletons are reset afterwards, so a program (or a test)
    may train several times with different settings."""
    cfg.validate()
    try:
        return _run(cfg)
    finally:
        import os

        if os.environ.get("WORLD_SIZE", "1") in ("", "1"):
            from accelerate.state import AcceleratorState, GradientState

            AcceleratorState._reset_state(reset_partial_state=True)
            GradientState._reset_state()


def _run(cfg: TrainConfig) -> dict[str, Any]:
    from accelerate.utils import set_seed
    from transformers import get_cosine_schedule_with_warmup
    from transformers.utils import logging as hf_logging

    from nexc.train.loading import load_model

    hf_logging.disable_progress_bar()
    out = Path(cfg.output_dir)
    acc, deepspeed = _accelerator(cfg)
    main = acc.is_main_process
    if not main:
        hf_logging.set_verbosity_error()
    progress = Progress(out, active=main, show=cfg.progress)
    data = prepare_data(cfg, progress.note)
    rows, tok = data.encoded.rows, data.tokenizer
    set_seed(cfg.seed)
    model = load_model(cfg.model_dir)
    if len(tok) > model.get_input_embeddings().num_embeddings:
        raise TrainError(f"the tokenizer has {len(tok)} tokens but the model's embedding has only "
                         f"{model.get_input_embeddings().num_embeddings} rows",
                         "use the tokenizer that belongs to the model (--tokenizer)")
    model.config.use_cache = False
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    model, optimizer = acc.prepare(model, optimizer)
    collator = Collator(tok.pad_token_id, cfg.packing)
    first = _epoch_loader(acc, rows, cfg, collator, 0)
    per_epoch = len(first) // cfg.grad_accum if deepspeed else math.ceil(len(first) / cfg.grad_accum)
    if per_epoch == 0:
        raise TrainError(f"one epoch has {len(first)} micro-batches per process, fewer than --grad-accum "
                         f"{cfg.grad_accum}", "lower --grad-accum or --batch-size")
    total = cfg.max_steps or max(1, math.ceil(cfg.epochs * per_epoch))
    scheduler = get_cosine_schedule_with_warmup(optimizer.optimizer if hasattr(optimizer, "optimizer")
                                                else optimizer, cfg.warmup_steps(total), total)
    acc.register_for_checkpointing(scheduler)
    step, epoch, skip = 0, 0, 0
    if cfg.resume:
        step, epoch, skip = checkpoint.load(acc, cfg, out, len(first))
    progress.begin(total, step)
    progress.note(f"{len(rows)} samples, {data.encoded.tokens:,} tokens ({data.encoded.label_tokens:,} trained) "
                  f"in format '{data.entry.name}'; {acc.num_processes} process(es), {total} steps of "
                  f"{cfg.batch_size}×{cfg.grad_accum}×{acc.num_processes} "
                  f"{'packed rows' if cfg.packing else 'samples'}")
    stats = {"micro_batches": 0, "tokens": 0}
    model.train()
    last_loss = float("nan")
    try:
        while step < total:
            loader = first if epoch == 0 and skip == 0 else _epoch_loader(acc, rows, cfg, collator, epoch)
            done_in_epoch = skip
            if skip >= len(loader):  # the checkpoint was taken at the end of this epoch
                epoch, skip = epoch + 1, 0
                continue
            if skip:
                loader = acc.skip_first_batches(loader, skip)
                skip = 0
            for window in _windows(loader, cfg.grad_accum, full_only=deepspeed):
                counts = torch.tensor([count_tokens(b)[::-1] for b in window], device=acc.device).sum(0)
                label_total, real_total = acc.reduce(counts, "sum").tolist()
                scale = acc.num_processes * (cfg.grad_accum if deepspeed else 1) / max(label_total, 1)
                loss_sum = torch.zeros((), device=acc.device)
                for i, batch in enumerate(window):
                    last = i == len(window) - 1
                    if deepspeed:
                        acc.gradient_state._set_sync_gradients(last)
                    ctx = acc.no_sync(model) if not last and not deepspeed else contextlib.nullcontext()
                    with ctx:
                        micro = _micro_loss(model, batch)
                        acc.backward(micro * scale)
                    loss_sum += micro.detach()
                grad_norm = acc.clip_grad_norm_(model.parameters(), cfg.max_grad_norm) if cfg.max_grad_norm else None
                lr = scheduler.get_last_lr()[0]  # the rate this step used
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                done_in_epoch += len(window)
                stats["micro_batches"] += len(window)
                stats["tokens"] += sum(count_tokens(b)[0] for b in window)
                progress.add_tokens(int(real_total))
                if step % cfg.log_every == 0 or step == total:
                    last_loss = float(acc.reduce(loss_sum, "sum")) / max(label_total, 1)
                    extra = {"epoch": epoch, "grad_norm": round(float(grad_norm), 6)} if grad_norm is not None \
                        else {"epoch": epoch}
                    progress.log(step, last_loss, lr, **extra)
                if cfg.save_every and step % cfg.save_every == 0:
                    checkpoint.save(acc, cfg, out, step, epoch, done_in_epoch, total)
                if step >= total:
                    break
            epoch += 1
    except torch.OutOfMemoryError:
        raise _oom(cfg, step) from None
    except RuntimeError as exc:
        if "out of memory" in str(exc).lower() or "can't allocate memory" in str(exc).lower():
            raise _oom(cfg, step) from None
        raise
    finally:
        progress.close()
    return _finish(acc, model, tok, cfg, out, data, step, last_loss, stats)


def _oom(cfg: TrainConfig, step: int) -> TrainError:
    half = max(cfg.batch_size // 2, 1)
    accum = cfg.grad_accum * cfg.batch_size // half
    return TrainError(
        f"out of memory at step {step + 1} (batch size {cfg.batch_size}, max length {cfg.max_length})",
        f"try --batch-size {half} --grad-accum {accum} (same effective batch), a lower --max-length, --bf16, "
        f"or shard the model with the FSDP config (nexc/train/configs/fsdp.yaml)", every_rank=True)


def _finish(acc, model, tok, cfg: TrainConfig, out: Path, data, step: int, loss: float,
            stats: dict[str, int]) -> dict[str, Any]:
    acc.wait_for_everyone()
    state = acc.get_state_dict(model)
    unwrapped = acc.unwrap_model(model)
    unwrapped.config.use_cache = True
    unwrapped.save_pretrained(out, is_main_process=acc.is_main_process, save_function=acc.save, state_dict=state)
    summary = {"steps": step, "final_loss": loss, "output_dir": str(out), "format": data.entry.name,
               "samples": len(data.encoded.rows), "tokens": data.encoded.tokens,
               "world_size": acc.num_processes, "source_hash": data.dataset.source_hash}
    ranks = out / "ranks"
    ranks.mkdir(parents=True, exist_ok=True)
    marker = {"rank": acc.process_index, "world_size": acc.num_processes, **stats, "steps": step}
    if cfg.rank_checksums:
        try:
            marker["param_checksum"] = _checksum(unwrapped)
        except Exception as exc:  # noqa: BLE001 - sharded (FSDP/ZeRO-3) parameters have no full local copy
            marker["param_checksum"] = f"unavailable: {type(exc).__name__}"
    (ranks / f"rank-{acc.process_index}.json").write_text(json.dumps(marker) + "\n", encoding="utf-8")
    if acc.is_main_process:
        tok.save_pretrained(out)
        (out / "train_summary.json").write_text(json.dumps({**summary, "config": cfg.as_json(),
                                                            "finished_at": time.time()}, indent=2) + "\n")
    acc.wait_for_everyone()
    acc.end_training()
    return summary


def _checksum(model) -> str:
    """A hash of every parameter's bytes (to compare weights across processes)."""
    import hashlib

    h = hashlib.sha256()
    for name, p in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(p.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()
