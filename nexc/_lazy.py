"""Loading things named by string: ``"module:attr"`` references in nexc's registries (CLI commands, emitters,
formats, frontends, checks and optimisations) and whether a module is installed, without importing it.

The registries stay plain tables of strings so that importing them imports nothing; this is the one helper
that turns an entry into the object.
"""
from __future__ import annotations

import importlib
import importlib.util
from typing import Any


def installed(module: str) -> bool:
    """Whether ``module`` can be imported here (found on the path; nothing of it is run except its parent
    packages' ``__init__``)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def load_ref(ref: str) -> Any:
    """The object ``ref`` names: ``"package.module:attr"`` (``attr`` may be dotted), or the module itself
    when there is no ``:attr``. Import errors propagate."""
    mod, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(mod)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj
