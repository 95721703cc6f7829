"""System prompts and the briefs that follow them.

A prompt is the agent's text (inline or from a file, read once when the framework is loaded). Which
texts are Jinja templates, and with which variables, is the profile's choice
(:mod:`nexc.view.profile`): in the ``nexc`` profile only ``template(...)`` prompts are, rendered once
per agent run with ``date`` (today, ISO), ``agent_name``, the agent's declared ``context`` defaults
and the run's ``context`` (later ones winning). A template is compiled once, in a sandbox; a variable
the run does not give renders empty.

In the ``nexc`` profile the text is followed by a brief of the agent's sub-agents and a brief of its
skills (name and description from ``SKILL.md``'s front matter; the model loads the details with the
built-in ``load_skill`` tool).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from nexc.view.tools import LOAD_SKILL


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
    text = None
    if os.path.isfile(path):
        from nexc.source import MAX_PROMPT_BYTES, read_file_text

        try:
            text = read_file_text(path, limit=MAX_PROMPT_BYTES, what="SKILL.md", errors="replace")
        except OSError:
            text = None
    if text is not None:
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
    """The ``## Skills`` brief of the ``nexc`` profile."""
    lines = ["## Skills",
             f"Skills are instructions for particular kinds of work. When one applies, call `{LOAD_SKILL}` "
             "with its name to read it before you start."]
    lines += [f"- {s.name}: {s.description}" if s.description else f"- {s.name}" for s in skills]
    return "\n".join(lines)


def subagent_brief(agents: list[tuple[str, str]]) -> str:
    """The ``## Sub-agents`` brief of the ``nexc`` profile: ``(name, description)`` pairs."""
    lines = ["## Sub-agents",
             "You can delegate work to these agents by calling them like tools with a `task`. They see nothing "
             "of this conversation, so give each task everything it needs; you receive only their final answer."]
    lines += [f"- {n}: {d}" if d else f"- {n}" for n, d in agents]
    return "\n".join(lines)


class PromptTemplate:
    """A system prompt, compiled once; :meth:`render` per agent run.

    ``template``: render ``text`` with Jinja (sandboxed); ``trim``: with ``trim_blocks`` and
    ``lstrip_blocks``; ``keep_newline``: keep a final newline (Jinja drops one otherwise); ``strip``:
    strip surrounding whitespace from the rendered text; ``suffix`` is added after a blank line."""

    __slots__ = ("text", "template", "suffix", "strip")

    def __init__(self, text: str, *, template: bool, suffix: str = "", trim: bool = False, strip: bool = False,
                 keep_newline: bool = True):
        self.text, self.suffix, self.strip = text, suffix, strip
        self.template = None
        if template and "\r" not in text and not any(d in text for d in ("{{", "{%", "{#")):
            # nothing for Jinja to do but its newline rule: skip compiling (the same text, much faster)
            if not keep_newline and text.endswith("\n"):
                self.text = text[:-1]
        elif template:
            from jinja2.sandbox import SandboxedEnvironment

            env = SandboxedEnvironment(keep_trailing_newline=keep_newline, autoescape=False, trim_blocks=trim,
                                       lstrip_blocks=trim)
            self.template = env.from_string(text)

    @property
    def static(self) -> bool:
        """The same text for every run."""
        return self.template is None

    def source(self) -> str:
        """The prompt as written (a template unrendered), with its suffix."""
        body = self.text.strip() if self.strip else self.text
        if self.suffix:
            return f"{body}\n\n{self.suffix}" if body else self.suffix
        return body

    def render(self, variables: dict | None = None) -> str:
        """The prompt with ``variables`` (ignored by a prompt that is no template)."""
        body = self.text if self.template is None else self.template.render(variables or {})
        if self.strip:
            body = body.strip()
        if self.suffix:
            return f"{body}\n\n{self.suffix}" if body else self.suffix
        return body
