"""Checkpoints: ``accelerator.save_state`` plus ``trainer_state.json`` (where in the data we are)."""
from __future__ import annotations

import json
from pathlib import Path

from nexc.train.config import TrainConfig
from nexc.train.errors import TrainError

STATE = "trainer_state.json"


def checkpoint_dir(out: Path, step: int) -> Path:
    """``OUT/checkpoints/step-N``."""
    return out / "checkpoints" / f"step-{step}"


def save(acc, cfg: TrainConfig, out: Path, step: int, epoch: int, batches_done: int, total: int) -> Path:
    """Save model, optimizer, scheduler and RNG states, and the position in the data."""
    path = checkpoint_dir(out, step)
    acc.save_state(str(path))
    if acc.is_main_process:
        state = {"step": step, "epoch": epoch, "batches_done": batches_done, "total_steps": total,
                 "world_size": acc.num_processes, "batch_size": cfg.batch_size, "grad_accum": cfg.grad_accum,
                 "seed": cfg.seed, "packing": cfg.packing}
        (path / STATE).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    acc.wait_for_everyone()
    return path


def resolve(resume: str | Path, out: Path) -> Path:
    """The checkpoint folder ``--resume`` names (``latest``: the newest under ``OUT/checkpoints``)."""
    if str(resume) == "latest":
        found = sorted((out / "checkpoints").glob("step-*"), key=lambda p: int(p.name.split("-")[1])
                       if p.name.split("-")[1].isdigit() else -1)
        found = [p for p in found if (p / STATE).is_file()]
        if not found:
            raise TrainError(f"--resume latest: no checkpoint under '{out / 'checkpoints'}'")
        return found[-1]
    path = Path(resume)
    if not (path / STATE).is_file():
        raise TrainError(f"--resume '{resume}' is not a nexc checkpoint (no {STATE})",
                         "pass a folder OUT/checkpoints/step-N written with --save-every, or 'latest'")
    return path


def load(acc, cfg: TrainConfig, out: Path, batches_per_epoch: int) -> tuple[int, int, int]:
    """Restore the states saved by :func:`save`; returns (step, epoch, micro-batches to skip)."""
    path = resolve(cfg.resume, out)
    state = json.loads((path / STATE).read_text(encoding="utf-8"))
    for key in ("batch_size", "grad_accum", "seed", "packing", "world_size"):
        want = acc.num_processes if key == "world_size" else getattr(cfg, key)
        if key in state and state[key] != want:
            raise TrainError(f"--resume: the checkpoint was written with {key} {state[key]}, this run has {want}",
                             "resume with the same settings (the data order depends on them)")
    try:
        acc.load_state(str(path))
    except Exception as exc:  # noqa: BLE001
        raise TrainError(f"cannot load the checkpoint '{path}': {type(exc).__name__}: {exc}") from None
    step, epoch, done = int(state["step"]), int(state["epoch"]), int(state["batches_done"])
    if done >= batches_per_epoch:
        epoch, done = epoch + 1, 0
    return step, epoch, done
