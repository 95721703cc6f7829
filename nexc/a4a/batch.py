"""A4A over many descriptions: ``descriptions.jsonl`` (one ``{"id", "description"}`` per line, or a plain
string) → ``DIR/<id>/`` per framework and ``DIR/a4a-results.jsonl`` (one line per finished description,
appended as each finishes, so a killed batch resumes where it stopped: ids already there are skipped).
:func:`summary` reads the results back into the table ``nexc a4a --batch`` prints.
"""
from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Callable

from nexc.a4a.loop import A4AError, A4AOptions, generate

RESULTS = "a4a-results.jsonl"


def read_descriptions(path: str | Path) -> list[tuple[str, str]]:
    """``(id, description)`` per line; ids default to the line number, made safe as folder names."""
    out, seen = [], set()
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            item = line
        if isinstance(item, str):
            item = {"description": item}
        if not isinstance(item, dict) or not isinstance(item.get("description"), str):
            raise A4AError(f"{path}:{n}: each line is a JSON object with a 'description' (or a JSON string)")
        ident = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(item.get("id", n))).strip("._") or str(n)
        if ident in seen:
            raise A4AError(f"{path}:{n}: id '{ident}' appears twice")
        seen.add(ident)
        out.append((ident, item["description"]))
    return out


def done_ids(out: Path) -> set[str]:
    """Ids with a result line (a torn last line from a killed batch is ignored)."""
    p = out / RESULTS
    ids = set()
    if p.is_file():
        for line in p.read_text(encoding="utf-8").splitlines():
            try:
                ids.add(json.loads(line)["id"])
            except (ValueError, KeyError, TypeError):
                continue
    return ids


def run_batch(path: str | Path, out_dir: str | Path, opts: A4AOptions, *, concurrency: int = 4,
              progress: Callable[[int, int, dict], None] | None = None) -> list[dict]:
    """Generate every description not done yet; returns all result lines (old and new)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = read_descriptions(path)
    skip = done_ids(out)
    todo = [(i, d) for i, d in items if i not in skip]
    lock = threading.Lock()
    finished = len(items) - len(todo)

    def one(ident: str, description: str) -> dict:
        try:
            res = generate(description, out / ident, replace(opts, force=True))
            line = {"id": ident, **res.report()}
        except Exception as exc:  # noqa: BLE001 - one description's failure never loses the batch's others
            why = str(exc) if isinstance(exc, A4AError) else f"internal error: {type(exc).__name__}: {exc}"
            line = {"id": ident, "ok": False, "error": why, "rounds": 0, "first_try_ok": False,
                    "agents": 0, "tools": 0, "tokens": {}}
        line.pop("errors", None)
        with lock, open(out / RESULTS, "a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        return line

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(one, i, d) for i, d in todo]
        for fut in as_completed(futures):
            finished += 1
            if progress is not None:
                progress(finished, len(items), fut.result())
    return [json.loads(x) for x in (out / RESULTS).read_text(encoding="utf-8").splitlines() if x.strip()]


def summary(results: list[dict]) -> list[tuple[str, str]]:
    """The rows of the batch table: compile rates, rounds, sizes, tokens per stage."""
    n = len(results) or 1
    ok = [r for r in results if r.get("ok")]
    first = sum(1 for r in results if r.get("first_try_ok"))
    rounds = [r.get("rounds", 0) for r in ok]
    tokens: dict[str, int] = {}
    for r in results:
        for stage, t in (r.get("tokens") or {}).items():
            tokens[stage] = tokens.get(stage, 0) + t.get("prompt_tokens", 0) + t.get("completion_tokens", 0)
    rows = [("descriptions", str(len(results))),
            ("compiled on the first try", f"{first} ({100 * first / n:.0f} %)"),
            ("compiled after repair", f"{len(ok)} ({100 * len(ok) / n:.0f} %)"),
            ("repair rounds (compiled), mean / max",
             f"{sum(rounds) / len(rounds):.2f} / {max(rounds)}" if rounds else "-"),
            ("agents per framework, mean / max", f"{sum(r.get('agents', 0) for r in ok) / max(1, len(ok)):.1f} / "
                                                 f"{max((r.get('agents', 0) for r in ok), default=0)}"),
            ("tools per framework, mean", f"{sum(r.get('tools', 0) for r in ok) / max(1, len(ok)):.1f}")]
    rows += [(f"tokens, {stage}", f"{t:,}") for stage, t in sorted(tokens.items())]
    return rows
