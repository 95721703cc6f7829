"""Hostile endpoint replies against the runtime (run: ``python bench/hostile_replies.py``).

A fake OpenAI-compatible server on loopback answers each run with one hostile shape — well-formed
JSON of the wrong shape, a body nested 100,000 levels deep, one trickled byte at a time, an API key
echoed in an error body, undecodable text, NaN in the arguments — and then, where the shape is
retryable, with nothing better. The table shows, per shape, the stop reason, the LLM-call records
written, whether every record is strict JSON valid against ``specs/trajectory.schema.json``, whether
the key leaked, and the wall time. Every row must end with a stop reason other than ``error``
(``--check`` exits 1 otherwise); medians over ``--runs`` runs.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "runtime"))

KEY = "sk-live-HOSTILE-0123456789abcdef"
OK = {"choices": [{"message": {"role": "assistant", "content": "fine"}, "finish_reason": "stop"}]}


def shapes() -> dict[str, list]:
    from nexc.testing import call, error, raw, reply, trickle

    deep = b'{"choices": [{"message": {"content": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}]}"
    return {
        "message: null": [raw({"choices": [{"message": None}]})] * 3,
        "tool_calls: [1,2]": [raw({"choices": [{"message": {"tool_calls": [1, 2]}}]})] * 3,
        "tool_calls: \"abc\"": [raw({"choices": [{"message": {"tool_calls": "abc"}}]})] * 3,
        "usage: \"abc\"": [raw(dict(OK, usage="abc"))],
        "function.name: 123": [raw({"choices": [{"message": {"tool_calls": [
            {"id": "c", "function": {"name": 123, "arguments": "{}"}}]}}]}), raw(OK)],
        "content: 42": [raw({"choices": [{"message": {"content": 42}}]})],
        "nested 100,000 deep": [raw(deep)] * 3,
        "trickled body": [trickle(OK, 0.2)] * 3,
        "key echoed in 401": [error(401, message=f"Incorrect API key provided: Bearer {KEY}")],
        "lone surrogate": [reply(tool_calls=[call("undecodable", {})]),
                           raw(b'{"choices": [{"message": {"content": "x \\udcff"}}]}')],
        "NaN in arguments": [reply(tool_calls=[call("echo", raw='{"text": "x", "n": NaN}')]), raw(OK)],
        "not JSON": [raw(b"<html>gateway</html>")] * 3,
        "empty body": [raw(b"")] * 3,
    }


def one(name: str, script: list, validator, tmp: Path) -> dict:
    import helpers

    from nexc.api import CompiledFramework
    from nexc.runtime.trace import read_trajectory
    from nexc.runtime.types import Settings
    from nexc.testing import FakeOpenAI

    settings = Settings(retry_base=0.01, retry_max_delay=0.05, request_timeout=0.8, max_retries=2)
    fw = CompiledFramework.from_ir(helpers.framework([helpers.agent(tools=["echo", "undecodable"])]), ".",
                                   settings=settings)
    path = tmp / (str(abs(hash(name))) + ".jsonl")
    path.unlink(missing_ok=True)
    t0 = time.perf_counter()
    with FakeOpenAI(script) as url:
        res = fw.run("go", base_url=url, api_key=KEY, trace_path=path)
    took = time.perf_counter() - t0
    strict = True
    for line in path.read_bytes().decode("utf-8").splitlines():
        try:
            validator.validate(json.loads(line, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c))))
        except Exception:  # noqa: BLE001 - any failure means "not strict and valid"
            strict = False
    leaked = KEY in path.read_text() or KEY in (res.error or "") or KEY in res.output
    return {"stop": res.stop_reason.value, "records": len(read_trajectory(path)), "strict": strict,
            "leaked": leaked, "s": took}


def main() -> int:
    import jsonschema

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--check", action="store_true", help="exit 1 if a run ended in error, leaked or wrote bad JSON")
    args = ap.parse_args()
    validator = jsonschema.Draft202012Validator(json.loads((REPO / "specs" / "trajectory.schema.json").read_text()))
    bad = 0
    print(f"{'shape':<22} {'stop reason':<12} {'records':>7} {'strict+valid':>12} {'key leaked':>10} {'median s':>9}")
    with tempfile.TemporaryDirectory() as d:
        for name, script in shapes().items():
            rows = [one(name, script, validator, Path(d)) for _ in range(args.runs)]
            stops = {r["stop"] for r in rows}
            strict = all(r["strict"] for r in rows)
            leaked = any(r["leaked"] for r in rows)
            bad += ("error" in stops) or not strict or leaked or any(r["records"] == 0 for r in rows)
            print(f"{name:<22} {'/'.join(sorted(stops)):<12} {rows[0]['records']:>7} {str(strict):>12} "
                  f"{str(leaked):>10} {statistics.median(r['s'] for r in rows):>9.3f}")
    print(f"\n{bad} shape(s) ended in error, leaked the key, wrote no record or wrote bad JSON")
    return 1 if (bad and args.check) else 0


if __name__ == "__main__":
    os.environ.setdefault("NEXC_NO_PROGRESS", "1")
    raise SystemExit(main())
