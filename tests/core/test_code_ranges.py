"""The code ranges written in ``nexc/diagnostics/codes/__init__.py`` are true: every registered code is in a
listed range, every listed range holds codes, and the module that declares a code names its range."""
from __future__ import annotations

import re

import nexc.diagnostics.codes as codes
from nexc.diagnostics import all_rules
from nexc.diagnostics.registry import CODE_MODULES


def _ranges() -> set[str]:
    return set(re.findall(r"^- ``NEX(\d)xx``", codes.__doc__ or "", re.M))


def test_every_code_is_in_a_listed_range_and_every_range_has_codes():
    used = {r.code[3] for r in all_rules()}
    listed = _ranges()
    assert used - listed == set(), f"codes outside the ranges the docstring lists: {sorted(used - listed)}"
    assert listed - used == set(), f"ranges listed without any code: {sorted(listed - used)}"


def test_each_code_module_says_its_range():
    import importlib
    import inspect

    for mod in CODE_MODULES:
        m = importlib.import_module(mod)
        declared = set(re.findall(r'rule\("NEX(\d)', inspect.getsource(m)))
        for hundred in declared:
            assert f"NEX{hundred}xx" in (m.__doc__ or ""), f"{mod} declares NEX{hundred}xx codes without saying so"
