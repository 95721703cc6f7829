"""imports: with ``--check-imports``, Python bindings and agent extensions that do not import or cannot be
used (NEX407), and bindings whose signature disagrees with the tool's declared parameters (NEX408).

Importing runs the user's module code, so this check only runs when asked
(``ctx.options.check_imports``, set by ``nexc lint --check-imports`` or ``check-imports = true`` in
``[tool.nexc]``). The framework's root folder is put first on ``sys.path`` while importing, and the
modules imported from it are forgotten afterwards so that two frameworks with a ``tools`` module do
not see each other's.
"""
from __future__ import annotations

from nexc.source import display_path

import importlib
import inspect
import sys


class MissingName(ImportError):
    """A binding naming a module or attribute that is not there. ``kind``: the error Python raised
    (``ModuleNotFoundError``, ``AttributeError``); ``target``: the closest binding that is there (the
    did-you-mean), or None."""

    def __init__(self, kind: str, message: str, target: str | None):
        super().__init__(message + (f"; did you mean '{target}'?" if target else ""))
        self.kind, self.target = kind, target


def _modules_in(folder: str) -> list[str]:
    """Top-level module names of ``folder`` (``x.py`` files and packages)."""
    import os

    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    return [e.removesuffix(".py") for e in entries
            if (e.endswith(".py") and e[:-3].isidentifier())
            or (e.isidentifier() and os.path.isfile(os.path.join(folder, e, "__init__.py")))]


def _load(target: str, root: str | None = None):
    """The object ``module:attr.path`` names; raises on failure with a readable reason (a module or attribute
    that is not there raises :class:`MissingName`, with a did-you-mean when one is close)."""
    from nexc.diagnostics.suggest import did_you_mean

    module, sep, attr = target.partition(":")
    if not sep:
        module, _, attr = target.rpartition(".")
    if not module or not attr:
        raise ImportError(f"'{target}' is not of the form 'module:function'")
    try:
        obj = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.split(".")[0] == exc.name and root:
            guess = did_you_mean(exc.name, _modules_in(root))
            if guess:
                raise MissingName("ModuleNotFoundError", f"No module named '{exc.name}'",
                                  f"{guess}{module[len(exc.name):]}{sep or '.'}{attr}") from None
        raise
    parts = attr.split(".")
    for i, part in enumerate(parts):
        if not hasattr(obj, part):
            guess = did_you_mean(part, [n for n in dir(obj) if not n.startswith("__")])
            fixed = ".".join(parts[:i] + [guess] + parts[i + 1:]) if guess else None
            raise MissingName("AttributeError", f"module '{module}' has no attribute '{attr}'",
                              f"{module}{sep or '.'}{fixed}" if fixed else None)
        obj = getattr(obj, part)
    return obj


