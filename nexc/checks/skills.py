"""skills: skill folders without a ``SKILL.md`` (NEX415). A missing folder is NEX308 (resolve)."""
from __future__ import annotations

from pathlib import Path


def check(fw, r, ctx) -> None:
    """Report each declared skill whose folder exists but has no SKILL.md."""
    if ctx is None:
        return
    for s in fw.skills:
        folder = Path(ctx.root_dir) / s.path
        if folder.is_dir() and not (folder / "SKILL.md").is_file():
            r.report("NEX415", s.span, f"skill '{s.name}' has no SKILL.md in '{s.path}'",
                     notes=("SKILL.md holds the skill's front matter (name, description) and its instructions",),
                     fix=f"create '{s.path}/SKILL.md'")
