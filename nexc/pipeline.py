"""The compiler pipeline, in order, in one place.

    frontend (per file) → imports → resolve → checks → optimise → (emitters, chosen by the command)

:data:`CHECKS` and :data:`OPTIMISATIONS` name the pass modules in the order they run. The contracts are
typed here: each check module's ``check`` is a :class:`Check`, each optimisation's ``optimise`` an
:class:`Optimisation`, each build target's emit function an :class:`Emitter`; :func:`load_pass` refuses
anything else with a :class:`ContractError`. What a command asks of a build is :class:`BuildOptions`; what
passes know besides the IR is :class:`PassContext`.
"""
from __future__ import annotations

import dataclasses
import inspect
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping, Protocol, TypeVar

from nexc._lazy import load_ref
from nexc.diagnostics import Reporter
from nexc.ir.base import Span
from nexc.ir.model import Framework
from nexc.ir.surface import SourceFile

#: Whole-framework checks, in order (module paths; each exposes ``check``).
CHECKS: tuple[str, ...] = tuple(f"nexc.checks.{m}" for m in (
    "name_clash", "unused", "delegation_cycle", "stop_tools", "tool_schema", "imports", "template_vars",
    "tool_format", "tool_names", "skills", "secrets", "context_size", "mcp_lock"))
#: Optimisation passes, in order (module paths; each exposes ``optimise``).
OPTIMISATIONS: tuple[str, ...] = tuple(f"nexc.optimise.{m}" for m in (
    "drop_unreachable", "normalise_schemas", "merge_identical", "canonical_order"))


