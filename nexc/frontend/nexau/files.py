"""Reading the files a NexAU config refers to: substituted, positioned YAML; prompt files; SKILL.md front-matter."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import yaml

from nexc.diagnostics import Reporter
from nexc.frontend.located import Loc
from nexc.frontend.nexau.text import OffsetMap, Positions, TooLong, first_pass_variables, parse_yaml, substitute
from nexc.ir.base import Span
from nexc.source import MAX_PROMPT_BYTES, MAX_SPEC_BYTES, PROJECT_MARKERS, display_path, project_root, read_text, within


@dataclass
class Parsed:
    """One YAML file after NexAU's substitutions: its tree (None if it did not parse) and where it lives."""

    path: str
    doc: Loc | None


def child_path(raw: str, declared_in: str) -> str:
    """``raw`` (as written in ``declared_in``) as a display path."""
    p = raw if os.path.isabs(raw) else os.path.join(os.path.dirname(declared_in), raw)
    return display_path(os.path.normpath(p))


def outside_project(target: str, raw: str, declared_in: str, span: Span, r: Reporter) -> bool:
    """Report (NEX309) and return True when ``target`` (``raw`` as written in ``declared_in``) resolves outside
    the declaring config's project: nexc never reads, nor copies into a bundle, files from elsewhere.
    A path with a NUL byte names no file at all (NEX600)."""
    if "\x00" in raw:
        r.report("NEX600", span, "the path contains a NUL byte, which no file name can hold",
                 fix="remove the \\0 from the path")
        return True
    root = project_root(os.path.dirname(os.path.abspath(declared_in)))
    if within(target, root):
        return False
    r.report("NEX309", span, f"path '{raw}' is outside the project root '{display_path(root)}'",
             notes=("the project root is the nearest folder above the config holding "
                    + ", ".join(PROJECT_MARKERS) + "; without one, the config's own folder",),
             fix="move the file into the project, or mark the project's top folder (e.g. an empty .nexc-root)")
    return True


def is_package_resource(raw: str) -> bool:
    """NexAU's ``package:relative/path`` form (not a Windows drive letter, not a URL)."""
    return ":" in raw and not os.path.isabs(raw) and not raw.split(":", 1)[1].startswith("//") \
        and len(raw.split(":", 1)[0]) > 1


def read_yaml(path: str, r: Reporter, ref: Span | None, what: str) -> Parsed:
    """Read, substitute and parse one NexAU YAML file; reports env and variable problems at their place."""
    text = read_text(path, r, span=ref, what=what)
    if text is None:
        return Parsed(path, None)
    return parse_text(path, text, r)


def parse_text(path: str, text: str, r: Reporter) -> Parsed:
    """Substitute and parse the text of one NexAU YAML file."""
    variables = first_pass_variables(text, ".") if "${variables." in text else None
    ident = Positions(path, text, OffsetMap())
    limit = max(MAX_SPEC_BYTES, 2 * len(text))
    try:  # ${variables.v} used over and over: the substituted text is bounded as it is built
        new, omap, placeholders, problems = substitute(text, ".", variables or {}, limit=limit)
    except TooLong as exc:
        ph = exc.args[0]
        r.report("NEX150", ident.span(ph.start, ph.end), f"substituting 'variables' makes this file longer than "
                 f"{limit:,} characters (here, at '${{variables.{ph.name}}}')",
                 fix="use long variables once, or move the text into a prompt file")
        return Parsed(path, None)
    for ph in placeholders:
        if ph.kind == "env" and ph.name not in os.environ:
            r.report("NEX604", ident.span(ph.start, ph.end),
                     f"environment variable '{ph.name}' is not set; it is read when the framework runs",
                     notes=("NexAU reads it when it loads this file and fails if it is missing",))
    for ph, why in problems:
        known = sorted(_flatten(variables or {}))
        from nexc.diagnostics.suggest import did_you_mean

        guess = did_you_mean(ph.name, known) if "not defined" in why else None
        r.report("NEX603", ident.span(ph.start, ph.end), f"variable '{ph.name}' {why}"
                 + (f"; did you mean '{guess}'?" if guess else ""),
                 notes=() if variables else ("this file has no 'variables:' map",),
                 fix=f"write ${{variables.{guess}}}" if guess else None)
    return Parsed(path, parse_yaml(new, Positions(path, text, omap), r))


def _flatten(d: Any, prefix: str = "") -> list[str]:
    out = []
    if isinstance(d, dict):
        for k, v in d.items():
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                out.extend(_flatten(v, key + "."))
            else:
                out.append(key)
    return out


def template_variables(path: str, r: Reporter, ref: Span) -> tuple[str, ...] | None:
    """Undeclared variables of the Jinja template in ``path`` (sorted); None when it cannot be read or parsed."""
    text = read_text(path, r, span=ref, limit=MAX_PROMPT_BYTES, what="prompt template")
    if text is None:
        return None
    import jinja2
    from jinja2 import meta

    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    try:
        ast = env.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        line = exc.lineno or 1
        r.report("NEX612", Span(file=path, line=line, column=1, end_line=line, end_column=1),
                 f"Jinja syntax error: {exc.message}")
        return None
    return tuple(sorted(meta.find_undeclared_variables(ast)))


def skill_front_matter(folder: str) -> dict[str, Any] | None:
    """``name``/``description`` from ``SKILL.md``'s front-matter; None if there is no SKILL.md."""
    md = os.path.join(folder, "SKILL.md")
    if not os.path.isfile(md):
        return None
    from nexc.source import read_file_text

    try:
        text = read_file_text(md, limit=16 * 1024 * 1024, what="SKILL.md", errors="replace")[:1024 * 1024]
    except OSError:
        return {}
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        return {}
    try:
        data = yaml.safe_load(text[3:end])
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}
