"""bundle: an importable, runnable Python package for a framework (``DIR/<name>/``).

The package holds ``__init__.py`` (a lazily built ``framework``), ``__main__.py`` (``python -m <name>``
with the options of ``nexc run``), ``spec.py`` (every definition as a Python literal), ``manifest.json``,
``sourcemap.json`` (generated line → spec span), the prompt files, skill folders, the local modules of the
bindings with every module of the spec's folder they import (followed on their ``ast``, transitively:
:mod:`nexc.emit.modules`; imports found neither there nor installed are reported) and ``nexc.mcp.lock.json``
(the fresh MCP lock entries of its servers: their tools' schemas). Beside the package, ``pyproject.toml``
makes the folder an installable distribution (``pip install DIR``) that requires this nexc release series
and the installed distributions the modules import; it installs a ``<name>`` command.
Nothing from a spec reaches generated Python except through :func:`literal` (``repr`` encoding); the
package name is validated, so neither building nor importing a bundle can execute spec content.
"""
from __future__ import annotations

import functools
import json
import keyword
import math
import os
import posixpath
import re
import sys
from pathlib import Path
from typing import Any

from nexc.emit.manifest import _relative_spans, manifest_text
from nexc.emit.result import EmitError, EmitResult
from nexc.ir.base import strip_spans
from nexc.version import SOURCEMAP_VERSION, __version__

#: Files the bundle writes itself; a local tool module may not take these names.
RESERVED = frozenset({"__init__", "__main__", "spec", "manifest", "sourcemap"})
SECTIONS = (("llms", "LLMS", "llm"), ("tools", "TOOLS", "tool"), ("mcp_servers", "MCP_SERVERS", "mcp"),
            ("skills", "SKILLS", "skill"), ("agents", "AGENTS", "agent"))
_SKIP = {"__pycache__", ".git", ".nexc-files"}


#: Top-level modules the runtime needs, when the installed metadata cannot be read.
_KNOWN_DEPENDENCY_MODULES = frozenset({
    "nexc", "click", "pydantic", "pydantic_core", "openai", "jinja2", "markupsafe", "yaml", "lark", "jsonschema",
    "jsonschema_specifications", "referencing", "rpds", "attrs", "attr", "mcp", "anyio", "sniffio", "idna", "h11",
    "httpx", "httpx2", "httpcore", "httpcore2", "certifi", "typing_extensions", "annotated_types", "distro", "jiter",
    "tqdm", "starlette", "sse_starlette", "uvicorn", "typing_inspection", "multipart", "python_multipart"})


@functools.lru_cache(maxsize=1)
def dependency_modules() -> frozenset[str]:
    """Every top-level module name of nexc's installed (non-optional) dependencies, transitively: a bundle
    named like one of them would shadow it (``anyio``, ``h11``, ``mcp``, …)."""
    import re
    from importlib import metadata

    names: set[str] = set(_KNOWN_DEPENDENCY_MODULES)
    seen: set[str] = set()
    todo = ["nexc"]
    while todo:
        dist_name = todo.pop()
        key = re.sub(r"[-_.]+", "-", dist_name).lower()
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            continue
        top = dist.read_text("top_level.txt")
        if top:
            names.update(t.strip() for t in top.split() if t.strip().isidentifier())
        for f in dist.files or ():
            first = f.parts[0] if f.parts else ""
            if first.endswith(".py"):
                first = first[:-3]
            if first.isidentifier() and not first.endswith((".dist-info", ".data")):
                names.add(first)
        for req in dist.requires or ():
            if "extra ==" in req.replace('"', " ").replace("'", " ") or "extra==" in req:
                continue
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
            if m:
                todo.append(m.group(1))
    return frozenset(n for n in names if n.isidentifier())


def _located(span):
    """``span`` when it points into a real file (not a synthesised ``<builtin>`` node), else None."""
    return span if span is not None and not str(getattr(span, "file", "<")).startswith("<") else None


