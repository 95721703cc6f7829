"""The compiler is the judge: a draft goes through the whole pipeline and comes back as diagnostics.

:func:`judge` writes the draft into a folder, checks its synthesized tools (:mod:`~nexc.a4a.toolcheck`:
the AST check first, so no unchecked code is ever imported), then compiles the spec with every check and,
when the tools passed, ``--check-imports``. Diagnostics come back as JSON-ready dicts with the file (relative
to the draft), line, column, message, fix and the source line — what the repairer reads. A draft is accepted
only with no error at all.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from nexc.a4a import toolcheck
from nexc.a4a.draft import Draft


@dataclass
class Judgement:
    """The verdict on one draft."""

    ok: bool
    diagnostics: list[dict] = field(default_factory=list)
    framework: object | None = None
    #: tools kept out (name → reason) because their code failed a check
    rejected_tools: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[dict]:
        return [d for d in self.diagnostics if d["severity"] == "error"]


def write_draft(draft: Draft, folder: Path) -> None:
    """The draft's files in ``folder`` (emptied first: a round never sees the last round's leftovers)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / ".nexc-root").write_text("")  # the draft is its own project: nothing outside is read
    for rel, text in sorted(draft.files.items()):
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def _rel(file: str, folder: Path) -> str:
    try:
        return Path(os.path.relpath(Path(file).resolve(), folder.resolve())).as_posix()
    except ValueError:
        return file


def _source_line(folder: Path, rel: str, line: int) -> str:
    try:
        lines = (folder / rel).read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return ""
    return lines[line - 1][:300] if 1 <= line <= len(lines) else ""


def _diag(d, folder: Path) -> dict:
    rel = _rel(d.span.file, folder)
    return {"code": d.code, "name": d.name, "severity": d.severity, "file": rel, "line": d.span.line,
            "column": d.span.column, "message": d.message, "fix": d.fix,
            "source": _source_line(folder, rel, d.span.line)}


def _tool_problem(kind: str, p: dict, tool: str | None = None) -> dict:
    msg = f"tool '{tool}': {p['message']}" if tool else p["message"]
    return {"code": "A4A", "name": kind, "severity": "error", "file": p["file"], "line": p["line"],
            "column": p["column"], "message": msg, "fix": None, "source": ""}


def _examples(folder: Path, module_file: str) -> dict:
    p = folder / (module_file[:-3] + ".examples.json")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def check_tools(fw, folder: Path, allowed: frozenset[str]) -> tuple[list[dict], dict[str, str], bool]:
    """Problems of the framework's synthesized tools (python bindings to modules inside the draft), the
    tools that failed, and whether every module passed the AST check (only then is anything imported)."""
    out: list[dict] = []
    failed: dict[str, str] = {}
    safe = True
    by_module: dict[str, list] = {}
    for t in fw.tools:
        if t.binding is None or t.binding.kind != "python":
            continue
        module, _, fn = t.binding.target.partition(":")
        rel = module.replace(".", "/") + ".py"
        if (folder / rel).is_file():
            by_module.setdefault(rel, []).append((t, fn))
    for rel, tools in sorted(by_module.items()):
        source = (folder / rel).read_text(encoding="utf-8", errors="replace")
        problems = toolcheck.ast_check(source, rel, allowed)
        if problems:
            safe = False
            out += [_tool_problem("unsafe-tool-code", p) for p in problems]
            for t, _ in tools:
                failed[t.name] = problems[0]["message"]
            continue
        sig_ok = []
        for t, fn in tools:
            sig = toolcheck.signature_check(source, rel, fn, t.parameters)
            out += [_tool_problem("tool-signature", p, t.name) for p in sig]
            if sig:
                failed[t.name] = sig[0]["message"]
            else:
                sig_ok.append((t, fn))
        examples = _examples(folder, rel)
        defined = toolcheck.functions(source)
        calls = [(fn, ex["arguments"]) for fn in sorted(examples) if fn in defined
                 for ex in (examples.get(fn) or []) if isinstance(ex, dict) and isinstance(ex.get("arguments"), dict)]
        calls = calls[:20]
        result = toolcheck.smoke_run(str(folder), rel[:-3].replace("/", "."), calls)
        if isinstance(result, str):
            out.append(_tool_problem("tool-smoke-run", {"file": rel, "line": 1, "column": 1, "message": result}))
            for t, _ in sig_ok:
                failed[t.name] = result
            continue
        for (fn, args), err in zip(calls, result):
            if err:
                owner = next((t.name for t, f in tools if f == fn), None)
                p = {"file": rel, "line": defined.get(fn, 1), "column": 1,
                     "message": f"{fn}({json.dumps(args, ensure_ascii=False)[:200]}) raised {err}"}
                out.append(_tool_problem("tool-smoke-run", p, owner))
                if owner:
                    failed.setdefault(owner, err)
    return out, failed, safe


def judge(draft: Draft, folder: Path, *, allowed: frozenset[str] = toolcheck.ALLOWED_IMPORTS,
          extra: list[str] = ()) -> Judgement:
    """Compile ``draft`` in ``folder`` (see the module docstring). ``extra``: problems found while reading
    the reply, reported first."""
    from nexc.pipeline import BuildOptions, compile_path

    write_draft(draft, folder)
    diags = [{"code": "A4A", "name": "reply", "severity": "error", "file": "", "line": 1, "column": 1,
              "message": m, "fix": None, "source": ""} for m in extra]
    spec = draft.spec()
    if spec is None:
        return Judgement(False, diags or [{"code": "A4A", "name": "no-spec", "severity": "error", "file": "",
                                           "line": 1, "column": 1, "message": "the draft has no .nex spec",
                                           "fix": None, "source": ""}])
    # every Python file of the draft passes the AST check before anything of it is imported
    safe = all(not toolcheck.ast_check(t, p, allowed) for p, t in draft.files.items() if p.endswith(".py"))
    res = compile_path(folder / spec, options=BuildOptions(check_imports=safe))
    fw, failed = res.framework, {}
    tool_diags: list[dict] = []
    if fw is not None:
        tool_diags, failed, _ = check_tools(fw, folder, allowed)
    diags += [_diag(d, folder) for d in res.reporter.sorted()] + tool_diags
    ok = fw is not None and not any(d["severity"] == "error" for d in diags)
    return Judgement(ok, diags, fw, failed)
