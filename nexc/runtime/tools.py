"""Tools as the runtime sees them: a precomputed OpenAI schema, the bound callable and how to call it.

Binding. ``python "module:function"`` imports ``module`` (the framework's root directory is put on
``sys.path`` first, so modules beside the spec import); ``stdlib "id"`` uses the implementation named
in ``stdlib/tools.yaml`` (``nexc.runtime.stdlib``). ``lazy`` tools import on first call. A tool
that cannot be imported stays in the toolset and answers every call with an error observation.

Injection. A tool function may declare these parameters; the runtime fills them and the model can
never set them (they are not in the schema and are dropped from the model's arguments):

- ``global_storage``: the run's :class:`~nexc.runtime.storage.GlobalStorage`;
- ``run_context``: a :class:`ToolContext` (storage, the run's context variables, agent name, trace
  id, working directory).

The same :class:`ToolContext` is also available from :func:`current_context` inside any tool, sync
or async (a context variable, copied into the worker thread of sync tools).

Execution. Async functions are awaited on the loop; sync functions run in a bounded thread pool
(``Settings.tool_workers``) — never on the event loop, where one call that blocks would stall every run
of the process — unless the function declares itself non-blocking (:func:`nonblocking`: pure
computations such as nexc's own ``think``, ``finish`` and storage tools), which then runs on the loop
when ``Settings.inline_fast_tools`` is on (the default) and the call has no timeout. Exceptions, bad JSON
arguments, missing required arguments and unknown tools become observations (``Error: …`` strings) for
the model, never crashes.
"""
from __future__ import annotations

import contextvars
import functools
import importlib
import inspect
import json
import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

#: The one list of the parameters the runtime injects (see "Injection" above). ``nexc lint --check-imports``
#: (``nexc.checks.imports``) and NexAU's reserved names (``nexc.frontend.nexau.toolset``) are spelled from it.
#: This module imports only light standard-library modules at its top (asyncio and the thread pool are
#: imported where a call runs) so that lint can read this list without loading the runtime's machinery.
INJECTED = ("global_storage", "run_context")
#: the attribute :func:`nonblocking` sets on a function
NONBLOCKING = "__nexc_nonblocking__"


def nonblocking(fn: Callable) -> Callable:
    """Declare a sync tool function non-blocking: it never waits on I/O, locks or sleeps and returns at
    once, so the runtime may call it on the event loop instead of handing it to a thread."""
    setattr(fn, NONBLOCKING, True)
    return fn

_current: contextvars.ContextVar["ToolContext | None"] = contextvars.ContextVar("nexc_tool_context", default=None)


class ToolContext:
    """What a tool may know about the run calling it."""

    __slots__ = ("storage", "variables", "agent_name", "trace_id", "workdir", "root_dir", "agent_id")

    def __init__(self, storage, variables: dict, agent_name: str, trace_id: str, workdir: str, root_dir: str,
                 agent_id: str | None = None):
        self.storage, self.variables, self.agent_name = storage, variables, agent_name
        self.trace_id, self.workdir, self.root_dir = trace_id, workdir, root_dir
        self.agent_id = agent_id or agent_name


def current_context() -> ToolContext | None:
    """The :class:`ToolContext` of the tool call running now (``None`` outside tool calls)."""
    return _current.get()


class ToolError(Exception):
    """A tool call the runtime refuses (bad arguments, unknown tool); its text is the observation."""


def has_own_module(root_dir: str, top: str) -> bool:
    """Whether the framework's folder ``root_dir`` has its own module or package ``top``."""
    return os.path.exists(os.path.join(root_dir, top + ".py")) or os.path.isdir(os.path.join(root_dir, top))


def loaded_from(mod: Any, root_dir: str) -> bool:
    """Whether the imported module ``mod`` (a file, a package or a namespace folder) lies under ``root_dir``."""
    f = getattr(mod, "__file__", None) or ""
    paths = list(getattr(mod, "__path__", None) or ())
    real = os.path.realpath(root_dir)
    return any(os.path.realpath(p).startswith(real + os.sep) for p in [f, *paths] if p)


#: held while a framework's modules are imported: ``sys.modules`` is one for the process, and frameworks with
#: modules of the same name (A4A batches and GAP jobs check and load them from several threads) must not see
#: each other's half-done set-aside
IMPORT_LOCK = threading.RLock()


def claim_namespace(root_dir: str, top: str) -> None:
    """Make the folder ``root_dir/top`` (a package without ``__init__.py``) the module ``top``.

    Python's path finder prefers a regular module anywhere on ``sys.path`` (another framework's
    ``tools.py``) to a namespace folder, even one earlier on the path; the framework's own folder must win.
    """
    folder = os.path.join(root_dir, top)
    if not os.path.isdir(folder) or os.path.exists(os.path.join(folder, "__init__.py")):
        return
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.ModuleSpec(top, None, is_package=True)
    spec.submodule_search_locations = [folder]
    sys.modules[top] = importlib.util.module_from_spec(spec)