def package_name(name: str, what: str, span=None) -> str:
    """``name`` if it can name the bundle's Python package; otherwise raise :class:`EmitError` (NEX500)."""
    problem = None
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        problem = "is not a Python identifier (use letters, digits and _, not starting with a digit)"
    elif keyword.iskeyword(name) or keyword.issoftkeyword(name):
        problem = "is a Python keyword"
    elif name.startswith("__") or name in RESERVED:
        problem = "is reserved in a bundle"
    elif name in sys.stdlib_module_names or name in dependency_modules():
        problem = "would shadow a module the bundle needs (the standard library or one of nexc's dependencies)"
    if problem:
        raise EmitError("NEX500", f"{what} {name!r} {problem}; rename it to build a bundle", _located(span))
    return name


def literal(value: Any, indent: int = 0) -> str:
    """``value`` (JSON-like data) as Python source that evaluates to an equal value; strings via ``repr``."""
    pad, inner = " " * indent, " " * (indent + 4)
    if value is None or isinstance(value, bool) or isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EmitError("NEX501", f"{value!r} cannot be written into a bundle")
        return repr(value)
    if isinstance(value, str):
        lines = value.splitlines(keepends=True)
        if len(lines) > 1 and all(line.endswith("\n") for line in lines[:-1]) and "\r" not in value:
            return "(\n" + "".join(f"{inner}{line!r}\n" for line in lines) + f"{pad})"
        return repr(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[\n" + "".join(f"{inner}{literal(v, indent + 4)},\n" for v in value) + f"{pad}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        for k in value:
            if not isinstance(k, str):
                raise EmitError("NEX501", f"mapping key {k!r} is not a string")
        return "{\n" + "".join(f"{inner}{k!r}: {literal(v, indent + 4)},\n" for k, v in value.items()) + f"{pad}}}"
    raise EmitError("NEX501", f"a {type(value).__name__} cannot be written into a bundle")


def _span_text(span: dict | None) -> str:
    if not span:
        return "<builtin>"
    return repr(f"{span['file']}:{span['line']}:{span['column']}-{span['end_line']}:{span['end_column']}")


def _inside(root: Path, rel: str, what: str) -> Path:
    p = (root / rel).resolve()
    if p != root and root not in p.parents:
        raise EmitError("NEX502", f"{what} {rel!r} is outside the framework folder {root}")
    return p


def contained_files(root: Path, source: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """The files of ``source`` (a file, or a folder walked in name order; ``__pycache__``, ``.git`` and
    ``*.pyc`` left out) that stay inside ``root``: ``[(path relative to source, "" for source itself), file to
    read]``, and the paths (relative to ``root``) of the symbolic links left out because they point outside it.
    A link is followed only to a target inside ``root``; folders are walked once (no cycles)."""
    base = os.path.realpath(root)

    def inside(p: str) -> bool:
        real = os.path.realpath(p)
        return real == base or real.startswith(base + os.sep)

    def rel(p: str) -> str:
        return os.path.relpath(p, root).replace(os.sep, "/")

    files: list[tuple[str, Path]] = []
    if not inside(source):
        return files, [rel(str(source))]
    if not os.path.isdir(source):
        return ([("", Path(os.path.realpath(source)))] if os.path.isfile(source) else []), []
    skipped, seen, todo = [], set(), [(str(source), "")]
    while todo:
        folder, prefix = todo.pop()
        if os.path.realpath(folder) in seen:
            continue
        seen.add(os.path.realpath(folder))
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        subdirs = []
        for e in entries:
            if e.name in _SKIP or e.name.endswith(".pyc"):
                continue
            if e.is_symlink() and not inside(e.path):
                skipped.append(rel(e.path))
            elif e.is_dir():
                subdirs.append((e.path, f"{prefix}{e.name}/"))
            elif e.is_file():
                files.append((f"{prefix}{e.name}", Path(os.path.realpath(e.path))))
        todo.extend(reversed(subdirs))
    return sorted(files), sorted(skipped)


def _copy_tree(out, pkg: str, root: Path, rel: str) -> list[str]:
    """Copy ``root/rel`` (a file or folder) to ``pkg/rel``; returns the links left out (outside ``root``)."""
    files, skipped = contained_files(root, root / rel)
    for sub, real in files:
        out.add(posixpath.normpath(f"{pkg}/{rel}/{sub}" if sub else f"{pkg}/{rel}"), real.read_bytes())
    return skipped


def _local_modules(fw, root: Path):
    """What of the framework folder the bundle copies as code: the top-level modules and packages the bindings
    name (a package folder whole, with its data files) and every module file of the folder they import,
    transitively (:func:`nexc.emit.modules.scan`); returns ``(paths relative to root, the scan)``."""
    from nexc.emit.modules import binding_targets, scan

    found = scan(fw, root)
    paths: list[str] = []
    for target in binding_targets(fw):
        top = target.partition(":")[0].split(".")[0]
        if (root / top / "__init__.py").is_file():
            paths.append(top)
        elif (root / f"{top}.py").is_file():
            paths.append(f"{top}.py")
    covered = {p for p in paths if not p.endswith(".py")}
    paths += [f for f in found.files if f.split("/")[0] not in covered]
    paths = sorted(dict.fromkeys(paths))
    for rel in paths:
        top = rel.split("/")[0].removesuffix(".py")
        if top in RESERVED:
            raise EmitError("NEX500", f"module {rel!r} (imported by a tool or extension) collides with a bundle "
                            "file; rename it")
    return paths, found


def _external_requirements(found) -> list[str]:
    """Distributions (other than nexc and its dependencies) that the copied modules import: they go into the
    bundle's ``pyproject.toml`` next to nexc."""
    from importlib import metadata

    tops = sorted({t for t in found.installed if t not in sys.stdlib_module_names and t not in dependency_modules()})
    if not tops:
        return []
    try:
        dists = metadata.packages_distributions()
    except Exception:  # noqa: BLE001 - broken metadata: leave the requirements to the user
        return []
    return sorted({d for t in tops for d in dists.get(t, ())} - {"nexc"})


def _pyproject(fw, pkg: str, source: str, extra: list[str]) -> str:
    """The bundle's ``pyproject.toml``: an installable distribution of the package that needs this nexc."""
    major, minor = (int(x) for x in __version__.split(".")[:2])
    below = f"{major}.{minor + 1}" if major == 0 else f"{major + 1}"  # the next release that may break bundles
    version = fw.metadata.get("version")
    if not (isinstance(version, str) and re.fullmatch(r"\d+(\.\d+)*", version)):
        version = "0.0.0"
    deps = [f"nexc>={__version__},<{below}", *extra]

    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a TOML basic string

    lines = [f"# Generated by nexc {__version__} from {source!r} — do not edit; rebuild with `nexc build`.",
             "# pip install . (or build a wheel) to ship this framework on its own; run it with",
             f"# `python -m {pkg} \"task\"` or `{pkg} \"task\"`.",
             "[build-system]", 'requires = ["setuptools>=64"]', 'build-backend = "setuptools.build_meta"', "",
             "[project]", f"name = {q(pkg)}", f"version = {q(version)}",
             f"description = {q(' '.join(fw.description.split()))}", 'requires-python = ">=3.11"',
             "dependencies = [" + ", ".join(q(d) for d in deps) + "]", "",
             "[project.scripts]", f"{pkg} = {q(pkg + '.__main__:main')}", "",
             "[tool.setuptools.packages.find]", 'where = ["."]', f"include = [{q(pkg)}, {q(pkg + '.*')}]",
             "namespaces = true", "",
             "[tool.setuptools.package-data]", f'{pkg} = ["**/*"]', ""]
    return "\n".join(lines)


def _render(name: str, **values) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from nexc.resources import data_dir

    env = Environment(loader=FileSystemLoader(str(data_dir("templates") / "bundle")), autoescape=False,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    return env.get_template(name).render(**values)


def spec_source(fw, root: Path, source: str) -> tuple[str, dict]:
    """``spec.py`` and its source map."""
    data = _relative_spans(fw.model_dump(mode="json"), root)
    top = {k: v for k, v in strip_spans(data).items() if k not in {s[0] for s in SECTIONS}}
    sections, pending = [], []
    for key, var, kind in SECTIONS:
        items = []
        for d in data[key]:
            items.append({"kind": kind, "name": literal(d.get("name")), "span": _span_text(d.get("span")),
                          "literal": "    " + literal(strip_spans(d), 4)})
            pending.append((kind, d.get("name"), d.get("span")))
        sections.append({"var": var, "key_lit": repr(key), "defs": items})
    text = _render("spec.py.j2", version=__version__, source=repr(source), name_lit=repr(fw.name),
                   framework=literal(top), sections=sections)
    # Map each definition's lines (found by the comment that opens it) back to its span.
    lines, mappings, i = text.split("\n"), [], 0
    for kind, name, span in pending:
        marker = f"    # {kind} {literal(name)} — "
        while not lines[i].startswith(marker):
            i += 1
        start, j = i + 2, i + 1
        while not (lines[j] == "    }," or lines[j] == "    },"):
            j += 1
        mappings.append({"lines": [start, j + 1], "kind": kind, "name": name, "span": span})
        i = j
    return text, {"version": SOURCEMAP_VERSION, "file": "spec.py", "source": source, "mappings": mappings}


def emit(fw, ctx, out) -> EmitResult:
    """Write the bundle package ``<name>/`` into ``out``."""
    pkg = package_name(fw.name, "framework name", getattr(fw, "span", None))
    root = Path(ctx.root_dir).resolve()
    files = getattr(ctx, "files", None) or []
    source = os.path.relpath(Path(files[0].path).resolve(), root).replace(os.sep, "/") if files else "<ir>"
    spec_py, smap = spec_source(fw, root, source)
    common = {"version": __version__, "source": repr(source), "name_lit": repr(pkg)}
    out.add(f"{pkg}/__init__.py", _render("__init__.py.j2", **common))
    out.add(f"{pkg}/__main__.py", _render("__main__.py.j2", **common))
    out.add(f"{pkg}/spec.py", spec_py)
    out.add(f"{pkg}/sourcemap.json", json.dumps(smap, indent=1, ensure_ascii=False) + "\n")
    out.add(f"{pkg}/manifest.json", manifest_text(fw, ctx))
    for a in fw.agents:
        if a.prompt and a.prompt.file:
            p = _inside(root, a.prompt.file, "prompt file")  # a link is followed only to a file inside root
            out.add(f"{pkg}/{Path(a.prompt.file).as_posix()}", p.read_bytes())
    outside: list[str] = []
    for s in fw.skills:
        d = _inside(root, s.path, "skill folder")
        if d.is_dir():
            outside += _copy_tree(out, pkg, root, Path(s.path).as_posix())
    from nexc.mcp.lockfile import LOCKFILE, bundled_lock

    lock = bundled_lock(fw, root)  # the locked MCP tool schemas: loading the bundle starts no server
    if lock is not None:
        out.add(f"{pkg}/{LOCKFILE}", lock)
    mods, found = _local_modules(fw, root)
    for m in mods:
        outside += _copy_tree(out, pkg, root, m)
    out.add("pyproject.toml", _pyproject(fw, pkg, source, _external_requirements(found)))
    warnings = [f"warning: {link} is a symbolic link to a path outside the framework folder {root}; "
                "not copied into the bundle\n" for link in outside]
    warnings += [f"warning: {', '.join(users)} import{'s' if len(users) == 1 else ''} '{top}', which is neither "
                 f"in the framework folder {root} nor installed; the bundle's tools will fail to load where it "
                 "is missing\n" for top, users in found.unresolved.items()]
    left = f"; {len(outside)} link{'s' if len(outside) != 1 else ''} outside the folder not copied" if outside else ""
    if found.unresolved:
        left += f"; {len(found.unresolved)} import{'s' if len(found.unresolved) != 1 else ''} not found: " \
                + ", ".join(found.unresolved)
    n = len(mods)
    return EmitResult(f"{pkg}/ (python -m {pkg} \"task\"; {n} module file{'s' if n != 1 else ''}{left}; pyproject.toml)",
                      "".join(warnings) or None)
