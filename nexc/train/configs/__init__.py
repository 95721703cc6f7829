"""``accelerate`` config files shipped with nexc train: ``ddp``, ``fsdp``, ``deepspeed_zero3``.

    accelerate launch --config_file "$(python -c 'import nexc.train.configs as c; print(c.path("fsdp"))')" \\
        -m nexc.train DATA --model M --output OUT
"""
from __future__ import annotations

from pathlib import Path

NAMES = ("ddp", "fsdp", "deepspeed_zero3")


def path(name: str) -> Path:
    """The path of the config file called ``name`` (one of :data:`NAMES`)."""
    if name not in NAMES:
        raise ValueError(f"no accelerate config '{name}'; there are: {', '.join(NAMES)}")
    return Path(__file__).resolve().parent / f"{name}.yaml"
