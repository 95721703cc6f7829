"""Benchmark of ``nexc train`` against ``transformers.Trainer`` (run: ``python bench/train.py``).

Both train the same model on the same tokenised data (nexc's own encoding of a nexc dataset:
assistant-only labels, padding, same batch size, accumulation, learning-rate schedule and
precision), each in its own child process so that peak memory is its own. Reported per trainer:
training throughput in tokens/s (non-padding input tokens, measured from the end of the first
optimizer step to the end of the last, so start-up and compilation are left out), and peak memory
(CUDA: ``torch.cuda.max_memory_allocated``; CPU: the process's peak RSS), and the nexc/Trainer
ratios.

Without ``--model``/``--data`` it builds a toy dataset (``--samples`` weather-bot conversations in
qwen3_coder) and a randomly initialised Qwen2 of ``--hidden``/``--layers`` in a temporary folder,
so it runs anywhere (CPU when there is no GPU). On a GPU pass a real model folder and ``--bf16``.

    python bench/train.py                                   # toy model, CPU or GPU
    python bench/train.py --model /models/Qwen3-0.6B --data data/ --bf16 --steps 50 --batch-size 8
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _peak_memory_mib() -> float:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _threads(args) -> None:
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)


def child_nexc(args) -> dict:
    """Train with nexc; throughput from metrics.jsonl (steps 2…N)."""
    _threads(args)
    from nexc.train import TrainConfig, train

    out = Path(args.workdir) / "nexc-out"
    train(TrainConfig(dataset_dir=args.data, model_dir=args.model, output_dir=out, max_steps=args.steps,
                      batch_size=args.batch_size, grad_accum=args.grad_accum, max_length=args.max_length,
                      lr=args.lr, bf16=args.bf16, cpu=args.cpu, progress=False, seed=0, warmup=0.1))
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    tokens = sum(r["tokens"] for r in rows[1:])
    seconds = rows[-1]["elapsed_s"] - rows[0]["elapsed_s"]
    return {"tokens_per_second": tokens / seconds, "peak_memory_mib": _peak_memory_mib(),
            "final_loss": rows[-1]["loss"], "steps": len(rows)}


def child_trainer(args) -> dict:
    """Train with transformers.Trainer on nexc's encoding of the same data."""
    _threads(args)
    import torch
    from transformers import AutoModelForCausalLM, Trainer, TrainerCallback, TrainingArguments

    from nexc.train import TrainConfig
    from nexc.train.batches import Collator
    from nexc.train.prepare import prepare_data

    cfg = TrainConfig(dataset_dir=args.data, model_dir=args.model, output_dir=args.workdir,
                      max_length=args.max_length)
    prep = prepare_data(cfg)
    rows = prep.encoded.rows
    pad = Collator(prep.tokenizer.pad_token_id, packing=False)
    counted = {"tokens": 0}

    def collate(items):
        batch = pad([(f["input_ids"], f["labels"]) for f in items])
        counted["tokens"] += int(batch.pop("n_tokens"))
        return batch

    marks: list[tuple[float, int]] = []

    class Clock(TrainerCallback):
        def on_step_end(self, targs, state, control, **kw):
            marks.append((time.perf_counter(), counted["tokens"]))

    model = AutoModelForCausalLM.from_pretrained(args.model, local_files_only=True, dtype=torch.float32)
    targs = TrainingArguments(
        output_dir=str(Path(args.workdir) / "trainer-out"), max_steps=args.steps,
        per_device_train_batch_size=args.batch_size, gradient_accumulation_steps=args.grad_accum,
        learning_rate=args.lr, lr_scheduler_type="cosine", warmup_steps=max(1, round(0.1 * args.steps)),
        max_grad_norm=1.0, weight_decay=0.0, logging_steps=1, save_strategy="no", report_to=[],
        bf16=args.bf16, use_cpu=args.cpu, dataloader_num_workers=0, seed=0, remove_unused_columns=False,
        disable_tqdm=True)
    data = [{"input_ids": ids, "labels": lab} for ids, lab in rows]
    trainer = Trainer(model=model, args=targs, train_dataset=data, data_collator=collate, callbacks=[Clock()])
    result = trainer.train()
    # tokens counted at collate time: the window of step k is collated before step k ends
    (t0, n0), (t1, n1) = marks[0], marks[-1]
    return {"tokens_per_second": (n1 - n0) / (t1 - t0), "peak_memory_mib": _peak_memory_mib(),
            "final_loss": trainer.state.log_history[-2].get("loss", result.training_loss),
            "steps": len(marks)}


