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


#: NexAU's built-in tools (``nexau.archs.tool.builtin.*``) → the nexc stdlib tool that stands in for each.
#: NexA4A frameworks use them by name without declaring them; NexAU configs bind them by module path.
NEXAU_BUILTINS: dict[str, str] = {
    "bash": "bash",
    "ls": "ls",
    "file_read": "file_read",
    "file_write": "file_write",
    "web_search": "web_search",
    "web_read": "web_read",
    "todo_write": "todo_write",
    "run_code": "run_code",
}


def nexau_builtin(name: str | None = None, binding: str | None = None) -> str | None:
    """The stdlib id standing in for a NexAU built-in, named by its tool name or its binding
    (``nexau.archs.tool.builtin.bash_tool:bash_tool``), or None."""
    if binding and binding.startswith("nexau.archs.tool.builtin."):
        attr = binding.rpartition(":")[2] or binding.rpartition(".")[2]
        key = attr.removesuffix("_tool")
        if key in NEXAU_BUILTINS:
            return NEXAU_BUILTINS[key]
    return NEXAU_BUILTINS.get(name) if name else None
