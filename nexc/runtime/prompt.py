"""System prompts and skills.

A prompt is the agent's text (inline or from a file, read once when the framework is loaded). A
``template`` prompt is compiled once with a sandboxed Jinja environment and rendered once per agent
run (never per LLM call) with these variables, later ones winning:

- ``date`` (today, ISO), ``agent_name``;
- the agent's declared ``context`` defaults;
- the run's ``context`` (``arun(..., context={...})``).

After the text come, when the agent has them, a brief of its sub-agents and a brief of its skills
(name and description from ``SKILL.md``'s front matter; the model loads the details with the
built-in ``load_skill`` tool).
"""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass

LOAD_SKILL = "load_skill"


@dataclass(frozen=True)
class SkillDoc:
    """A skill folder's ``SKILL.md``: front-matter name and description, and the body."""

    name: str
    description: str
    body: str
    folder: str


def read_skill(folder: str, name: str, description: str | None = None) -> SkillDoc:
    """Parse ``folder/SKILL.md`` (a missing file gives an empty body)."""
    path = os.path.join(folder, "SKILL.md")
    meta: dict = {}
    body = ""
    if os.path.isfile(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        body = text
        if text.startswith("---"):
            head, sep, rest = text[3:].partition("\n---")
            if sep:
                import yaml

                try:
                    loaded = yaml.safe_load(head)
                    meta = loaded if isinstance(loaded, dict) else {}
                except yaml.YAMLError:
                    meta = {}
                body = rest.split("\n", 1)[1] if "\n" in rest else ""
    desc = description or str(meta.get("description") or "").strip()
    return SkillDoc(str(meta.get("name") or name), desc, body.strip("\n"), folder)


def skill_brief(skills: list[SkillDoc]) -> str:
    lines = ["## Skills",
             f"Skills are instructions for particular kinds of work. When one applies, call `{LOAD_SKILL}` "
             "with its name to read it before you start."]
    lines += [f"- {s.name}: {s.description}" if s.description else f"- {s.name}" for s in skills]
    return "\n".join(lines)


def subagent_brief(agents: list[tuple[str, str]]) -> str:
    lines = ["## Sub-agents",
             "You can delegate work to these agents by calling them like tools with a `task`. They see nothing "
             "of this conversation, so give each task everything it needs; you receive only their final answer."]
    lines += [f"- {n}: {d}" if d else f"- {n}" for n, d in agents]
    return "\n".join(lines)


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


class PromptTemplate:
    """A system prompt, compiled once; ``render(variables)`` per agent run."""

    __slots__ = ("text", "template", "suffix")

    def __init__(self, text: str, *, template: bool, suffix: str = ""):
        self.text, self.suffix = text, suffix
        self.template = None
        if template:
            from jinja2 import StrictUndefined  # noqa: F401  (kept lenient: missing variables render empty)
            from jinja2.sandbox import SandboxedEnvironment

            env = SandboxedEnvironment(keep_trailing_newline=True, autoescape=False)
            self.template = env.from_string(text)

    def render(self, agent_name: str, defaults: dict, context: dict | None) -> str:
        if self.template is None:
            body = self.text
        else:
            variables = {"date": _dt.date.today().isoformat(), "agent_name": agent_name}
            variables.update(defaults)
            if context:
                variables.update(context)
            body = self.template.render(variables)
        if self.suffix:
            return f"{body}\n\n{self.suffix}" if body else self.suffix
        return body
