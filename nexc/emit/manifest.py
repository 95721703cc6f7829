"""manifest: the resolved IR as ``manifest.json`` with a schema version, the nexc version and a hash of
every source file the framework was built from (spec files, imports, prompt and skill files)."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from nexc.emit.result import EmitResult
from nexc.ir.model import Framework
from nexc.version import IR_SCHEMA_VERSION, __version__


def source_files(fw: Framework, ctx) -> list[Path]:
    """Every file the framework depends on: spec files, prompt files, and the files of skill folders."""
    root = Path(ctx.root_dir)
    paths = {Path(f.path).resolve() for f in ctx.files}
    for a in fw.agents:
        if a.prompt and a.prompt.file:
            paths.add((root / a.prompt.file).resolve())
    for s in fw.skills:
        d = root / s.path
        if d.is_dir():
            paths.update(p.resolve() for p in d.rglob("*") if p.is_file())
    return sorted(p for p in paths if p.is_file())


def source_hash(fw: Framework, ctx) -> str:
    """SHA-256 over the relative path and content of every source file, in a stable order."""
    root = Path(ctx.root_dir).resolve()
    h = hashlib.sha256()
    for p in source_files(fw, ctx):
        rel = os.path.relpath(p, root).replace(os.sep, "/")
        h.update(rel.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _relative_spans(value: Any, root: Path) -> Any:
    """Make span file names relative to the framework root so the manifest does not depend on the cwd."""
    if isinstance(value, dict):
        out = {k: _relative_spans(v, root) for k, v in value.items()}
        if "file" in out and "line" in out and "end_column" in out and isinstance(out["file"], str):
            f = out["file"]
            if not f.startswith("<"):
                out["file"] = os.path.relpath(os.path.abspath(f), root).replace(os.sep, "/")
        return out
    if isinstance(value, list):
        return [_relative_spans(v, root) for v in value]
    return value


def manifest(fw: Framework, ctx) -> dict:
    """The manifest as a dict."""
    root = Path(ctx.root_dir).resolve()
    return {
        "schema_version": str(IR_SCHEMA_VERSION),  # a string since the first manifest
        "nexc_version": __version__,
        "source": {"hash": source_hash(fw, ctx), "files": [os.path.relpath(p, root).replace(os.sep, "/")
                                                            for p in source_files(fw, ctx)]},
        "framework": _relative_spans(fw.model_dump(mode="json"), root),
    }


def manifest_text(fw: Framework, ctx) -> str:
    return json.dumps(manifest(fw, ctx), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def emit(fw: Framework, ctx, out) -> EmitResult:
    """Write ``manifest.json``."""
    out.add("manifest.json", manifest_text(fw, ctx))
    return EmitResult("manifest.json")