@dataclass(frozen=True)
class BuildOptions:
    """What the command asked of the build — every option a pass or an emitter reads."""

    #: tool-call formats the training templates are written for (``nexc build --target dataset --format``);
    #: empty: the ``tool_format`` of every agent
    formats: tuple[str, ...] = ()
    #: the JSON Schema form ``normalise_schemas`` writes (``--schema-target``, with ``-O``)
    schema_target: Literal["default", "openai-strict"] = "default"
    #: import every python binding and extension and compare signatures (NEX407, NEX408)
    check_imports: bool = False
    #: tools whose implementation cannot be found run simulated (``--simulate-missing``), before the checks
    simulate_missing: bool = False

    @classmethod
    def of(cls, value: BuildOptions | Mapping[str, Any] | None) -> BuildOptions:
        """``value`` as :class:`BuildOptions`; a mapping of the same keys (how callers passed options before)
        is converted — ``formats`` may be a comma-separated string, ``schema_target`` ``None`` — and an
        unknown key is a ``TypeError`` naming the known ones."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise TypeError(f"unknown build option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        kw = dict(value)
        if "formats" in kw:
            fmts = kw["formats"] or ()
            kw["formats"] = tuple(x.strip() for x in (fmts.split(",") if isinstance(fmts, str) else fmts) if x.strip())
        if kw.get("schema_target") is None:
            kw.pop("schema_target", None)
        elif kw["schema_target"] not in ("default", "openai-strict"):
            raise TypeError(f"schema_target must be 'default' or 'openai-strict', not {kw['schema_target']!r}")
        for k in ("check_imports", "simulate_missing"):
            if k in kw:
                kw[k] = bool(kw[k])
        return cls(**kw)


@dataclass
class PassContext:
    """What passes and emitters may know besides the IR: where the framework lives, the files of the build
    (surface IR, in load order: the root first), the options, and the text of every file the build read
    (``sources``: path as diagnostics name it → text)."""

    root_dir: Path
    files: list[SourceFile] = field(default_factory=list)
    options: BuildOptions = field(default_factory=BuildOptions)
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.options = BuildOptions.of(self.options)  # a dict of options still works


class Check(Protocol):
    """A whole-framework check (``nexc.checks.<name>:check``): reports into ``reporter``, returns nothing,
    never changes ``fw``."""

    def __call__(self, fw: Framework, reporter: Reporter, ctx: PassContext | None, /) -> None: ...


class Optimisation(Protocol):
    """An optimisation pass (``nexc.optimise.<name>:optimise``): a new framework, the input unchanged."""

    def __call__(self, fw: Framework, ctx: PassContext | None, /) -> Framework: ...


class Emitter(Protocol):
    """A build target's emit function (``nexc.emit`` registry): writes into ``out`` (an
    :class:`~nexc.emit.writer.OutputDir`) and returns what to tell the user."""

    def __call__(self, fw: Framework, ctx: PassContext, out: Any, /) -> Any: ...


#: How many positional arguments each contract's function takes.
_ARITY: dict[type, int] = {Check: 3, Optimisation: 2, Emitter: 3}
P = TypeVar("P")


class ContractError(TypeError):
    """A registered check, optimisation or emitter that is not the function its contract asks for."""


def conform(obj: Any, contract: type[P], ref: str) -> P:
    """``obj`` when it can be called as ``contract`` asks (a callable taking that many positional
    arguments); else a :class:`ContractError` naming ``ref`` and the contract."""
    n = _ARITY[contract]
    want = f"a {contract.__name__}: a function of {n} positional arguments{_signature(contract)}"
    if not callable(obj) or isinstance(obj, type):
        raise ContractError(f"{ref} is {type(obj).__name__}, not {want}")
    try:
        inspect.signature(obj).bind(*range(n))
    except TypeError:
        raise ContractError(f"{ref} takes {inspect.signature(obj)}; it must be {want}") from None
    except ValueError:  # no signature to read (a builtin): trust it
        pass
    return obj


def load_pass(ref: str, contract: type[P]) -> P:
    """The function ``ref`` (``"module:attr"``) names, checked against ``contract``: a module without it,
    or one that is not such a function, is a :class:`ContractError` (import errors propagate)."""
    module, _, attr = ref.partition(":")
    try:
        obj = load_ref(ref)
    except AttributeError:
        raise ContractError(f"module {module} has no '{attr}'; a {contract.__name__} module must define "
                            f"{attr}{_signature(contract)}") from None
    return conform(obj, contract, ref)


def _signature(contract: type) -> str:
    params = list(inspect.signature(contract.__call__).parameters)[1:]
    return f" ({', '.join(params)})"



@dataclass
class CompileResult:
    """The resolved framework (``None`` when it could not be built) and everything reported on the way."""

    framework: Framework | None
    reporter: Reporter
    context: PassContext | None = None
    #: diagnostics that ``# nex: ignore[…]`` comments silenced (lint reports the comments that matched none)
    suppressed: list = field(default_factory=list)
    #: the text of every file the build read or a diagnostic points at (path → text): code frames
    #: (``render_text(diags, res.sources)``), suppressions and edits are made from it
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.framework is not None and not self.reporter.has_errors


def load_files(path: str, r: Reporter, *, kind: str | None = None) -> list[SourceFile]:
    """The root file and every file it imports (depth first, each once), parsed by their frontends."""
    from nexc.frontend import load_source
    from nexc.source import PROJECT_MARKERS, display_path, project_root, within

    root = load_source(path, r, kind=kind)
    if root is None:
        return []
    files, seen = [root], {os.path.realpath(path)}
    project = project_root(os.path.dirname(os.path.abspath(path)))

    def visit(f: SourceFile, stack: tuple[str, ...]) -> None:
        for imp in f.imports:
            target = os.path.normpath(os.path.join(os.path.dirname(f.path), imp.path))
            real = os.path.realpath(target)
            if real in stack:
                r.report("NEX007", imp.span, f"import of '{imp.path}' closes a cycle",
                         notes=tuple(f"imported by {display_path(s)}" for s in stack[1:]))
                continue
            if real in seen:
                continue
            if not within(real, project):  # nothing outside the project is read (its text would be shown)
                r.report("NEX309", imp.span, f"import '{imp.path}' is outside the project root '{display_path(project)}'",
                         notes=("the project root is the nearest folder above the spec holding "
                                + ", ".join(PROJECT_MARKERS) + "; without one, the spec's own folder",),
                         fix="move the file into the project, or mark the project's top folder (e.g. an empty .nexc-root)")
                continue
            if not os.path.exists(target):
                r.report("NEX006", imp.span, f"imported file '{imp.path}' does not exist (looked for '{target}')")
                continue
            seen.add(real)
            sub = load_source(target, r, span=imp.span)
            if sub is not None:
                files.append(sub)
                visit(sub, stack + (real,))

    visit(root, (os.path.realpath(path),))
    return files


def _guard(r: Reporter, where: Span, fn, *args):
    try:
        return fn(*args)
    except RecursionError:
        r.report("NEX107", where, "the input is nested too deeply to process")
    except Exception as exc:  # a bug in nexc must surface as a diagnostic, not a traceback
        if os.environ.get("NEXC_DEBUG"):
            traceback.print_exc()
        r.report("NEX900", where, f"internal error in {getattr(fn, '__module__', '?')}: {type(exc).__name__}: {exc}",
                 notes=("this is a bug in nexc; set NEXC_DEBUG=1 to see the traceback",))
    return None


def compile_path(path: str | os.PathLike, *, kind: str | None = None, reporter: Reporter | None = None,
                 options: BuildOptions | Mapping[str, Any] | None = None, optimise: bool = False,
                 checks: bool = True) -> CompileResult:
    """Parse, resolve and check the spec at ``path`` (and its imports). Never raises on bad input.

    ``options`` are :class:`BuildOptions` (a dict of the same keys is converted). ``checks=False`` stops
    after resolve (the framework as the frontends and resolve give it)."""
    from nexc.passes.resolve import resolve
    from nexc.source import display_path

    opts = BuildOptions.of(options)
    r = reporter or Reporter()
    shown = display_path(path)
    where = Span.point(shown)
    files = _guard(r, where, lambda: load_files(str(path), r, kind=kind)) or []
    if not files:
        return _result(None, r, None)
    root_dir = Path(files[0].root_dir) if files[0].root_dir else Path(files[0].path).parent
    ctx = PassContext(root_dir=root_dir.resolve(), files=files, options=opts, sources=r.sources)
    fw = _guard(r, where, lambda: resolve(files, r, root_dir=root_dir))
    if fw is None:
        return _result(None, r, ctx)
    if opts.simulate_missing:  # before the checks: simulated tools need no code
        from nexc.passes.simulate_missing import simulate_missing

        fw = _guard(r, fw.span, simulate_missing, fw, ctx.root_dir, r) or fw
    for mod in CHECKS if checks else ():
        check = _guard(r, fw.span, load_pass, f"{mod}:check", Check)
        if check is not None:
            _guard(r, fw.span, check, fw, r, ctx)
    suppressed = suppress(r, ctx)
    if optimise and not r.has_errors:
        for mod in OPTIMISATIONS:
            step = _guard(r, fw.span, load_pass, f"{mod}:optimise", Optimisation)
            if step is not None:
                fw = _guard(r, fw.span, step, fw, ctx) or fw
    return _result(fw, r, ctx, suppressed)


def _result(fw: Framework | None, r: Reporter, ctx: PassContext | None, suppressed: list | None = None):
    """The :class:`CompileResult`, with the texts of the files its diagnostics point at (a prompt file, a
    lockfile: read now, safely, when the build did not read them as specs)."""
    from nexc.source import add_texts

    if suppressed is None:
        suppressed = suppress(r, ctx)
    add_texts(r.sources, (d.span.file for d in r.diagnostics))
    return CompileResult(fw, r, ctx, suppressed, r.sources)


def suppress(r: Reporter, ctx: PassContext | None) -> list:
    """Drop the diagnostics that ``# nex: ignore[…]`` comments silence, in every file of the build and for
    every command (not only lint); returns what was dropped."""
    texts = {f: t for f, t in r.sources.items() if "nex:" in t}
    if not texts:
        return []
    from nexc.lint.suppress import apply

    kept, _ = apply(r.diagnostics, texts)
    if len(kept) == len(r.diagnostics):
        return []
    keep = {id(d) for d in kept}
    dropped = [d for d in r.diagnostics if id(d) not in keep]
    r.diagnostics[:] = kept
    return dropped
