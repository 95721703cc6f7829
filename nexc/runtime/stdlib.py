"""Implementations of the standard tools declared in ``stdlib/tools.yaml``.

Each is a plain function of the tool's parameters; the runtime injects ``global_storage`` (the
run's :class:`~nexc.runtime.storage.GlobalStorage`) and ``run_context`` (a
:class:`~nexc.runtime.tools.ToolContext`) where a function declares them. File tools work inside the
run's working directory (``arun(..., workdir=...)``, default the current directory) and refuse
paths that leave it.
"""
from __future__ import annotations

import json
import os
from typing import Any

from nexc.runtime.tools import ToolError, safe_path


def todo_write(todos: list[dict], global_storage) -> str:
    """Replace the run's task list (``storage["todos"]``) and summarise it."""
    items = []
    for t in todos or []:
        if not isinstance(t, dict) or "id" not in t or not t.get("content"):
            raise ToolError("each todo needs an id and a non-empty content")
        items.append({"id": str(t["id"]), "content": str(t["content"]), "status": t.get("status", "pending"),
                      "priority": t.get("priority", "medium")})
    global_storage.set("todos", items)
    done = sum(1 for t in items if t["status"] == "completed")
    lines = [f"Todo list updated: {len(items)} items, {done} completed."]
    lines += [f"- [{ {'completed': 'x', 'in_progress': '~'}.get(t['status'], ' ') }] {t['id']}: {t['content']}"
              for t in items]
    return "\n".join(lines)


def think(thought: str) -> str:
    """Record a thought; nothing happens."""
    return "Thought recorded."


def finish(answer: str) -> str:
    """The final answer (use as a stop tool)."""
    return answer


def _workdir(run_context) -> str:
    return getattr(run_context, "workdir", None) or os.getcwd()


def read_file(path: str, run_context=None, max_chars: int = 20000) -> str:
    """The text of ``path`` (at most ``max_chars`` characters)."""
    full = safe_path(_workdir(run_context), path)
    if not os.path.isfile(full):
        raise ToolError(f"no file '{path}'")
    with open(full, encoding="utf-8", errors="replace") as f:
        text = f.read(max_chars + 1)
    if len(text) > max_chars:
        text = text[:max_chars] + f"\n[… truncated at {max_chars} characters]"
    return text


def write_file(path: str, content: str, run_context=None) -> str:
    """Write ``content`` to ``path``, creating folders."""
    full = safe_path(_workdir(run_context), path)
    os.makedirs(os.path.dirname(full) or ".", exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(content)
    return f"Wrote {len(content)} characters to {path}."


def list_files(run_context=None, path: str = ".") -> str:
    """The files below ``path``, one per line (at most 500)."""
    base = _workdir(run_context)
    full = safe_path(base, path)
    if not os.path.isdir(full):
        raise ToolError(f"no folder '{path}'")
    out: list[str] = []
    for root, dirs, files in os.walk(full):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            out.append(os.path.relpath(os.path.join(root, name), base))
            if len(out) >= 500:
                return "\n".join(out + ["[… more files not listed]"])
    return "\n".join(out) if out else "(no files)"


def storage_get(key: str, global_storage) -> str:
    """The stored value as JSON (``null`` when absent)."""
    return json.dumps(global_storage.get(key), ensure_ascii=False, default=str)


def storage_set(key: str, value: Any, global_storage) -> str:
    """Store ``value`` under ``key``."""
    global_storage.set(key, value)
    return f"Stored '{key}'."