def import_target(target: str, root_dir: str | None = None) -> Any:
    """``"package.module:attr.sub"`` → the object, found in ``root_dir`` first.

    Several frameworks may run in one process (GAP, A4A batches) with modules of the same name
    (``tools``, ``helpers``): when the framework's folder has its own module ``top`` and another one of that
    name is already imported, the other is set aside while this one imports, and put back after (the tool
    keeps its own module's objects)."""
    with IMPORT_LOCK:
        return _import_target(target, root_dir)


def _import_target(target: str, root_dir: str | None) -> Any:
    mod_name, _, attr = target.partition(":")
    if not mod_name or not attr:
        raise ImportError(f"'{target}' is not 'module:function'")
    top = mod_name.split(".")[0]
    saved: dict[str, Any] = {}
    if root_dir:
        if sys.path[:1] != [root_dir]:
            if root_dir in sys.path:
                sys.path.remove(root_dir)
            sys.path.insert(0, root_dir)
        cur = sys.modules.get(top)
        if cur is not None and has_own_module(root_dir, top) and not loaded_from(cur, root_dir):
            saved = {n: m for n, m in sys.modules.items() if n == top or n.startswith(top + ".")}
            for n in saved:
                del sys.modules[n]
            importlib.invalidate_caches()
        if top not in sys.modules:
            claim_namespace(root_dir, top)
    try:
        obj: Any = importlib.import_module(mod_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj
    finally:
        if saved:
            for n in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
                del sys.modules[n]
            sys.modules.update(saved)


def to_text(value: Any) -> str:
    """A tool's return value as observation text (JSON for structured values)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (dict, list, tuple, int, float, bool)):
        try:
            return json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            pass
    return str(value)


def openai_schema(name: str, description: str, parameters: dict) -> dict:
    """The ``tools`` entry the API expects."""
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}


class ToolImpl:
    """One callable tool of an agent. ``kind``: ``python`` (a function) or ``agent`` (a sub-agent)."""

    __slots__ = ("name", "description", "parameters", "schema", "kind", "fn", "is_async", "parallel", "inject",
                 "extra_kwargs", "required", "error", "target", "root_dir", "agent", "accepts_any",
                 "inline", "annotations", "null_is_absent", "sim", "validator")

    def __init__(self, name: str, description: str, parameters: dict, *, kind: str = "python",
                 fn: Callable | None = None, parallel: bool = True, extra_kwargs: dict | None = None,
                 target: str | None = None, root_dir: str | None = None, agent: str | None = None,
                 error: str | None = None, strict_optional: dict[str, bool] | None = None):
        self.name, self.description, self.parameters = name, description, parameters
        strict_optional = strict_optional or {}
        #: parameters whose null means "left out" (optional ones an openai-strict schema made nullable)
        self.null_is_absent = frozenset(k for k, made_nullable in strict_optional.items() if made_nullable)
        self.schema = openai_schema(name, description, parameters)
        self.kind, self.parallel, self.extra_kwargs = kind, parallel, dict(extra_kwargs or {})
        # an openai-strict schema requires every property; the ones that were optional stay optional here
        self.required = tuple(k for k in parameters.get("required") or () if k not in strict_optional)
        self.target, self.root_dir, self.agent, self.error = target, root_dir, agent, error
        self.fn = None
        self.is_async = False
        self.inject: tuple[str, ...] = ()
        self.accepts_any = False
        self.inline = False
        self.annotations: dict = {}  # MCP tool annotations (readOnlyHint, destructiveHint, …)
        self.sim: dict | None = None  # a simulated tool: its prompt, examples and returns
        #: the JSON Schema validator of the arguments (built on first use; False: none, e.g. an MCP tool,
        #: whose call validates, or a schema jsonschema cannot use)
        self.validator: Any = None
        if fn is not None:
            self._bind(fn)

    def _bind(self, fn: Callable) -> None:
        self.fn = fn
        self.is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            params = {}
        self.inject = tuple(n for n in INJECTED if n in params)
        self.accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        self.inline = not self.is_async and getattr(fn, NONBLOCKING, False) is True

    def resolve(self) -> None:
        """Import a lazy binding (on first call)."""
        if self.fn is None and self.error is None and self.target:
            try:
                self._bind(import_target(self.target, self.root_dir))
            except Exception as exc:  # noqa: BLE001
                self.error = f"cannot import '{self.target}': {type(exc).__name__}: {exc}"

    def arguments(self, raw: Any, *, check_required: bool = True) -> dict:
        """The model's arguments (JSON text or dict) checked for shape and (``check_required``) required keys."""
        if isinstance(raw, str):
            if not raw.strip():
                args: Any = {}
            else:
                try:
                    args = json.loads(raw)
                except ValueError as exc:
                    raise ToolError(f"the arguments of '{self.name}' are not valid JSON ({exc}); "
                                    f"send a JSON object matching the tool's parameters") from None
        else:
            args = raw if raw is not None else {}
        if not isinstance(args, dict):
            raise ToolError(f"the arguments of '{self.name}' must be a JSON object, not {type(args).__name__}")
        if self.null_is_absent and None in args.values():
            args = {k: v for k, v in args.items() if v is not None or k not in self.null_is_absent}
        missing = [k for k in self.required if k not in args] if check_required else ()
        if missing:
            raise ToolError(f"'{self.name}' is missing required argument(s): {', '.join(missing)}")
        return args

    def prepare_validator(self):
        """Build the arguments' validator now (plans do it when a framework is loaded, so that the first
        call does not pay for it on the event loop); returns it (False: none)."""
        if self.validator is None:
            schema = self.parameters
            if isinstance(schema, dict) and list(schema.get("required") or ()) != list(self.required):
                schema = {**schema, "required": list(self.required)}  # openai-strict optional ones stay optional
            self.validator = schema_validator(schema) or False
        return self.validator

    def validate(self, args: dict) -> None:
        """Check ``args`` against the tool's parameters (JSON Schema: types, enums, required keys, bounds;
        the validator is built once per tool); raises :class:`ToolError` naming every problem (up to five)."""
        v = self.validator if self.validator is not None else self.prepare_validator()
        if v is False:
            return
        if any(k in args for k in INJECTED):
            args = {k: x for k, x in args.items() if k not in INJECTED}
        problem = schema_problems(v, args)
        if problem:
            raise ToolError(f"invalid arguments for '{self.name}': {problem}; the tool was not called")


def schema_validator(schema: Any):
    """A jsonschema validator for ``schema`` (its own draft, else 2020-12), or None when the schema cannot be
    used (then the arguments are not checked)."""
    if not isinstance(schema, dict):
        return None
    import jsonschema

    try:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        cls.check_schema(schema)
        return cls(schema)
    except Exception:  # noqa: BLE001 - a schema we cannot use
        return None


def schema_problems(validator, args: Any) -> str | None:
    """What is wrong with ``args`` for ``validator`` (``'path': message`` parts, at most five), or None."""
    errors = sorted(validator.iter_errors(args), key=lambda e: [str(p) for p in e.path])
    if not errors:
        return None
    msgs = [(f"'{'.'.join(map(str, e.path))}': " if e.path else "") + e.message for e in errors[:5]]
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(msgs) + more


_pools: dict[int, ThreadPoolExecutor] = {}


def thread_pool(workers: int) -> ThreadPoolExecutor:
    """The process-wide pool for sync tools (one per size)."""
    pool = _pools.get(workers)
    if pool is None:
        from concurrent.futures import ThreadPoolExecutor

        pool = _pools[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nexc-tool")
    return pool


async def call_function(tool: ToolImpl, args: dict, ctx: ToolContext, pool: ThreadPoolExecutor,
                        timeout: float | None, inline_ok: bool = True) -> Any:
    """Run a python tool with ``args`` (plus injected parameters); return what it returned (the
    profile makes the observation text of it)."""
    import asyncio

    if tool.fn is None:
        tool.resolve()
        if tool.fn is None:
            raise ToolError(f"tool '{tool.name}' is unavailable: {tool.error or 'no implementation bound'}")
    kwargs = {k: v for k, v in args.items() if k not in INJECTED} if tool.inject or "global_storage" in args \
        or "run_context" in args else dict(args)
    if tool.extra_kwargs:
        kwargs.update(tool.extra_kwargs)
    for name in tool.inject:
        kwargs[name] = ctx.storage if name == "global_storage" else ctx
    token = _current.set(ctx)
    try:
        if tool.is_async:
            coro = tool.fn(**kwargs)
            result = await (asyncio.wait_for(coro, timeout) if timeout else coro)
        elif tool.inline and inline_ok and not timeout:  # declared non-blocking
            result = tool.fn(**kwargs)
        else:
            fut = asyncio.get_running_loop().run_in_executor(
                pool, contextvars.copy_context().run, functools.partial(tool.fn, **kwargs))
            result = await (asyncio.wait_for(fut, timeout) if timeout else fut)
    finally:
        _current.reset(token)
    return result


def safe_path(workdir: str, path: str) -> str:
    """``path`` inside ``workdir`` (raises ``ToolError`` for paths that escape it)."""
    base = os.path.realpath(workdir)
    full = os.path.realpath(os.path.join(base, path))
    if full != base and not full.startswith(base + os.sep):
        raise ToolError(f"path '{path}' is outside the working directory")
    return full
