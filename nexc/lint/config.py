"""``[tool.nexc]`` in ``pyproject.toml``: which rules run, at which severity, and where.

The nearest ``pyproject.toml`` with a ``[tool.nexc]`` table, walking up from the spec's folder, applies
(like ruff). Keys::

    [tool.nexc]
    select = ["ALL"]                    # codes, names or prefixes to report (default: all)
    ignore = ["NEX401", "unused-tool"]  # codes, names or prefixes not to report
    check-imports = false               # import python bindings (NEX407/NEX408)
    [tool.nexc.severity]                # severity overrides: error | warning | info
    NEX440 = "error"
    [tool.nexc.per-file-ignores]        # globs relative to the pyproject folder
    "legacy/**" = ["NEX4"]

Between ``select`` and ``ignore`` the more specific selector wins (a code beats a prefix, a longer
prefix a shorter one); on a tie, ``ignore`` wins. Problems of the table itself are NEX492 (invalid)
and NEX491 (unknown rule), reported at ``pyproject.toml``.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from nexc.ir.base import Span
from nexc.lint.selectors import best, known, normalise, suggest

KEYS = ("select", "ignore", "severity", "per-file-ignores", "check-imports")
SEVERITIES = ("error", "warning", "info")


@dataclass
class LintConfig:
    """A parsed ``[tool.nexc]`` (the defaults when ``path`` is None)."""

    path: Path | None = None
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    check_imports: bool = False
    problems: list = field(default_factory=list)

    def enabled(self, code: str, name: str, file: str) -> bool:
        """True when diagnostics of this rule in ``file`` are reported."""
        ignores = list(self.ignore)
        if self.per_file_ignores and self.path is not None:
            rel = _relative(file, self.path.parent)
            if rel is not None:
                for pattern, sels in self.per_file_ignores.items():
                    if _glob(rel, pattern):
                        ignores.extend(sels)
        sel, ign = best(self.select, code, name), best(ignores, code, name)
        return sel > 0 and sel > ign

    def severity_of(self, code: str, name: str, default: str) -> str:
        """The overridden severity of the rule (the most specific override), or ``default``."""
        found, level = default, 0
        for sel, sev in self.severity.items():
            spec = best([sel], code, name)
            if spec > level:
                found, level = sev, spec
        return found


def _relative(file: str, base: Path) -> str | None:
    try:
        rel = os.path.relpath(os.path.abspath(file), base)
    except ValueError:
        return None
    return None if rel.startswith("..") else rel.replace(os.sep, "/")


def _glob(rel: str, pattern: str) -> bool:
    """``fnmatch`` where ``*`` also crosses folders; ``dir/`` or ``dir/**`` match everything below."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern.endswith("/"):
        pattern += "**"
    return fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, pattern.replace("**/", ""))


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.nexc]`` table at or above ``start``."""
    d = start if start.is_dir() else start.parent
    d = d.resolve()
    for folder in (d, *d.parents):
        p = folder / "pyproject.toml"
        if p.is_file():
            try:
                text = p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if "tool.nexc" in text or "[tool]" in text:
                return p
    return None


_CACHE: dict[Path | None, LintConfig] = {}


def config_for(spec: Path) -> LintConfig:
    """The configuration that applies to ``spec`` (cached per pyproject file)."""
    path = find_pyproject(Path(spec))
    if path not in _CACHE:
        _CACHE[path] = load_config(path) if path is not None else LintConfig()
    return _CACHE[path]


def load_config(path: Path) -> LintConfig:
    """Parse ``[tool.nexc]`` of ``path``; problems go to ``LintConfig.problems`` as diagnostics."""
    import tomllib

    from nexc.diagnostics import Diagnostic, get
    from nexc.source import display_path

    shown = display_path(path)
    cfg = LintConfig(path=path)
    text = path.read_text(encoding="utf-8")

    def where(key: str | None) -> Span:
        if key:
            for n, line in enumerate(text.split("\n"), start=1):
                stripped = line.strip().strip('"')
                if stripped.startswith(key) or f'"{key}"' in line:
                    col = line.find(key) + 1
                    return Span(file=shown, line=n, column=col, end_line=n, end_column=col + len(key))
        return Span.point(shown)

    def problem(code: str, key: str | None, msg: str, fix: str | None = None) -> None:
        cfg.problems.append(Diagnostic(code, get(code).severity, where(key), msg, (), fix))

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem("NEX492", None, f"pyproject.toml is not valid TOML: {exc}")
        return cfg
    table = data.get("tool", {}).get("nexc")
    if table is None:
        return cfg
    if not isinstance(table, dict):
        problem("NEX492", "nexc", "[tool.nexc] must be a table")
        return cfg
    from nexc.diagnostics.suggest import did_you_mean

    def selectors(key: str, value) -> tuple[str, ...]:
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            problem("NEX492", key, f"'{key}' in [tool.nexc] must be a list of strings (codes, names or prefixes)",
                    fix=f'{key} = ["NEX401"]')
            return ()
        for v in value:
            if not known(v):
                guess = suggest(v)
                problem("NEX491", v, f"'{v}' in [tool.nexc] {key} names no rule"
                        + (f"; did you mean '{guess}'?" if guess else ""),
                        fix="use a code or name from `nexc explain --list`")
        return tuple(normalise(v) for v in value)

    for key, value in table.items():
        if key == "select":
            cfg.select = selectors(key, value)
        elif key == "ignore":
            cfg.ignore = selectors(key, value)
        elif key == "check-imports":
            if isinstance(value, bool):
                cfg.check_imports = value
            else:
                problem("NEX492", key, "'check-imports' in [tool.nexc] must be true or false")
        elif key == "severity":
            if not isinstance(value, dict):
                problem("NEX492", key, "'severity' in [tool.nexc] must be a table of rule = \"error|warning|info\"")
                continue
            for sel, sev in value.items():
                if sev not in SEVERITIES:
                    problem("NEX492", sel, f"severity of '{sel}' must be one of {', '.join(SEVERITIES)}, not {sev!r}")
                elif not known(sel):
                    problem("NEX491", sel, f"'{sel}' in [tool.nexc] severity names no rule")
                else:
                    cfg.severity[normalise(sel)] = sev
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                problem("NEX492", key, "'per-file-ignores' in [tool.nexc] must be a table of \"glob\" = [rules]")
                continue
            for pattern, sels in value.items():
                cfg.per_file_ignores[pattern] = selectors(pattern, sels)
        else:
            guess = did_you_mean(key, KEYS)
            problem("NEX492", key, f"unknown key '{key}' in [tool.nexc]" + (f"; did you mean '{guess}'?" if guess else ""),
                    fix=f"use one of: {', '.join(KEYS)}")
    return cfg
