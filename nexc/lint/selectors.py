"""Rule selectors: a code (``NEX401``), a rule name (``unreachable-agent``), a code prefix (``NEX4``,
``NEX40``) or ``ALL``. Used by suppressions and by ``[tool.nexc]``."""
from __future__ import annotations

import re

_PREFIX = re.compile(r"^NEX\d{0,3}$")


def normalise(selector: str) -> str:
    """Codes and prefixes upper-case, names lower-case, surrounding space removed."""
    s = selector.strip()
    return s.upper() if s.upper().startswith("NEX") or s.upper() == "ALL" else s.lower()


def known(selector: str) -> bool:
    """True when the selector matches at least one registered rule."""
    from nexc.diagnostics import all_rules

    s = normalise(selector)
    return any(specificity(s, r.code, r.name) for r in all_rules())


def specificity(selector: str, code: str, name: str) -> int:
    """How specifically ``selector`` names the rule: 0 not at all, 10 for the full code or name,
    1 + its number of digits for a code prefix (``NEX`` 1, ``NEX4`` 2, ``NEX40`` 3), 1 for ``ALL``."""
    s = normalise(selector)
    if s == code or s == name:
        return 10
    if s == "ALL":
        return 1
    if _PREFIX.match(s) and code.startswith(s):
        return 1 + len(s) - 3
    return 0


def best(selectors, code: str, name: str) -> int:
    """The highest specificity of any of ``selectors`` for the rule."""
    return max((specificity(s, code, name) for s in selectors), default=0)


def suggest(selector: str) -> str | None:
    """The registered code or name closest to a selector that names no rule."""
    from nexc.diagnostics import all_rules
    from nexc.diagnostics.suggest import did_you_mean

    rules = all_rules()
    return did_you_mean(selector, [r.code for r in rules] + [r.name for r in rules])
