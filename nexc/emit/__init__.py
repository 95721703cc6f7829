"""Emitters: what ``nexc build --target T`` writes. :data:`EMITTERS` maps targets to ``module:function``
(``emit(fw, ctx, out: OutputDir) -> EmitResult``, raising ``EmitError`` for a framework it cannot write;
see :mod:`nexc.emit.result`; a plugin may return the summary string alone); plugins add more through the
``nexc.emitters`` entry-point group. Emitters never print: ``nexc build`` does."""
from __future__ import annotations

from typing import Callable

from nexc._lazy import installed

EMITTERS: dict[str, str] = {
    "manifest": "nexc.emit.manifest:emit",
    "bundle": "nexc.emit.bundle:emit",
    "nexau": "nexc.emit.nexau_export:emit",
    "dataset": "nexc.emit.training_templates:emit",
}


def _entry_points() -> dict[str, str]:
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group="nexc.emitters")}


def targets() -> list[str]:
    """Every target whose emitter module is installed."""
    out = []
    for name, ref in {**EMITTERS, **_entry_points()}.items():
        if installed(ref.split(":")[0]):
            out.append(name)
    return out


def get_emitter(target: str) -> Callable:
    """The emit function for ``target``; ``KeyError`` if there is none."""
    ref = EMITTERS.get(target) or _entry_points().get(target)
    if ref is None or not installed(ref.split(":")[0]):
        raise KeyError(target)
    from nexc.pipeline import Emitter, load_pass

    return load_pass(ref, Emitter)
