"""Synthesized tools are checked, not trusted.

Three checks, in order, each on the module's text or in a child process — never by importing the module
into nexc's own process before it passed the first:

1. :func:`ast_check`: imports only from :data:`ALLOWED_IMPORTS` (plus what the user adds), no ``eval``,
   ``exec``, ``compile``, ``open``, ``__import__``, ``input``, and no dunder attributes (``__globals__``,
   ``__subclasses__``…): a tool computes from its arguments.
2. :func:`signature_check`: the function's parameters are the tool's JSON Schema ``properties`` (minus the
   runtime's injected ones), and its required parameters are exactly the schema's ``required``.
3. :func:`smoke_run`: the examples the builder wrote (``tools/M.examples.json``: ``{"fn": [{"arguments":
   {...}}]}``) run in a subprocess with a timeout, a temporary working directory, ``-I`` isolation and no
   network (``socket`` refuses to connect); each call must return without raising.

A tool that fails stays out of the framework: the judge reports it (with the reason) and the repairer fixes
the code or drops the tool.
"""
from __future__ import annotations

import ast
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile

from nexc.runtime.tools import INJECTED

ALLOWED_IMPORTS = frozenset({
    "json", "math", "re", "datetime", "collections", "itertools", "functools", "statistics", "string", "typing",
    "dataclasses", "decimal", "fractions", "random", "textwrap", "unicodedata", "urllib.parse", "hashlib",
    "base64", "uuid", "enum", "copy", "operator", "bisect", "heapq", "calendar", "zoneinfo", "difflib", "html",
    "csv", "io", "__future__"})
FORBIDDEN_CALLS = frozenset({"eval", "exec", "compile", "open", "__import__", "input", "breakpoint", "globals",
                             "locals", "vars", "memoryview"})
SMOKE_TIMEOUT_S = 10.0


@functools.lru_cache(maxsize=32)
def _parse(source: str) -> ast.Module:
    """One parse per module text (the tree is only read)."""
    return ast.parse(source)


def _allowed(module: str, allowed: frozenset[str]) -> bool:
    parts = module.split(".")
    return any(".".join(parts[:i]) in allowed for i in range(1, len(parts) + 1))


def ast_check(source: str, path: str, allowed: frozenset[str] = ALLOWED_IMPORTS) -> list[dict]:
    """Problems of a tool module's text (each ``{"file", "line", "column", "message"}``)."""
    try:
        tree = _parse(source)
    except SyntaxError as exc:
        return [{"file": path, "line": exc.lineno or 1, "column": exc.offset or 1,
                 "message": f"the module does not parse: {exc.msg}"}]
    out = []

    def bad(node, msg):
        out.append({"file": path, "line": getattr(node, "lineno", 1), "column": getattr(node, "col_offset", 0) + 1,
                    "message": msg})

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if not _allowed(a.name, allowed):
                    bad(node, f"import of '{a.name}' is not allowed in a synthesized tool (allowed: the standard "
                              "library's pure modules; extend with --allow-import)")
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level or not _allowed(mod, allowed):
                bad(node, f"import from '{'.' * node.level}{mod}' is not allowed in a synthesized tool")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            bad(node, f"'{node.func.id}()' is not allowed in a synthesized tool")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("__") and node.attr.endswith("__") \
                and node.attr not in ("__name__", "__doc__", "__init__"):
            bad(node, f"the attribute '{node.attr}' is not allowed in a synthesized tool")
        elif isinstance(node, ast.Name) and node.id in ("__builtins__", "__loader__", "__spec__"):
            bad(node, f"'{node.id}' is not allowed in a synthesized tool")
    return out


def functions(source: str) -> dict[str, int]:
    """The module's top-level functions → their line."""
    try:
        tree = _parse(source)
    except SyntaxError:
        return {}
    return {n.name: n.lineno for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def signature_check(source: str, path: str, function: str, schema: dict | None) -> list[dict]:
    """Whether ``function`` in ``source`` takes exactly the tool's parameters."""
    try:
        tree = _parse(source)
    except SyntaxError:
        return []  # ast_check reported it
    fn = next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function),
              None)
    where = {"file": path, "line": 1, "column": 1}
    if fn is None:
        return [{**where, "message": f"the module defines no function '{function}' (the tool's binding names it)"}]
    where = {"file": path, "line": fn.lineno, "column": fn.col_offset + 1}
    a = fn.args
    if a.vararg or a.kwarg:
        return [{**where, "message": f"'{function}' takes *args/**kwargs; give it exactly the tool's parameters"}]
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    params = {p.arg: d is not None for p, d in zip(positional, defaults)}
    params.update({p.arg: d is not None for p, d in zip(a.kwonlyargs, a.kw_defaults)})
    params = {k: v for k, v in params.items() if k not in INJECTED}
    props = dict((schema or {}).get("properties") or {})
    required = set((schema or {}).get("required") or ())
    out = []
    if set(params) != set(props):
        missing, extra = sorted(set(props) - set(params)), sorted(set(params) - set(props))
        out.append({**where, "message": f"'{function}' parameters {sorted(params)} differ from the tool's "
                                        f"{sorted(props)}" + (f"; missing {missing}" if missing else "")
                                        + (f"; not in the schema {extra}" if extra else "")})
    need = {k for k, has_default in params.items() if not has_default}
    if need & set(props) != required & set(params):
        out.append({**where, "message": f"'{function}' requires {sorted(need)} but the tool's schema requires "
                                        f"{sorted(required)}; give optional parameters a default"})
    return out


_RUNNER = r"""
import importlib, json, socket, sys
def _no_network(*a, **k):
    raise OSError("no network in a tool smoke run")
socket.socket.connect = _no_network
socket.create_connection = _no_network
sys.path.insert(0, ".")
module, calls = sys.argv[1], json.loads(sys.argv[2])
mod = importlib.import_module(module)
out = []
for fn, args in calls:
    try:
        value = getattr(mod, fn)(**args)
        json.dumps(value, default=str)
        out.append(None)
    except BaseException as exc:
        out.append(f"{type(exc).__name__}: {exc}"[:500])
print(json.dumps(out))
"""


def smoke_run(folder: str, module: str, calls: list[tuple[str, dict]], *,
              timeout: float = SMOKE_TIMEOUT_S) -> list[str | None] | str:
    """Run ``module``'s functions on ``calls`` (``(function, arguments)``) in a child process working in a
    copy of ``folder``: per call None (it returned) or the error; a string when the child itself failed."""
    if not calls:
        return []
    with tempfile.TemporaryDirectory(prefix="nexc-a4a-smoke-") as tmp:
        work = os.path.join(tmp, "w")
        shutil.copytree(folder, work, symlinks=False, ignore=shutil.ignore_patterns("*.jsonl", "__pycache__"))
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
               "HOME": tmp, "TMPDIR": tmp, "no_proxy": "*"}
        try:
            proc = subprocess.run([sys.executable, "-I", "-c", _RUNNER, module, json.dumps(calls)], cwd=work,
                                  env=env, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return f"the examples did not finish within {timeout:g}s"
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        return f"the module failed to run its examples: {tail[0][:500]}"
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return "the examples printed no result"
    return result if isinstance(result, list) and len(result) == len(calls) else "the examples gave no result"
