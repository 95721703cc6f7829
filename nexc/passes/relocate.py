"""relocate: a framework's relative file paths (prompt files, skill folders) rewritten so they stay right
when the spec is written into another folder (``nexc convert -o``)."""
from __future__ import annotations

import os
from pathlib import Path


def relocate(fw, root_dir: Path, out_dir: Path):
    """Rewrite the framework's relative file paths so they stay right from ``out_dir``."""
    if root_dir.resolve() == out_dir.resolve():
        return fw

    def move(p: str) -> str:
        return os.path.relpath(root_dir / p, out_dir).replace(os.sep, "/")

    agents = tuple(a.model_copy(update={"prompt": a.prompt.model_copy(update={"file": move(a.prompt.file)})})
                   if a.prompt and a.prompt.file else a for a in fw.agents)
    skills = tuple(s.model_copy(update={"path": move(s.path)}) for s in fw.skills)
    return fw.model_copy(update={"agents": agents, "skills": skills})
