"""The standard tool library: definitions in ``stdlib/tools.yaml`` (shipped data), looked up by id."""
from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def stdlib_tools() -> dict[str, dict[str, Any]]:
    """Stdlib tool id → ``{description, parameters, binding}``."""
    import yaml

    from nexc.resources import read_data

    return yaml.safe_load(read_data("stdlib", "tools.yaml")) or {}
