"""The A4A stages and the repair rounds (see :mod:`nexc.a4a`).

Each stage is a run of one agent of ``stdlib/a4a/a4a.nex`` on nexc's runtime, recorded into one trajectory
file (``DIR/.a4a/trajectory.jsonl``, one trace per stage run, in order). ``replay``: a recorded file; the
n-th stage run replays the n-th trace, so a recorded A4A run gives byte-identical output with no endpoint.
A draft that still has errors after ``max_repairs`` rounds is written to ``DIR/a4a-rejects.jsonl`` with its
last diagnostics and never reported as a success.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from nexc.a4a import toolcheck
from nexc.a4a.draft import MCP_FILE, Draft, apply_edits, files_from_reply, json_from_reply
from nexc.a4a.judge import Judgement, judge, write_draft
from nexc.version import MCP_LOCK_VERSION

PATTERNS = ("single", "hierarchy", "pipeline")
REPORT, REJECTS, WORK = "a4a-report.json", "a4a-rejects.jsonl", ".a4a"


class A4AError(Exception):
    """A4A could not start (no endpoint, an output folder holding someone else's files)."""


@dataclass
class A4AOptions:
    """How to run A4A; ``None`` endpoint settings fall back to the environment like ``nexc run``."""

    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None
    max_repairs: int = 3
    mcp_locks: tuple[str, ...] = ()
    replay: str | None = None
    allowed_imports: frozenset[str] = toolcheck.ALLOWED_IMPORTS
    force: bool = False
    timeout: float | None = None
    #: "nex" (the default), or "nexa4a": also DIR/nexa4a/framework_config.yaml (:mod:`nexc.a4a.nexa4a_out`)
    output_format: str = "nex"


@dataclass
class A4AResult:
    """What one description gave."""

    ok: bool
    name: str
    pattern: str
    out_dir: str
    spec: str | None
    rounds: int
    first_try_ok: bool
    diagnostics: list[dict] = field(default_factory=list)
    stages: list[dict] = field(default_factory=list)
    agents: int = 0
    tools: int = 0
    error: str | None = None

    def report(self) -> dict:
        tokens: dict[str, dict] = {}
        for s in self.stages:
            t = tokens.setdefault(s["stage"], {"runs": 0, "prompt_tokens": 0, "completion_tokens": 0})
            t["runs"] += 1
            t["prompt_tokens"] += s.get("prompt_tokens", 0)
            t["completion_tokens"] += s.get("completion_tokens", 0)
        return {"ok": self.ok, "name": self.name, "pattern": self.pattern, "spec": self.spec, "rounds": self.rounds,
                "first_try_ok": self.first_try_ok, "agents": self.agents, "tools": self.tools,
                "tokens": tokens, "errors": [d for d in self.diagnostics if d["severity"] == "error"],
                "error": self.error}


@lru_cache(maxsize=4)
def _a4a_spec() -> Path:
    from nexc.resources import data_dir

    return data_dir("stdlib") / "a4a" / "a4a.nex"


class Stages:
    """Runs the stage agents, recording (or replaying) one trace per run."""

    def __init__(self, opts: A4AOptions, trace_path: Path):
        import nexc
        from nexc.runtime.types import Settings

        self.opts, self.trace_path = opts, trace_path
        self.fw = nexc.load(_a4a_spec(), settings=Settings(max_retries=2))
        self.runs: list[list[dict]] | None = None
        if opts.replay:
            from nexc.runtime.trace import read_trajectory

            by_trace: dict[str, list[dict]] = {}
            for rec in read_trajectory(opts.replay):
                by_trace.setdefault(rec.get("trace_id"), []).append(rec)
            self.runs = list(by_trace.values())
        self.log: list[dict] = []

    def run(self, agent: str, task: str) -> str:
        """The agent's answer to ``task`` ('' when it gave none)."""
        i = len(self.log)
        t0 = time.perf_counter()
        if self.runs is not None:
            if i >= len(self.runs):
                raise A4AError(f"the recording has {len(self.runs)} stage runs; this replay needs more")
            res = self.fw.run(task, agent=agent, replay=self.runs[i], trace_path=self.trace_path)
        else:
            res = self.fw.run(task, agent=agent, base_url=self.opts.base_url, api_key=self.opts.api_key,
                              model=self.opts.model, trace_path=self.trace_path, timeout=self.opts.timeout)
        usage = res.usage or {}
        self.log.append({"stage": agent, "stop_reason": res.stop_reason.value, "error": res.error,
                         "prompt_tokens": int(usage.get("prompt_tokens") or 0),
                         "completion_tokens": int(usage.get("completion_tokens") or 0),
                         "seconds": round(time.perf_counter() - t0, 3)})
        if res.stop_reason.value in ("error", "llm_error") and not res.output:
            if self.runs is not None or res.stop_reason.value == "error":
                raise A4AError(f"stage '{agent}' failed: {res.error}")
        return res.output or ""


def slug(text: str, fallback: str = "framework") -> str:
    """A Python identifier made of ``text``'s first words."""
    words = re.findall(r"[a-z0-9]+", text.lower())[:4]
    name = "_".join(words) or fallback
    return ("f_" + name) if name[0].isdigit() else name


def _design(reply: str, description: str) -> tuple[dict, list[str]]:
    data, why = json_from_reply(reply)
    notes = []
    if not isinstance(data, dict):
        notes.append(f"meta: {why or 'no JSON object'}; using a single agent")
        data = {}
    name = data.get("name") if isinstance(data.get("name"), str) and str(data["name"]).isidentifier() else None
    pattern = data.get("pattern") if data.get("pattern") in PATTERNS else "single"
    design = {"name": name or slug(description), "pattern": pattern,
              "levels": data.get("levels") if isinstance(data.get("levels"), int) else 1,
              "agents": [a for a in data.get("agents") or [] if isinstance(a, dict)][:34],
              "tools": [t for t in data.get("tools") or [] if isinstance(t, str)][:50],
              "mcp_servers": [s for s in data.get("mcp_servers") or [] if isinstance(s, str)]}
    return design, notes


def _catalogue(mcp: dict[str, list[dict]]) -> str:
    from nexc.stdlib_catalog import stdlib_tools

    lines = ["Standard tools (declare as `tool NAME = stdlib \"ID\"`):"]
    lines += [f"- {sid}: {spec.get('description', '').strip().splitlines()[0] if spec.get('description') else ''}"
              for sid, spec in sorted(stdlib_tools().items())]
    if mcp:
        lines.append('MCP servers, already declared in mcp_servers.nex (add `import "mcp_servers.nex"` to the spec; '
                     "agents use `SERVER.*` or `SERVER.TOOL`):")
        for server, tools in sorted(mcp.items()):
            lines.append(f"- {server}: " + ", ".join(t.get("name", "?") for t in tools))
    return "\n".join(lines)


def mcp_from_locks(locks: tuple[str, ...]) -> tuple[dict[str, list[dict]], dict[str, str], dict]:
    """From each lockfile: its servers' tools, their declarations (re-emitted from the spec beside the lock
    whose declaration matches the lock's config hash) and the lock entries, for the servers that have both."""
    from nexc.mcp.lockfile import config_hash
    from nexc.emit.nex_text import _mcp
    from nexc.frontend import spec_files
    from nexc.pipeline import compile_path

    tools: dict[str, list[dict]] = {}
    decls: dict[str, str] = {}
    entries: dict[str, dict] = {}
    for lock in locks:
        p = Path(lock)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise A4AError(f"cannot read MCP lockfile '{lock}': {exc}") from None
        servers = data.get("servers") if isinstance(data, dict) else None
        if not isinstance(servers, dict):
            raise A4AError(f"'{lock}' is not an MCP lockfile (no 'servers')")
        for spec in spec_files(p.parent):
            fw = compile_path(spec).framework
            for s in (fw.mcp_servers if fw is not None else ()):
                e = servers.get(s.name)
                if isinstance(e, dict) and e.get("config") == config_hash(s) and s.name not in decls:
                    decls[s.name] = _mcp(s)
                    entries[s.name] = e
                    tools[s.name] = [t for t in e.get("tools") or [] if isinstance(t, dict)]
    return tools, decls, entries


def _files_text(draft: Draft) -> str:
    return "\n\n".join(f"```{'nex' if p.endswith('.nex') else ''} file={p}\n{t}```" for p, t in sorted(draft.files.items()))


def _compact(diags: list[dict]) -> str:
    keep = [d for d in diags if d["severity"] == "error"] or diags
    return json.dumps(keep[:60], ensure_ascii=False, indent=1)


def _prepare_out(out: Path, force: bool) -> None:
    if out.exists() and any(out.iterdir()) and not (out / WORK).is_dir() and not force:
        raise A4AError(f"'{out}' holds files A4A did not write; choose an empty folder or pass --force")
    out.mkdir(parents=True, exist_ok=True)


def generate(description: str, out_dir: str | Path, opts: A4AOptions | None = None) -> A4AResult:
    """Write a framework for ``description`` into ``out_dir`` (see the module docstring)."""
    opts = opts or A4AOptions()
    out = Path(out_dir)
    _prepare_out(out, opts.force)
    work = out / WORK
    work.mkdir(exist_ok=True)
    trace = work / "trajectory.jsonl"
    if trace.exists() and not opts.replay:
        trace.unlink()
    mcp_tools, mcp_decls, mcp_entries = mcp_from_locks(opts.mcp_locks)
    stages = Stages(opts, work / ("replayed.jsonl" if opts.replay else "trajectory.jsonl"))
    if opts.replay and Path(stages.trace_path).exists():
        Path(stages.trace_path).unlink()
    result = A4AResult(False, slug(description), "single", str(out), None, 0, False)
    try:
        design, notes = _design(stages.run("meta", f"Description:\n{description}\n\n{_catalogue(mcp_tools)}"),
                                description)
        result.name, result.pattern = design["name"], design["pattern"]
        base = Draft()
        if mcp_decls:
            base.files[MCP_FILE] = "nex 1\n\n" + "\n\n".join(mcp_decls[n] for n in sorted(mcp_decls)) + "\n"
            base.files["nexc.mcp.lock.json"] = json.dumps({"version": MCP_LOCK_VERSION, "servers": mcp_entries}, indent=2,
                                                          sort_keys=True) + "\n"
        build_task = (f"Description:\n{description}\n\nDesign:\n{json.dumps(design, ensure_ascii=False, indent=1)}"
                      f"\n\n{_catalogue(mcp_tools)}\n\nThe framework's name: {design['name']} (its spec file: "
                      f"{design['name']}.nex).")
        draft, problems = files_from_reply(stages.run("builder", build_task))
        draft.files = {**base.files, **draft.files}
        verdict = judge(draft, work / "draft", allowed=opts.allowed_imports, extra=problems)
        result.first_try_ok = verdict.ok
        while not verdict.ok and result.rounds < opts.max_repairs:
            result.rounds += 1
            if draft.spec() is None:  # nothing to edit: the builder tries again with what went wrong
                reply = stages.run("builder", build_task + "\n\nYour last reply could not be used:\n"
                                   + _compact(verdict.diagnostics))
                draft, problems = files_from_reply(reply)
                draft.files = {**base.files, **draft.files}
            else:
                reply = stages.run("repairer", f"Files:\n\n{_files_text(draft)}\n\nDiagnostics:\n"
                                   f"{_compact(verdict.diagnostics)}")
                draft, problems, _ = apply_edits(draft, reply)
            verdict = judge(draft, work / "draft", allowed=opts.allowed_imports, extra=problems)
        result.diagnostics = verdict.diagnostics + [{"code": "A4A", "name": "note", "severity": "info", "file": "",
                                                     "line": 1, "column": 1, "message": n, "fix": None,
                                                     "source": ""} for n in notes]
        _finish(result, draft, verdict, out, description, opts.output_format)
    except A4AError as exc:
        result.error = str(exc)
        _reject(out, description, result, Draft())
    result.stages = stages.log
    (out / REPORT).write_text(json.dumps(result.report(), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                              encoding="utf-8")
    return result


def _finish(result: A4AResult, draft: Draft, verdict: Judgement, out: Path, description: str,
            output_format: str = "nex") -> None:
    fw = verdict.framework
    if fw is not None:
        result.agents, result.tools = len(fw.agents), len(fw.tools)
    if not verdict.ok:
        _reject(out, description, result, draft)
        return
    for rel, text in sorted(draft.files.items()):  # the accepted draft, beside the report
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    result.ok, result.spec = True, draft.spec()
    if output_format == "nexa4a" and fw is not None:
        from nexc.a4a.nexa4a_out import write_nexa4a

        write_nexa4a(fw, out, out / "nexa4a")


def _reject(out: Path, description: str, result: A4AResult, draft: Draft) -> None:
    write_draft(draft, out / WORK / "rejected")
    line = {"description": description, "name": result.name, "rounds": result.rounds, "error": result.error,
            "diagnostics": [d for d in result.diagnostics if d["severity"] == "error"], "files": draft.files}
    with open(out / REJECTS, "a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