def _toy(workdir: Path, args) -> None:
    from nexc.testing import toy_train as toy

    data = toy.build_dataset(workdir / "data", "qwen3_coder", toy.conversations(args.samples))
    tok = toy.build_tokenizer(workdir / "model", toy.corpus(data))
    toy.build_model(workdir / "model", len(tok), hidden=args.hidden, layers=args.layers)
    args.data, args.model = str(workdir / "data"), str(workdir / "model")


def _run_child(kind: str, args) -> dict:
    argv = [sys.executable, __file__, "--child", kind, "--data", args.data, "--model", args.model,
            "--workdir", args.workdir, "--steps", str(args.steps), "--batch-size", str(args.batch_size),
            "--grad-accum", str(args.grad_accum), "--max-length", str(args.max_length), "--lr", str(args.lr),
            "--threads", str(args.threads)]
    argv += ["--bf16"] if args.bf16 else []
    argv += ["--cpu"] if args.cpu else []
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="a local model folder (default: a toy Qwen2 built here)")
    ap.add_argument("--data", help="a nexc dataset folder (default: a toy dataset built here)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--grad-accum", type=int, default=1)
    ap.add_argument("--max-length", type=int, default=2048)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bf16", action="store_true")
    ap.add_argument("--cpu", action="store_true", help="train on the CPU even with a GPU")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--samples", type=int, default=64, help="toy dataset size")
    ap.add_argument("--hidden", type=int, default=256, help="toy model width")
    ap.add_argument("--layers", type=int, default=4, help="toy model depth")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--child", choices=["nexc", "trainer"], help=argparse.SUPPRESS)
    ap.add_argument("--workdir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        os.environ["TRANSFORMERS_VERBOSITY"] = "error"
        result = (child_nexc if args.child == "nexc" else child_trainer)(args)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="nexc-bench-train-") as tmp:
        args.workdir = tmp
        if not (args.model and args.data):
            _toy(Path(tmp), args)
        import torch

        device = torch.cuda.get_device_name(0) if torch.cuda.is_available() and not args.cpu else "cpu"
        nexc = _run_child("nexc", args)
        trainer = _run_child("trainer", args)
    res = {"device": device, "steps": args.steps, "batch_size": args.batch_size, "grad_accum": args.grad_accum,
           "bf16": args.bf16, "nexc": nexc, "trainer": trainer,
           "throughput_ratio": nexc["tokens_per_second"] / trainer["tokens_per_second"],
           "memory_ratio": nexc["peak_memory_mib"] / trainer["peak_memory_mib"]}
    if args.json:
        print(json.dumps(res, indent=2))
        return
    print(f"device: {device}; {args.steps} steps, batch {args.batch_size}×{args.grad_accum}"
          f"{', bf16' if args.bf16 else ''}")
    print(f"{'':10}{'tokens/s':>12}{'peak MiB':>12}{'final loss':>12}")
    for name, r in (("nexc", nexc), ("Trainer", trainer)):
        print(f"{name:10}{r['tokens_per_second']:>12,.0f}{r['peak_memory_mib']:>12,.0f}{r['final_loss']:>12.4f}")
    print(f"nexc / Trainer: throughput {res['throughput_ratio']:.2f}×, peak memory {res['memory_ratio']:.2f}×")


if __name__ == "__main__":
    main()
