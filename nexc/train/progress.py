"""Progress on stderr, ``metrics.jsonl`` and its plot ``loss.svg`` (main process only; no torch)."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from nexc.pages.plots import write_loss_svg


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}"


class Progress:
    """Writes one line per logged step to ``stream`` and one JSON object to ``metrics.jsonl``.
    Inactive (writes nothing) on processes other than the main one."""

    def __init__(self, output_dir: Path, *, active: bool = True, show: bool = True,
                 stream: TextIO | None = None) -> None:
        self.output_dir = output_dir
        self.active = active
        self.show = show and active
        self.stream = stream or sys.stderr
        self.total = 0
        self.start_step = 0
        self.t0 = self.last_t = time.perf_counter()
        self.tokens_since = 0
        self.metrics: TextIO | None = None

    def begin(self, total_steps: int, start_step: int = 0) -> None:
        """Start timing and open ``metrics.jsonl`` (appended to when resuming, else started anew)."""
        self.total, self.start_step = total_steps, start_step
        self.t0 = self.last_t = time.perf_counter()
        if self.active:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            self.metrics = (self.output_dir / "metrics.jsonl").open("a" if start_step else "w", encoding="utf-8")

    def note(self, message: str) -> None:
        """A line for the user (main process only)."""
        if self.show:
            print(f"nexc train: {message}", file=self.stream, flush=True)

    def add_tokens(self, n: int) -> None:
        """Count tokens processed (all ranks together) since the last log."""
        self.tokens_since += n

    def log(self, step: int, loss: float, lr: float, **extra: Any) -> dict[str, Any]:
        """Record one optimizer step."""
        now = time.perf_counter()
        tps = self.tokens_since / max(now - self.last_t, 1e-9)
        done = step - self.start_step
        eta = (now - self.t0) / max(done, 1) * (self.total - step)
        rec = {"step": step, "loss": round(loss, 6), "lr": lr, "tokens_per_second": round(tps, 2),
               "tokens": self.tokens_since,
               "elapsed_s": round(now - self.t0, 3), "eta_s": round(eta, 3), **extra}
        self.last_t, self.tokens_since = now, 0
        if self.metrics is not None:
            self.metrics.write(json.dumps(rec) + "\n")
            self.metrics.flush()
            if now - getattr(self, "_svg_t", -1e9) > 30:  # loss.svg next to metrics.jsonl, at most twice a minute
                self._svg_t = now
                write_loss_svg(self.output_dir)
        if self.show:
            print(f"step {step}/{self.total}  loss {loss:.4f}  lr {lr:.3g}  tok/s {tps:,.0f}  "
                  f"elapsed {_clock(now - self.t0)}  eta {_clock(eta)}", file=self.stream, flush=True)
        return rec

    def close(self) -> None:
        """Close ``metrics.jsonl`` and draw ``loss.svg`` from it (loss and learning rate by step)."""
        if self.metrics is not None:
            self.metrics.close()
            self.metrics = None
            write_loss_svg(self.output_dir)
