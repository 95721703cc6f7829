"""The chunked judge loop: one run's steps, chunk after chunk, through the judge framework
(``stdlib/gap/judge.nex``, or any spec whose entry agent answers the same JSON).

For each chunk the task sent is: where the chunk lies in the run and whether it is the last, the STATE the
judge wrote after the previous chunk (open claims, unverified results, plan progress), the findings so far
(category, steps, severity) and the chunk's steps. Its budget is the judge agent's context less its prompt,
its reply (``max_tokens``) and the state: long runs take more chunks, never a cut. The state is kept under
half the budget by dropping its oldest items (the findings already reported stay).

A reply that fails :data:`~nexc.gap.judge.schema.REPLY_SCHEMA` is asked for once more with the error; a
second failure leaves the run unjudged (NEX842). Every call is a recorded run appended to
``OUT/judge-trajectories/<trace_id>.jsonl`` (one trace per call, in call order), so the judgement can be
replayed (``replay=`` that folder) without an LLM, and is costed: usage tokens, and the estimated tokens
sent against one pass (the prompt once and every step once: what a judge with a context large enough would
read), their ratio being the chunking's overhead.

The run's verdict is the last chunk's (the only one that has seen the whole run, through the state), capped
by the worst finding: ``critical`` → at most ``bad``, ``major`` → ``poor``, ``minor`` → ``ok``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from nexc.analysis.context import estimate_tokens
from nexc.gap.filter.model import Run, short
from nexc.gap.judge.chunks import pieces, take, trace_tokens
from nexc.gap.judge.schema import CAP, parse_reply
from nexc.gap.verdict import VERDICTS, rank

_RESERVE = 256  # the chunk's header lines and the findings-so-far list, roughly


@dataclass
class JudgeOptions:
    spec: str | Path | None = None      #: None: the stdlib judge
    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None
    context: int | None = None          #: tokens; None: the judge agent's ``context_tokens``
    concurrency: int = 4
    replay: str | Path | None = None    #: a ``judge-trajectories`` folder to answer from instead of an LLM


class JudgeFailed(Exception):
    pass


def stdlib_spec() -> Path:
    from nexc.resources import data_dir

    return data_dir("stdlib") / "gap" / "judge.nex"


class Judge:
    """A loaded judge framework and its budget."""

    def __init__(self, opts: JudgeOptions):
        import nexc
        from nexc.analysis.context import prompt_text
        from nexc.runtime.types import Settings

        self.opts = opts
        spec = Path(opts.spec) if opts.spec else stdlib_spec()
        self.fw = nexc.load(spec, settings=Settings(max_retries=2))
        fwir = self.fw.framework
        self.agent = next(a for a in fwir.agents if a.name == fwir.entry)
        llm = next((x for x in fwir.llms if x.name == self.agent.llm), None)
        self.max_tokens = (llm.max_tokens if llm is not None else None) or 2048
        self.context = opts.context or self.agent.limits.context_tokens
        prompt = prompt_text(self.agent, self.fw.root_dir)
        self.prompt_tokens = estimate_tokens(prompt)
        self.budget = max(64, self.context - self.prompt_tokens - self.max_tokens - _RESERVE)
        data = spec.read_bytes() + prompt.encode("utf-8")
        self.spec_hash = "sha256:" + hashlib.sha256(data).hexdigest()[:16]

    def _call(self, task: str, trace: Path, calls: list) -> tuple[str, int]:
        """One judge call (replayed when a recording is given); its reply text and tokens."""
        kw: dict = {"trace_path": trace}
        if self.opts.replay:
            rec = Path(self.opts.replay) / trace.name
            tids = _trace_ids(rec)
            if len(calls) >= len(tids):
                raise JudgeFailed(f"the recording {rec} has no call {len(calls) + 1}")
            kw = {"replay": str(rec), "replay_trace_id": tids[len(calls)],
                  "trace_path": None if rec.resolve() == trace.resolve() else trace}
        res = self.fw.run(task, base_url=self.opts.base_url, api_key=self.opts.api_key, model=self.opts.model,
                          agent=self.agent.name, **kw)
        u = res.usage or {}
        tokens = int(u.get("prompt_tokens") or 0) + int(u.get("completion_tokens") or 0)
        calls.append(res.trace_id)
        if not res.output:
            raise JudgeFailed(f"the judge gave no answer ({res.stop_reason.value}: {res.error})")
        return res.output, tokens

    def judge(self, run: Run, out: Path) -> dict:
        """Judge one run (records loaded); the verdicts.jsonl line, or ``{"trace_id", "error"}``."""
        steps = run.steps()
        ps = pieces(steps, self.budget // 2)
        trace = out / "judge-trajectories" / f"{run.trace_id}.jsonl"
        trace.parent.mkdir(parents=True, exist_ok=True)
        if not self.opts.replay or (Path(self.opts.replay) / trace.name).resolve() != trace.resolve():
            trace.unlink(missing_ok=True)  # a judgement is recorded whole, never appended to an older one
        state, findings, verdict = None, [], None
        calls: list[str] = []
        tokens = sent = chunks = 0
        start = 0
        try:
            while start < len(ps) or (not ps and chunks == 0):
                state_text = _state_text(state, self.budget // 2)
                end = take(ps, steps, start, self.budget - estimate_tokens(state_text)) if ps else 0
                last_step = ps[end - 1].step if ps else 0
                task = _task(run.trace_id, chunks + 1, ps[start:end], steps, len(steps), end >= len(ps),
                             state_text, findings, ps[start].step if ps else 0)
                text, t = self._call(task, trace, calls)
                tokens, sent = tokens + t, sent + estimate_tokens(task) + self.prompt_tokens
                obj, why = parse_reply(text, last_step)
                if obj is None:
                    fix = (f"{task}\n\nYour previous reply was not valid ({why}). Reply again with the JSON object "
                           "only, as the instructions say.")
                    text, t = self._call(fix, trace, calls)
                    tokens, sent = tokens + t, sent + estimate_tokens(fix) + self.prompt_tokens
                    obj, why = parse_reply(text, last_step)
                    if obj is None:
                        raise JudgeFailed(f"chunk {chunks + 1}: {why}")
                chunks += 1
                state, verdict = obj["state"], obj["verdict"]
                for f in obj["findings"]:
                    s = f["steps"]
                    st = steps[s[0]] if steps else None
                    findings.append({"category": f["category"], "severity": f["severity"],
                                     "steps": [s[0], s[-1]], "evidence": short(f["evidence"], 300),
                                     "record": st.record if st else None, "message": st.message if st else None,
                                     "chunk": chunks})
                start = end
                if not ps:
                    break
        except JudgeFailed as exc:
            return {"trace_id": run.trace_id, "error": str(exc), "calls": len(calls), "tokens": tokens}
        for f in findings:
            cap = CAP[f["severity"]]
            if rank(cap) < rank(verdict):
                verdict = cap
        return {"trace_id": run.trace_id, "verdict": verdict, "findings": findings,
                "judge": {"spec_hash": self.spec_hash, "tokens": tokens, "chunks": chunks, "calls": len(calls),
                          "sent_tokens": sent, "trace_tokens": trace_tokens(steps),
                          "one_pass_tokens": trace_tokens(steps) + self.prompt_tokens, "context": self.context}}


def _trace_ids(path: Path) -> list[str]:
    from nexc.runtime.trace import iter_trajectory

    seen: dict[str, None] = {}
    for rec in iter_trajectory(path) if path.exists() else ():
        seen.setdefault(rec.get("trace_id"), None)
    return list(seen)


def _state_text(state: dict | None, limit: int) -> str:
    if state is None:
        return ""
    state = {"open_claims": list(state.get("open_claims") or ()),
             "unverified_results": list(state.get("unverified_results") or ()),
             "plan_progress": str(state.get("plan_progress") or "")[:2000]}
    text = json.dumps(state, ensure_ascii=False)
    while estimate_tokens(text) > limit and (state["open_claims"] or state["unverified_results"]):
        longer = max(("open_claims", "unverified_results"), key=lambda k: len(state[k]))
        state[longer].pop(0)  # the oldest item goes first
        text = json.dumps(state, ensure_ascii=False)
    return text


def _task(trace_id, n, chunk, steps, total, last, state_text, findings, first) -> str:
    a, b = (chunk[0].step, chunk[-1].step) if chunk else (0, 0)
    head = (f"Run {trace_id}: chunk {n}, steps {a}–{b} of 0–{max(0, total - 1)}; "
            + ("this is the last chunk: give the verdict on the whole run." if last else "more steps follow."))
    if state_text:
        carried = f"STATE carried from the chunks before (steps 0–{max(0, first - 1)}):\n{state_text}"
    else:
        carried = "STATE: none yet (this is the first chunk)."
    so_far = json.dumps([{k: f[k] for k in ("category", "steps", "severity")} for f in findings])
    body = "".join(p.text(steps[p.step]) for p in chunk) or "(the run has no messages)\n"
    return f"{head}\n\n{carried}\n\nFINDINGS reported so far: {so_far}\n\nSTEPS:\n{body}"


def judge_runs(runs: list[Run], out: str | Path, opts: JudgeOptions) -> dict:
    """Judge ``runs`` (concurrently), write ``OUT/verdicts.jsonl`` in their order; returns the costs."""
    from concurrent.futures import ThreadPoolExecutor

    from nexc.fileio import write_atomic_bytes
    from nexc.gap.filter.runner import load_records

    out = Path(out)
    judge = Judge(opts)

    def one(run: Run) -> dict:
        load_records(run)
        try:
            return judge.judge(run, out)
        finally:
            run.records, run._steps, run.memo = [], None, {}

    with ThreadPoolExecutor(max_workers=max(1, opts.concurrency)) as ex:
        results = list(ex.map(one, runs))
    good = [r for r in results if "verdict" in r]
    write_atomic_bytes(out / "verdicts.jsonl", "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
                                                  for r in good).encode("utf-8"))
    sent = sum(r["judge"]["sent_tokens"] for r in good)
    base = sum(r["judge"]["one_pass_tokens"] for r in good)
    return {"spec_hash": judge.spec_hash, "context": judge.context, "runs": len(runs), "judged": len(good),
            "failed": [{"trace_id": r["trace_id"], "error": r["error"]} for r in results if "error" in r],
            "tokens": sum(r.get("tokens") or r.get("judge", {}).get("tokens", 0) for r in results),
            "chunks": sum(r["judge"]["chunks"] for r in good), "calls": sum(r["judge"]["calls"] for r in good),
            "sent_tokens": sent, "one_pass_tokens": base, "overhead": round(sent / base, 3) if base else None,
            "verdicts": {v: sum(1 for r in good if r["verdict"] == v) for v in VERDICTS}}