def signature_problems(fn, parameters: dict) -> list[str]:
    """How ``fn``'s signature disagrees with the JSON Schema ``parameters`` (empty when it agrees)."""
    from nexc.runtime.tools import INJECTED  # what the runtime fills in (imported late: lint stays runtime-free)

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    props = dict(parameters.get("properties") or {}) if isinstance(parameters, dict) else {}
    required = set(parameters.get("required") or ()) if isinstance(parameters, dict) else set()
    params = [p for p in sig.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    var_kw = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    names = {p.name for p in params if p.kind is not p.POSITIONAL_ONLY}
    out = []
    for p in params:
        if p.name in INJECTED or p.default is not p.empty:
            continue
        if p.kind is p.POSITIONAL_ONLY:
            out.append(f"parameter '{p.name}' is positional-only; tools are called with keyword arguments")
        elif p.name not in props:
            out.append(f"the function requires '{p.name}', which the tool does not declare")
        elif p.name not in required:
            out.append(f"the function requires '{p.name}', which the tool declares as optional")
    if not var_kw:
        for name in props:
            if name not in names:
                out.append(f"the tool declares '{name}', which the function does not accept (and it takes no **kwargs)")
    return out


def _extensions(fw, r, root: str) -> None:
    """Agents' extensions (middleware, hooks, tracers, token counters) must import too; middleware must have
    at least one of the runtime's methods (``specs/RUNTIME.md``)."""
    from nexc.runtime.extensions import EVENTS

    for a in fw.agents:
        for ext in a.extensions:
            try:
                obj = _load(ext.target, root)
            except BaseException as exc:  # noqa: BLE001
                if isinstance(exc, KeyboardInterrupt):
                    raise
                guess, kind = getattr(exc, "target", None), getattr(exc, "kind", type(exc).__name__)
                r.report("NEX407", ext.span, f"{ext.kind} '{ext.target}' of agent '{a.name}' does not import: "
                         f"{kind}: {exc}", notes=(f"imported with '{display_path(root)}' first on sys.path",),
                         fix=f"replace '{ext.target}' with '{guess}'" if guess else
                         "correct the module path and attribute name")
                continue
            if ext.kind == "middleware" and not any(callable(getattr(obj, ev, None)) for ev in EVENTS):
                r.report("NEX407", ext.span, f"middleware '{ext.target}' of agent '{a.name}' has none of the methods "
                         f"{', '.join(EVENTS)}; the runtime would not call it", fix="implement one of them, or use "
                         "the right kind (hook, tracer, token_counter)")
            elif ext.kind in ("hook", "tracer", "token_counter") and not callable(obj) and \
                    not callable(getattr(obj, "on_span", None)):
                r.report("NEX407", ext.span, f"{ext.kind} '{ext.target}' of agent '{a.name}' is not callable")


def check(fw, r, ctx) -> None:
    """Import every ``python`` binding and compare its signature with the declared parameters."""
    if ctx is None or not ctx.options.check_imports:
        return
    from nexc.runtime.tools import IMPORT_LOCK  # sys.modules is the process's: one framework at a time

    with IMPORT_LOCK:
        _check(fw, r, str(ctx.root_dir))


def _check(fw, r, root: str) -> None:
    # the check imports exactly as the runtime will (nexc.runtime.tools.import_target)
    from nexc.runtime.tools import claim_namespace, has_own_module, loaded_from

    # a module of the same name imported earlier from elsewhere (another framework's `tools`, a test's
    # `helpers`) must not stand in for this framework's: set such modules aside while importing
    tops = {t.binding.target.partition(":")[0].split(".")[0] for t in fw.tools
            if t.binding is not None and t.binding.kind == "python"}
    shadowing = {n: m for n, m in sys.modules.items() if n.split(".")[0] in tops and not loaded_from(m, root)
                 and n.split(".")[0] not in sys.builtin_module_names and has_own_module(root, n.split(".")[0])}
    for n in shadowing:
        del sys.modules[n]
    before = set(sys.modules)
    sys.path.insert(0, root)
    importlib.invalidate_caches()
    for top in tops:
        if top not in sys.modules:
            claim_namespace(root, top)
    try:
        for t in fw.tools:
            b = t.binding
            if b is None or b.kind != "python":
                continue
            try:
                fn = _load(b.target, root)
            except BaseException as exc:  # noqa: BLE001 - user code may raise anything, even SystemExit
                if isinstance(exc, KeyboardInterrupt):
                    raise
                guess, kind = getattr(exc, "target", None), getattr(exc, "kind", type(exc).__name__)
                r.report("NEX407", b.span, f"binding '{b.target}' of tool '{t.name}' does not import: "
                         f"{kind}: {exc}",
                         notes=(f"imported with '{display_path(root)}' first on sys.path",),
                         fix=f"replace '{b.target}' with '{guess}'" if guess else
                         "correct the module path and function name")
                continue
            if not callable(fn):
                r.report("NEX407", b.span, f"binding '{b.target}' of tool '{t.name}' is not callable")
                continue
            for problem in signature_problems(fn, t.parameters):
                r.report("NEX408", b.span, f"binding '{b.target}' of tool '{t.name}' does not match its parameters: "
                         f"{problem}", fix="make the names agree, give the function a default, or accept **kwargs")
        _extensions(fw, r, root)
    finally:
        try:
            sys.path.remove(root)
        except ValueError:
            pass
        for name in set(sys.modules) - before:
            if loaded_from(sys.modules.get(name), root):
                del sys.modules[name]
        sys.modules.update(shadowing)
