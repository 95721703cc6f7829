"""``nexc gap queries JOB``: queries for a framework, each conditioned on a problem type, a persona and one
difficulty, written by the agents of ``stdlib/gap/synth.nex``.

Per query: ``rewrite`` (does the persona fit the problem type? a rewritten persona joins this run's pool
version, never the input file) → ``synthesize`` (one difficulty per call) → optional ``fuzzify``. Each stage is
a recorded run appended to ``OUT.synthesis.jsonl``.

Resumable: the draws are made once, up front, by the seeded allocator and saved with the run
(``OUT.draws.jsonl``, written atomically; the job's stats file is updated then, once); each finished query is
one line appended to ``OUT`` with a single write. A killed run continues with the draws whose ids are not in
``OUT`` yet (a torn last line is dropped), so no query is duplicated or lost and ids are stable: ``id`` is a
hash of the job's content and the draw's index.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from functools import lru_cache
from pathlib import Path

from nexc.diagnostics import Reporter
from nexc.fileio import write_atomic
from nexc.gap.job import Job
from nexc.gap.personas import Pool, load_personas
from nexc.gap.sample import Allocator
from nexc.gap.taxonomy import Taxonomy, load_taxonomy


class GapError(Exception):
    """The job cannot run (its inputs have errors: ``diagnostics``)."""

    def __init__(self, message: str, diagnostics=()):
        super().__init__(message)
        self.diagnostics = list(diagnostics)


@lru_cache(maxsize=2)
def _synth_spec() -> Path:
    from nexc.resources import data_dir

    return data_dir("stdlib") / "gap" / "synth.nex"


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


def _framework_brief(job: Job) -> tuple[str, str, list[str]]:
    """The framework's name, description and capabilities (its agents' and tools' descriptions)."""
    from nexc.pipeline import compile_path

    res = compile_path(job.framework)
    fw = res.framework
    if fw is None:
        raise GapError(f"the framework '{job.framework}' does not compile", res.reporter.sorted())
    caps = [f"{a.name}: {a.description}" for a in fw.agents if a.description]
    caps += [f"tool {t.name}: {(t.description or '').splitlines()[0] if t.description else ''}" for t in fw.tools]
    return fw.name, fw.description or "", caps[:60]


def prepare(job: Job) -> tuple[Taxonomy, Pool]:
    """The job's checked taxonomy and persona pool."""
    r = Reporter()
    tax = load_taxonomy(str(job.taxonomy), r, languages=job.languages)
    pool = load_personas(str(job.personas), r)
    if r.has_errors or tax is None or pool is None:
        raise GapError("the GAP job's inputs have errors", r.sorted())
    return tax, pool


class FitCache:
    """Whether a persona fits a problem type, judged once per (persona, path) and kept in ``OUT.fit.jsonl``
    (appended a line at a time; read back on resume)."""

    def __init__(self, path: Path):
        self.path, self.lock, self.known = path, threading.Lock(), {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    x = json.loads(line)
                    self.known[(x["persona"], tuple(x["path"]))] = x.get("rewritten")
                except (ValueError, KeyError, TypeError):
                    continue

    def get(self, persona: str, path) -> tuple[bool, str | None]:
        key = (persona, tuple(path))
        return (key in self.known), self.known.get(key)

    def put(self, persona: str, path, rewritten: str | None) -> None:
        with self.lock:
            self.known[(persona, tuple(path))] = rewritten
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"persona": persona, "path": list(path), "rewritten": rewritten},
                                   ensure_ascii=False) + "\n")


def save_pool(pool: Pool, path: Path) -> None:
    """The run's pool version (input personas and rewritten ones, with their parents), atomically."""
    write_atomic(path, "".join(json.dumps({"id": p.id, "persona": p.text, "persona_chinese": p.zh,
                                           "parent": p.parent}, ensure_ascii=False) + "\n" for p in pool.personas))


