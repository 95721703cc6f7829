"""The settings of one training run (plain data; no torch)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal


@dataclass
class TrainConfig:
    """Everything ``nexc train`` accepts. Paths may be ``str`` or :class:`~pathlib.Path`.

    ``warmup`` below 1 is a fraction of the total optimizer steps, otherwise a number of steps.
    ``max_steps`` (optimizer steps) wins over ``epochs`` when given.
    """

    dataset_dir: str | Path
    model_dir: str | Path
    output_dir: str | Path
    format: str | None = None
    tokenizer_dir: str | Path | None = None
    max_steps: int | None = None
    epochs: float = 1.0
    lr: float = 2e-5
    weight_decay: float = 0.0
    batch_size: int = 4
    grad_accum: int = 1
    max_length: int = 4096
    long_samples: Literal["truncate", "drop"] = "truncate"
    packing: bool = False
    warmup: float = 0.03
    max_grad_norm: float = 1.0
    bf16: bool = False
    fp16: bool = False
    cpu: bool = False
    seed: int = 42
    save_every: int = 0
    resume: str | Path | None = None
    log_every: int = 1
    allow_format_mismatch: bool = False
    rank_checksums: bool = False
    progress: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        """Reject impossible numbers early, with the option's name."""
        from nexc.train.errors import TrainError

        checks = [
            (self.batch_size >= 1, "--batch-size must be at least 1"),
            (self.grad_accum >= 1, "--grad-accum must be at least 1"),
            (self.max_length >= 8, "--max-length must be at least 8"),
            (self.max_steps is None or self.max_steps >= 1, "--max-steps must be at least 1"),
            (self.epochs > 0, "--epochs must be positive"),
            (self.lr > 0, "--lr must be positive"),
            (self.warmup >= 0, "--warmup must not be negative"),
            (self.save_every >= 0, "--save-every must not be negative"),
            (self.log_every >= 1, "--log-every must be at least 1"),
            (not (self.bf16 and self.fp16), "--bf16 and --fp16 exclude each other"),
            (self.long_samples in ("truncate", "drop"), "long samples are either truncated or dropped"),
        ]
        for ok, message in checks:
            if not ok:
                raise TrainError(message)

    def warmup_steps(self, total_steps: int) -> int:
        """Warm-up length in optimizer steps."""
        if self.warmup < 1:
            return int(round(self.warmup * total_steps))
        return int(self.warmup)

    def as_json(self) -> dict[str, Any]:
        """The settings as JSON-safe values (paths as strings)."""
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}
