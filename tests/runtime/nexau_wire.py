"""Running a NexAU wire scenario (``../shared/vectors/nexau_wire/<name>/``) on nexc and comparing requests.

A scenario holds a NexAU config, a scripted model (``script.json``: routes chosen by a substring of the
system message, replies played in order, ``honour_stop``), the task, the request bodies the real NexAU
v0.3.4 sent (``requests.json``) and the masks for what varies between runs (``volatile.json``: JSON
pointers with ``*`` segments and a regex substitution). This module serves the script on the fake
server, runs the config with nexc, masks both sides and lists the differences per request.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from nexc.testing import FakeOpenAI, reply

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "nexau_wire"


def scenarios() -> list[Path]:
    """The scenario folders (empty when ``../shared`` is absent)."""
    if not SHARED.is_dir():
        return []
    return sorted(p for p in SHARED.iterdir() if (p / "requests.json").is_file())


def script_handler(script: dict):
    """The fake server's handler for a ``script.json``."""
    routes = [(r["system_contains"], list(r["replies"])) for r in script.get("routes", [])]
    cursor = [0] * len(routes)

    def handle(req):
        system = req.system
        for i, (marker, replies) in enumerate(routes):
            if marker in system:
                if cursor[i] >= len(replies):
                    return reply("SCRIPT_EXHAUSTED")
                item = replies[cursor[i]]
                cursor[i] += 1
                calls = [{"id": c.get("id"), "name": c["name"], "arguments": json.dumps(c.get("arguments") or {})}
                         for c in item.get("tool_calls") or ()]
                return reply(item.get("content"), tool_calls=calls, reasoning=item.get("reasoning"))
        return reply("NO_ROUTE")

    return handle


def _pointer_targets(doc: Any, parts: list[str]):
    """``(container, key)`` pairs a pointer with ``*`` segments reaches."""
    if not parts:
        return
    head, rest = parts[0].replace("~1", "/").replace("~0", "~"), parts[1:]
    if isinstance(doc, list):
        keys = range(len(doc)) if head == "*" else ([int(head)] if head.isdigit() and int(head) < len(doc) else [])
    elif isinstance(doc, dict):
        keys = list(doc) if head == "*" else ([head] if head in doc else [])
    else:
        return
    for k in keys:
        if rest:
            yield from _pointer_targets(doc[k], rest)
        else:
            yield doc, k


def mask(bodies: list[dict], masks: list[dict]) -> list[dict]:
    """``bodies`` with every ``volatile.json`` mask applied (a copy)."""
    out = json.loads(json.dumps(bodies))
    for m in masks:
        parts = m["pointer"].lstrip("/").split("/")
        for container, key in list(_pointer_targets(out, parts)):
            value = container[key]
            if m.get("regex") is None:
                container[key] = m.get("replace")
            elif isinstance(value, str):
                container[key] = re.sub(m["regex"], m["replace"], value)
    return out


def run_scenario(folder: Path, tmp: Path, profile: str | None = "nexau") -> tuple[list[dict], Any]:
    """Run the scenario with nexc; the request bodies the fake server received and the run's result."""
    import nexc

    config = tmp / "config"
    shutil.copytree(folder / "config", config)
    script = json.loads((folder / "script.json").read_text(encoding="utf-8"))
    task = json.loads((folder / "task.json").read_text(encoding="utf-8"))
    srv = FakeOpenAI(script_handler(script), honour_stop=bool(script.get("honour_stop")))
    old = {k: os.environ.get(k) for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY")}
    import sys

    sys.path.insert(0, str(config))
    try:
        with srv as url:
            os.environ["OPENAI_BASE_URL"], os.environ["OPENAI_API_KEY"] = url, "test-key"
            from nexc.api import Settings

            fw = nexc.load(config / "entry.yaml", settings=Settings(profile=profile, max_retries=0))
            result = fw.run(task["task"], context=task.get("context") or {}, workdir=str(tmp))
    finally:
        sys.path.remove(str(config))
        sys.modules.pop("wire_tools", None)
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return [r.body for r in srv.requests], result


def differences(want: dict, got: dict, where: str = "") -> list[str]:
    """Where two JSON values differ (paths and short values)."""
    if type(want) is not type(got):
        return [f"{where or '/'}: {json.dumps(want)[:120]} != {json.dumps(got)[:120]}"]
    if isinstance(want, dict):
        out = []
        for k in sorted(set(want) | set(got)):
            if k not in got:
                out.append(f"{where}/{k}: missing")
            elif k not in want:
                out.append(f"{where}/{k}: unexpected {json.dumps(got[k])[:120]}")
            else:
                out += differences(want[k], got[k], f"{where}/{k}")
        return out
    if isinstance(want, list):
        out = [f"{where}: {len(want)} items != {len(got)}"] if len(want) != len(got) else []
        for i, (a, b) in enumerate(zip(want, got)):
            out += differences(a, b, f"{where}/{i}")
        return out
    if want != got:
        if isinstance(want, str) and isinstance(got, str):
            at = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
            return [f"{where}: differ at {at}: {want[max(0, at - 30):at + 50]!r} != {got[max(0, at - 30):at + 50]!r}"]
        return [f"{where}: {json.dumps(want)[:120]} != {json.dumps(got)[:120]}"]
    return []


def compare(folder: Path, got: list[dict]) -> list[list[str]]:
    """Per request of the recording: the differences after masking (a missing or extra request is one)."""
    want = json.loads((folder / "requests.json").read_text(encoding="utf-8"))
    masks = json.loads((folder / "volatile.json").read_text(encoding="utf-8"))
    w, g = mask(want, masks), mask(got, masks)
    out = [differences(a, b) for a, b in zip(w, g)]
    out += [["missing request"] for _ in w[len(g):]] + [["extra request"] for _ in g[len(w):]]
    return out


def table(name: str, diffs: list[list[str]]) -> str:
    """The per-request table a test prints."""
    lines = [f"{name}: {len(diffs)} requests"]
    for i, d in enumerate(diffs):
        lines.append(f"  request {i}: " + ("match" if not d else f"{len(d)} differences: " + "; ".join(d[:3])))
    return "\n".join(lines)
