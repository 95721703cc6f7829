"""GAP jobs (``gap.yaml``): a checked spec — JSON Schema ``specs/gap-job.schema.json``, every problem with its
line and column (NEX804), paths relative to the job file and checked to exist."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from nexc.diagnostics import Reporter
from nexc.ir.base import Span


@dataclass
class Job:
    path: Path
    framework: Path
    taxonomy: Path
    personas: Path
    queries: int
    stats: Path | None = None
    seed: int = 0
    concurrency: int = 8
    languages: tuple[str, ...] = ("en",)
    mode: str = "balanced"
    alpha: float = 1.5
    truncate: int | None = None
    difficulty: dict[str, float] = field(default_factory=lambda: {"easy": 1.0, "medium": 1.0, "hard": 1.0})
    rewrite: bool = True
    fuzzify: bool = False
    ground: bool = False
    models: dict[str, str] = field(default_factory=dict)
    budget_tokens: int | None = None


def _schema() -> dict:
    from nexc.resources import read_data

    return json.loads(read_data("specs", "gap-job.schema.json"))


def _span_of(doc, path) -> Span:
    loc = doc
    for part in path:
        v = loc.value
        if isinstance(v, dict) and part in v:
            loc = v[part]
        elif isinstance(v, list) and isinstance(part, int) and part < len(v):
            loc = v[part]
        else:
            break
    return loc.span


def load_job(path: str | Path, r: Reporter) -> Job | None:
    """The job at ``path``, or None (with diagnostics)."""
    import jsonschema

    from nexc.frontend.yaml_loader import load_yaml
    from nexc.source import read_text

    p = Path(path)
    text = read_text(p, r, what="GAP job")
    if text is None:
        return None
    doc = load_yaml(str(p), text, r)
    if doc is None:
        return None
    data = doc.plain()
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.path))
    for e in errors:
        where = ".".join(str(x) for x in e.path) or "the job"
        r.report("NEX804", _span_of(doc, list(e.path)), f"{where}: {e.message}")
    if errors:
        return None
    base = p.parent
    paths = {}
    for key in ("framework", "taxonomy", "personas", "stats"):
        if key in data:
            target = (base / data[key]).resolve()
            if key != "stats" and not target.is_file():
                r.report("NEX804", _span_of(doc, [key]), f"{key}: '{data[key]}' does not exist (looked for '{target}')")
            paths[key] = target
    if r.has_errors:
        return None
    s = data.get("sampling") or {}
    st = data.get("stages") or {}
    return Job(path=p, framework=paths["framework"], taxonomy=paths["taxonomy"], personas=paths["personas"],
               stats=paths.get("stats"), queries=data["queries"], seed=data.get("seed", 0),
               concurrency=data.get("concurrency", 8), languages=tuple(data.get("languages") or ("en",)),
               mode=s.get("mode", "balanced"), alpha=float(s.get("alpha", 1.5)), truncate=s.get("truncate"),
               difficulty={k: float(v) for k, v in (data.get("difficulty") or
                                                     {"easy": 1, "medium": 1, "hard": 1}).items()},
               rewrite=st.get("rewrite", True), fuzzify=st.get("fuzzify", False),
               ground=st.get("ground", False), models=data.get("models") or {},
               budget_tokens=data.get("budget_tokens"))
