"""Skills at run time: what the built-in ``load_skill`` tool returns.

Skill briefs and the system prompt are the view's (:mod:`nexc.view.prompt`).
"""
from __future__ import annotations

import os

from nexc.view.prompt import SkillDoc, read_skill  # noqa: F401  (re-exported)
from nexc.view.tools import LOAD_SKILL  # noqa: F401  (re-exported)


def load_skill_body(skills: dict[str, SkillDoc], name: str) -> str:
    """The text ``load_skill`` returns: the body and the other files of the skill folder."""
    doc = skills.get(name)
    if doc is None:
        raise KeyError(f"no skill named '{name}'; available: {', '.join(sorted(skills)) or 'none'}")
    extra = []
    if os.path.isdir(doc.folder):
        for root, dirs, files in os.walk(doc.folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for f in sorted(files):
                rel = os.path.relpath(os.path.join(root, f), doc.folder)
                if rel != "SKILL.md":
                    extra.append(rel)
    text = f"# Skill: {doc.name}\n\n{doc.body}"
    if extra:
        text += f"\n\nOther files of this skill (in {doc.folder}): " + ", ".join(extra[:50])
    return text