def _draws(job: Job, tax: Taxonomy, pool: Pool, out: Path, job_hash: str) -> list[dict]:
    path = Path(str(out) + ".draws.jsonl")
    if path.exists():
        return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    alloc = Allocator(tax, mode=job.mode, alpha=job.alpha, seed=job.seed, stats=str(job.stats) if job.stats else None,
                      truncate=job.truncate, personas=len(pool.personas), difficulties=job.difficulty)
    rows = []
    for i in range(job.queries):
        d = alloc.draw()
        lang = job.languages[i % len(job.languages)]
        rows.append({"id": "q-" + hashlib.sha256(f"{job_hash}:{i}".encode()).hexdigest()[:16], "index": i,
                     "path": list(d.path), "persona": d.persona, "difficulty": d.difficulty, "language": lang})
    fd, tmp = tempfile.mkstemp(prefix=".draws.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in rows))
    os.replace(tmp, path)
    return rows


def done_ids(out: Path) -> set[str]:
    ids = set()
    if out.exists():
        data = out.read_bytes()
        for line in data.split(b"\n"):
            try:
                ids.add(json.loads(line)["id"])
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line from a killed run: that query runs again
        if data and not data.endswith(b"\n"):
            with open(out, "ab") as f:  # the next line starts fresh
                f.write(b"\n")
    return ids


class _Writer:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.lock = threading.Lock()

    def write(self, record: dict) -> None:
        data = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        with self.lock:
            os.write(self.fd, data)

    def close(self) -> None:
        os.close(self.fd)


def run_queries(job: Job, out: str | Path, *, base_url=None, api_key=None, model=None, progress=None) -> dict:
    """Make every query of ``job`` not in ``out`` yet; returns counts (done, skipped, failed, tokens)."""
    import nexc
    from nexc.runtime.types import Settings

    out = Path(out)
    if job.ground and not os.environ.get("NEXC_WEB_SEARCH_URL", "").strip():
        raise GapError("the job grounds queries on web results (stages.ground) but NEXC_WEB_SEARCH_URL is not set")
    tax, pool = prepare(job)
    name, description, caps = _framework_brief(job)
    spec_hash = _sha(Path(job.framework).read_bytes())
    job_hash = _sha(Path(job.path).read_bytes() + tax.version.encode() + spec_hash.encode())
    out.parent.mkdir(parents=True, exist_ok=True)
    draws = _draws(job, tax, pool, out, job_hash)
    skip = done_ids(out)
    todo = [d for d in draws if d["id"] not in skip]
    fw = nexc.load(_synth_spec(), settings=Settings(max_retries=2))
    trace = Path(str(out) + ".synthesis.jsonl")
    writer = _Writer(out)
    fits = FitCache(Path(str(out) + ".fit.jsonl"))
    pool_path = Path(str(out) + ".personas.jsonl")
    for line in (pool_path.read_text(encoding="utf-8").splitlines() if pool_path.exists() else ()):
        x = json.loads(line)
        if x.get("parent"):
            pool.add(x["persona"], parent=x["parent"])
    tokens = {"used": 0}
    tlock = threading.Lock()
    counts = {"done": 0, "skipped": len(draws) - len(todo), "failed": 0, "total": len(draws)}

    def stage(agent: str, task: str, stage_tokens: dict) -> str:
        res = fw.run(task, agent=agent, base_url=base_url, api_key=api_key, model=job.models.get(agent) or model,
                     trace_path=trace)
        u = res.usage or {}
        used = int(u.get("prompt_tokens") or 0) + int(u.get("completion_tokens") or 0)
        stage_tokens[agent] = used
        with tlock:
            tokens["used"] += used
        if not res.output:
            raise GapError(f"stage '{agent}' gave no answer ({res.stop_reason.value}: {res.error})")
        return res.output.strip()

    def one(d: dict) -> dict:
        persona = pool.personas[d["persona"]] if d["persona"] is not None else None
        lang = d["language"]
        labels = " → ".join(tax.node(d["path"][:i + 1]).labels.get(lang, d["path"][i]) for i in range(len(d["path"])))
        st: dict[str, int] = {}
        persona_text, rewritten = (persona.text if persona else ""), None
        if job.rewrite and persona is not None:
            known, text = fits.get(persona.id, d["path"])
            if not known:
                ans = stage("rewrite", f"Persona: {persona_text}\nProblem type: {labels}\n"
                                       f"System: {name}: {description}", st)
                try:
                    fit = json.loads(ans[ans.find("{"):ans.rfind("}") + 1])
                except ValueError:
                    fit = {"fits": True}
                text = fit.get("persona") if isinstance(fit, dict) and not fit.get("fits", True) and \
                    isinstance(fit.get("persona"), str) and fit["persona"].strip() else None
                fits.put(persona.id, d["path"], text)
            if text:
                with tlock:
                    rewritten = pool.add(text, parent=persona.id)
                persona_text = rewritten.text
        cap_text = "\n".join(f"- {c}" for c in caps)
        grounding, ground_text = [], ""
        if job.ground:
            from nexc.runtime.stdlib import web_search

            found = web_search(f"{labels.split(' → ')[-1]} {persona_text[:80]}", num_results=3)
            for item in found.get("results") or []:
                if isinstance(item, dict):
                    grounding.append(str(item.get("url") or item.get("link") or ""))
                    ground_text += f"- {item.get('title', '')}: {str(item.get('snippet') or item.get('content') or '')[:300]}\n"
            if ground_text:
                ground_text = f"Real-world context (web results):\n{ground_text}"
        query = stage("synthesize", f"System: {name}: {description}\nCapabilities:\n{cap_text}\n"
                                    f"Problem type: {labels}\nPersona: {persona_text}\n{ground_text}"
                                    f"Difficulty: {d['difficulty']}\nLanguage: {lang}", st)
        if job.fuzzify:
            query = stage("fuzzify", f"Request: {query}\nLanguage: {lang}", st)
        return {"id": d["id"], "query": query, "difficulty": d["difficulty"], "language": lang,
                "provenance": {"framework": name, "spec_hash": spec_hash, "taxonomy_version": tax.version,
                               "taxonomy_path": d["path"], "problem_type": labels,
                               "persona_id": persona.id if persona else None,
                               "rewritten_persona_id": rewritten.id if rewritten else None,
                               "difficulty": d["difficulty"], "language": lang, "seed": job.seed,
                               "draw": d["index"], "model": model or job.models, "stage_tokens": st,
                               **({"grounding": grounding} if job.ground else {})}}

    try:
        with ThreadPoolExecutor(max_workers=job.concurrency) as ex:
            futures = {}
            for d in todo:
                if job.budget_tokens and tokens["used"] >= job.budget_tokens:
                    break
                futures[ex.submit(one, d)] = d
            for fut in as_completed(futures):
                try:
                    writer.write(fut.result())
                    counts["done"] += 1
                except Exception as exc:  # noqa: BLE001 - one query's failure: counted, retried on resume
                    counts["failed"] += 1
                    counts.setdefault("errors", []).append(f"{futures[fut]['id']}: {exc}"[:300])
                if progress is not None:
                    progress(counts)
    finally:
        writer.close()
        save_pool(pool, pool_path)
    counts["tokens"] = tokens["used"]
    return counts
