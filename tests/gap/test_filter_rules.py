"""The filter rules on planted defects: each kind, planted into otherwise good seeded runs, is found by its rule
at the planted record and message and by no other rule; a near miss of each is not found; good runs give
nothing; no rule raises on arbitrary records (hypothesis)."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexc.gap.filter import Config, rules, select
from nexc.gap.filter.model import Run
from nexc.testing.planted import KINDS, Turn, build, corpus, good_conv, location, plant

CFG = Config()


def findings(records: list[dict], result: dict | None = None, cfg: Config = CFG) -> list[tuple]:
    """Every rule over the runs of ``records`` (in order): (trace_id, rule, record, message)."""
    runs: dict[str, Run] = {}
    for r in records:
        runs.setdefault(r["trace_id"], Run(r["trace_id"])).records.append(r)
    chosen = select()
    corpus_rules = [r.corpus(cfg) for r in chosen if r.corpus is not None]
    out = []
    for tid, run in runs.items():
        run.result = result
        fs = [f for r in chosen if r.check is not None for f in r.check(run, cfg)]
        fs += [f for index in corpus_rules for f in index.check(run)]
        out += [(tid, f.rule, f.record, f.message) for f in fs]
    return out


def one_run(rng, **kw) -> tuple:
    conv = good_conv(rng, **kw)
    return conv, build(conv, rng)


def test_every_kind_has_a_rule_with_a_registered_documented_code():
    from nexc.diagnostics.registry import get

    known = rules()
    assert set(KINDS) == set(known)
    for r in known.values():
        doc = get(r.code)
        assert doc is not None and doc.name == f"traj-{r.id}" and f"`{r.id}`" in doc.what


@pytest.mark.parametrize("seed", range(12))
def test_good_runs_give_no_finding(seed):
    rng = random.Random(seed)
    records = []
    for text_mode in (False, True):
        for sub in (False, True):
            records += one_run(rng, text_mode=text_mode, sub_agent=sub, search=seed % 2 == 0)[1]
    assert findings(records) == []


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "duplicate-task"])
@pytest.mark.parametrize("text_mode", [False, True])
def test_a_planted_defect_is_found_at_its_step_and_nothing_else(kind, text_mode):
    for seed in range(4):
        rng = random.Random(f"{kind}:{text_mode}:{seed}")
        conv = good_conv(rng, text_mode=text_mode, sub_agent=seed % 2 == 1, search=seed >= 2)
        rule, turn, part = plant(conv, kind, rng)
        records = build(conv, rng)
        rec, msg = location(conv, turn, part)
        assert findings(records) == [(records[0]["trace_id"], rule, rec, msg)], (seed, kind)


def test_a_duplicate_task_is_found_on_the_later_run_only():
    rng = random.Random(7)
    first, recs1 = one_run(rng)
    for variant in range(6):
        conv = good_conv(rng)
        plant(conv, "duplicate-task", random.Random(variant), other_task=first.task)
        recs2 = build(conv, rng)
        got = findings(recs1 + recs2)
        assert got == [(recs2[0]["trace_id"], "duplicate-task", 0, 1)], conv.task


def test_the_planted_corpus_is_labelled_exactly():
    records, labels = corpus(11, 60, 2, near_misses=0.5)  # half the good runs with a near miss
    got: dict[str, list] = {t: [] for t in labels}
    for tid, *where in findings(records):
        got[tid].append(tuple(where))
    assert {t: sorted(v) for t, v in got.items()} == {t: sorted(v) for t, v in labels.items()}


# ---- near misses ------------------------------------------------------------------------------------------
def _near_miss(kind: str, conv, rng) -> dict | None:
    t = conv.turns
    if kind == "truncated":  # short, unfinished-looking, but the model stopped by itself
        t[-1].content = t[-1].content.split()[0] + " had"
    elif kind == "repetition":  # the same call twice; the same tool three times with other arguments
        t.insert(1, Turn("Checking the records again.", list(t[0].calls), list(t[0].results)))
        for year in (2001, 2002, 2003):
            t.insert(0, Turn(f"Trying the year {year}.", [("lookup", {"city": "Oslo", "year": year})],
                             [{"role": "tool", "name": "lookup", "content": f"Population of Oslo in {year}: 1"}]))
    elif kind == "unknown-tool":  # the sub-agent calls its own tool, not offered to the entry agent
        conv.turns = good_conv(rng, sub_agent=True).turns
    elif kind == "invalid-arguments":  # an integer for a number, a float-integer for an integer, no optional
        t[0].calls = [("lookup", {"city": t[0].calls[0][1]["city"], "year": float(t[0].calls[0][1]["year"])})]
        t[1].calls = [("convert", {"amount": int(t[1].calls[0][1]["amount"]), "currency": "USD"})]
    elif kind == "unanswered-error":  # an error, then a retry of the same tool
        t.insert(0, Turn("Looking up the population.", list(t[0].calls),
                         [{"role": "tool", "name": "lookup", "content": "Error: timeout", "is_error": True}]))
    elif kind == "text-after-call":
        t[0].discarded_text = "  \n"
    elif kind == "unsupported-claim":  # numbers the task holds (formatted otherwise), single digits
        t[-1].content += f" I used {len(t) - 1} sources; you asked about {conv.task.split()[-1].strip('.?')}."
    elif kind == "placeholder-output":  # a real result that mentions TODO, and a zero
        t.insert(len(t) - 1, Turn("Scanning the code.", [("search", {"query": "todo count"})],
                                  [{"role": "tool", "name": "search", "content": "Found 2 TODO comments in main."}]))
        t.insert(len(t) - 1, Turn("Counting errors.", [("search", {"query": "errors"})],
                                  [{"role": "tool", "name": "search", "content": "0"}]))
    elif kind == "long-tool-output":
        t.insert(len(t) - 1, Turn("Reading everything.", [("search", {"query": "all"})],
                                  [{"role": "tool", "name": "search", "content": "word " * 3900}]))
    elif kind == "malformed-format":  # braces, tags and quotes inside a JSON string of a text-mode call
        conv.fmt = "hermes"
        t[0].calls = [("lookup", {"city": 'x {y} <b>"z"</b>', "year": 2000})]
    elif kind == "stop-reason":
        return {"stop_reason": "stop_tool"}
    return None


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "duplicate-task"])
def test_a_near_miss_is_not_found(kind):
    for seed in range(3):
        rng = random.Random(f"near:{kind}:{seed}")
        conv = good_conv(rng, search=False, sub_agent=False)
        result = _near_miss(kind, conv, rng)
        records = build(conv, rng)
        if kind == "stop-reason":
            for r in records:
                r["attempts"] = 3  # retried calls that ended well
        assert findings(records, result) == [], (kind, seed)


def test_a_near_miss_duplicate_same_template_other_values_is_kept():
    rng = random.Random(3)
    records = []
    for _ in range(40):
        records += one_run(rng)[1]
    assert [f for f in findings(records) if f[1] == "duplicate-task"] == []


def test_rules_can_be_chosen_and_unknown_ids_are_named():
    assert [r.id for r in select(["truncated", "repetition"])] == ["truncated", "repetition"]
    assert "truncated" not in [r.id for r in select(None, ["truncated"])]
    with pytest.raises(KeyError, match="did you mean repetition"):
        select(["repetiton"])


# ---- robustness -------------------------------------------------------------------------------------------
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                     max_leaves=8)
_message = st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant", "tool", 3])},
                                 optional={"content": _json, "tool_calls": _json, "raw": _json, "name": _json,
                                           "is_error": _json, "injected": _json})
_record = st.fixed_dictionaries({"trace_id": st.just("t" * 32)}, optional={
    "messages": st.lists(_message, max_size=4) | _json, "reply": _message | _json, "tools": _json,
    "tool_format": st.sampled_from(["openai", "hermes", "nexau_xml", "nope", 5]), "finish_reason": _json,
    "discarded_text": _json, "depth": st.integers(0, 2), "agent_path": st.text(max_size=5), "error": _json})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_record, min_size=1, max_size=4))
def test_no_rule_raises_on_any_record_shape(records):
    run = Run("t" * 32, records=records)
    for r in rules().values():
        if r.check is not None:
            list(r.check(run, CFG))
        else:
            list(r.corpus(CFG).check(run))
