"""Good trajectories with planted defects (seeded, deterministic), for the filter's and the judge's tests and
for ``bench/filter.py``.

:func:`good_conv` writes one run as a script: an entry agent that looks a city's population up, converts an
amount, maybe searches and maybe asks a sub-agent, then answers with numbers it was given. :func:`build`
turns a script into nexc trajectory records (``nexc.trajectory/2``: each request repeats the conversation,
text-mode turns keep their ``raw`` text) and notes on each turn where its reply and results sit
(``(record, message)``, the indexes the filter reports). :func:`plant` puts one defect of a kind into a
script and returns where it must be found. :func:`corpus` makes a labelled set: good runs and runs with one
planted defect each.
"""
from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field

KINDS = ("truncated", "repetition", "unknown-tool", "invalid-arguments", "unanswered-error", "text-after-call",
         "unsupported-claim", "placeholder-output", "long-tool-output", "malformed-format", "duplicate-task",
         "stop-reason")

_CITIES = ["Paris", "Lagos", "Osaka", "Lima", "Oslo", "Quito", "Hanoi", "Accra", "Porto", "Perth", "Cusco",
           "Dakar", "Turin", "Kyoto", "Leeds", "Graz", "Malmo", "Split", "Cork", "Gdansk"]
_CUR = ["USD", "GBP", "JPY", "CHF", "SEK", "NOK"]
_VOCAB = ["river", "market", "harbour", "museum", "tram", "bakery", "garden", "bridge", "festival",
          "library", "stadium", "orchard", "canal", "ferry", "school", "clinic", "tower", "plaza", "valley",
          "coast", "vineyard", "temple", "forest", "island", "street", "theatre", "factory", "airport",
          "station", "castle", "quarter", "campus", "lighthouse", "meadow", "summit", "village", "district",
          "archive", "gallery", "pier", "depot", "lagoon", "terrace", "studio", "workshop", "courtyard",
          "fountain", "pavilion", "observatory", "greenhouse"]
_TASKS = ["Find the population of {city} in {year} and convert {amount} {cur} to EUR for a note about the {w}.",
          "How many people lived in {city} in {year}? Also, what is {amount} {cur} in EUR? It is for my {w}.",
          "For a {w} brief: population of {city} ({year}) and {amount} {cur} expressed in euros.",
          "I am planning a trip about the {w}; give me {city}'s {year} population and {amount} {cur} in EUR."]
_SAY = ["Looking up the population first.", "Now converting the amount.", "Searching for some context.",
        "Asking the analyst for the growth figure.", "Checking the records again.", "Trying once more."]


@dataclass
class Turn:
    """One assistant turn: its reply, the results that answer its calls, and how the call ended."""

    content: str
    calls: list[tuple[str, object]] = field(default_factory=list)  # (tool, arguments: dict or raw JSON text)
    results: list[dict] = field(default_factory=list)  # tool (or injected user) messages after the turn
    finish_reason: str = "stop"
    discarded_text: str | None = None
    raw: str | None = None          # text mode: the turn as written (default: rendered from the calls)
    error: dict | None = None       # the call failed: no reply at all
    sub: Conv | None = None       # a sub-agent run started by this turn's (only) call
    loc_reply: tuple[int, int] | None = None
    loc_results: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Conv:
    """One agent run as a script."""

    agent: str
    path: str
    depth: int
    system: str
    task: str
    tools: list[dict]
    turns: list[Turn]
    fmt: str = "openai"


def _tool(name: str, desc: str, props: dict, required: list[str]) -> dict:
    return {"type": "function", "function": {"name": name, "description": desc, "parameters": {
        "type": "object", "properties": props, "required": required}}}


MAIN_TOOLS = [
    _tool("lookup", "Population of a city in a year.", {"city": {"type": "string"}, "year": {"type": "integer"}},
          ["city"]),
    _tool("convert", "Convert money to EUR.", {"amount": {"type": "number"}, "currency": {"type": "string"}},
          ["amount", "currency"]),
    _tool("search", "Search the web.", {"query": {"type": "string"}, "limit": {"type": "integer"}}, ["query"]),
    _tool("analyst", "Ask the analyst sub-agent.", {"task": {"type": "string"}}, ["task"]),
]
SUB_TOOLS = [_tool("read_page", "Read a web page.", {"url": {"type": "string"}}, ["url"])]


def _result(name: str, content: str, error: bool = False) -> dict:
    m = {"role": "tool", "tool_call_id": "", "name": name, "content": content}
    if error:
        m["is_error"] = True
    return m


def good_conv(rng: random.Random, *, text_mode: bool = False, sub_agent: bool | None = None,
              search: bool | None = None) -> Conv:
    """A good run's script (see the module docstring)."""
    city, year, cur = rng.choice(_CITIES), rng.randint(1990, 2023), rng.choice(_CUR)
    amount = rng.randint(20, 990)
    pop, eur = rng.randint(100_000, 9_000_000), round(amount * rng.uniform(0.005, 1.3), 2)
    words = " ".join(rng.sample(_VOCAB, 6))
    task = rng.choice(_TASKS).format(city=city, year=year, amount=amount, cur=cur, w=words)
    turns = [Turn(_SAY[0], [("lookup", {"city": city, "year": year})],
                  [_result("lookup", f"Population of {city} in {year}: {pop:,}")]),
             Turn(_SAY[1], [("convert", {"amount": amount, "currency": cur})],
                  [_result("convert", f"{amount} {cur} = {eur:.2f} EUR")])]
    answer = f"{city} had {pop:,} inhabitants in {year}, and {amount} {cur} is {eur:.2f} EUR."
    if search if search is not None else rng.random() < 0.4:
        w = rng.choice(_VOCAB)
        turns.append(Turn(_SAY[2], [("search", {"query": f"{city} {w}"})],
                          [_result("search", f"{city} is known for its {w} and its {rng.choice(_VOCAB)}.")]))
        answer += f" {city} is known for its {w}."
    if sub_agent if sub_agent is not None else rng.random() < 0.3:
        growth = rng.randint(11, 95)
        sub = Conv("analyst", "", 1, "You are the analyst. Read pages and report figures.",
                   f"Growth of {city} since {year}", SUB_TOOLS,
                   [Turn("Reading the city page.", [("read_page", {"url": f"https://stats.example/{city.lower()}"})],
                         [_result("read_page", f"{city}: the population grew by {growth}% since {year}.")]),
                    Turn(f"{city} grew by {growth}% since {year}.")])
        turns.append(Turn(_SAY[3], [("analyst", {"task": sub.task})], [], sub=sub))
        answer += f" It grew by {growth}% since {year}."
    turns.append(Turn(answer))
    return Conv("assistant", "assistant", 0, "You are a careful assistant. Use the tools; cite what they return.",
                task, MAIN_TOOLS, turns, "hermes" if text_mode else "openai")


def _raw(turn: Turn) -> str:
    parts = [turn.content]
    for name, args in turn.calls:
        a = args if isinstance(args, str) else json.dumps(args)
        parts.append(f'<tool_call>\n{{"name": "{name}", "arguments": {a}}}\n</tool_call>')
    return "\n".join(parts)


def _reply(turn: Turn, conv: Conv, ids: list[str]) -> dict:
    msg: dict = {"role": "assistant", "content": turn.content}
    text_mode = conv.fmt != "openai"
    if text_mode:
        msg["raw"] = turn.raw if turn.raw is not None else _raw(turn)
    unreadable = text_mode and turn.raw is not None and turn.raw != _raw(turn)
    if turn.calls and not unreadable:  # calls a text-mode parser could not read never reach tool_calls
        msg["tool_calls"] = [{"id": i, "type": "function", "function": {
            "name": n, "arguments": a if isinstance(a, str) else json.dumps(a)}} for i, (n, a) in zip(ids, turn.calls)]
    return msg


def build(conv: Conv, rng: random.Random, *, trace_id: str | None = None, request: bool = True) -> list[dict]:
    """The trajectory records of a script (each turn's ``loc_reply``/``loc_results`` filled in)."""
    trace_id = trace_id or f"{rng.getrandbits(128):032x}"
    out: list[dict] = []
    _build(conv, rng, trace_id, None, out, request)
    return out


def _build(conv: Conv, rng, trace_id: str, parent: str | None, out: list, request: bool) -> str:
    run_span = f"{rng.getrandbits(64):016x}"
    msgs: list[dict] = [{"role": "system", "content": conv.system}, {"role": "user", "content": conv.task}]
    t = 1_700_000_000.0 + len(out)
    answer = ""
    for it, turn in enumerate(conv.turns, start=1):
        ids = [f"call_{rng.getrandbits(32):08x}" for _ in turn.calls]
        reply = None if turn.error else _reply(turn, conv, ids)
        rec = {"schema": "nexc.trajectory/2", "trace_id": trace_id, "span_id": f"{rng.getrandbits(64):016x}",
               "parent_span_id": run_span, "agent_name": conv.agent, "agent_path": conv.path or conv.agent,
               "depth": conv.depth, "iteration": it, "model": "planted", "tool_format": conv.fmt,
               "profile": "nexc", "params": {"model": "planted"}, "messages": copy.deepcopy(msgs),
               "tools": conv.tools,
               "request": {"model": "planted", "messages": copy.deepcopy(msgs), "tools": conv.tools} if request
               else {"messages": []},
               "response": None if reply is None else {"role": "assistant", "content": reply.get("raw", turn.content)},
               "reply": reply, "discarded_text": turn.discarded_text,
               "finish_reason": None if turn.error else turn.finish_reason,
               "usage": {"prompt_tokens": 40 * len(msgs), "completion_tokens": 20}, "error": turn.error,
               "attempts": 1, "started_at": t, "ended_at": t + 0.5, "duration_ms": 500.0, "replayed": False}
        t += 1
        turn.loc_reply = (len(out), len(msgs))
        out.append(rec)
        if reply is None:
            break
        msgs.append(reply)
        if turn.sub is not None:
            turn.sub.path = f"{conv.path or conv.agent}/{turn.sub.agent}@{it}.0"
            sub_answer = _build(turn.sub, rng, trace_id, run_span, out, request)
            turn.results = [_result(turn.calls[0][0], sub_answer)]
        turn.loc_results = []
        for i, res in enumerate(turn.results):
            res = dict(res)
            if res.get("role") == "tool":
                res["tool_call_id"] = ids[min(i, len(ids) - 1)] if ids else "call_x"
            turn.loc_results.append((len(out), len(msgs)))  # the next record of this agent carries it
            msgs.append(res)
        if not turn.calls and not turn.results:
            answer = turn.content
    return answer


# ---- planting ------------------------------------------------------------------------------------------
def _insert_before_answer(conv: Conv, turn: Turn) -> int:
    conv.turns.insert(len(conv.turns) - 1, turn)
    return len(conv.turns) - 2


def plant(conv: Conv, kind: str, rng: random.Random, *, other_task: str | None = None):
    """Plant one defect of ``kind`` in ``conv`` (changed in place). Returns ``(rule, turn index, part)``
    — ``part`` ``"reply"``, ``("result", i)`` or ``"record"`` (the turn's record, no message) — to read the
    location from the built turns with :func:`location`."""
    t = conv.turns
    if kind == "truncated":
        words = t[-1].content.split()  # cut inside the second word (the first numbers come later)
        t[-1].content = words[0] + " " + words[1][: max(1, len(words[1]) // 2)]
        t[-1].finish_reason = "length"
        return kind, len(t) - 1, "reply"
    if kind == "repetition":
        first = t[0]
        t.insert(1, Turn(_SAY[5], list(first.calls), copy.deepcopy(first.results)))
        t.insert(1, Turn(_SAY[4], list(first.calls), copy.deepcopy(first.results)))
        return kind, 2, "reply"  # the third time the same call is made
    if kind == "unknown-tool":
        name = rng.choice(["lookup_population", "get_population", "population"])
        t.insert(0, Turn("Looking that up.", [(name, {"city": "x"})],
                         [_result(name, f"Error: unknown tool '{name}'", True)]))
        return kind, 0, "reply"
    if kind == "invalid-arguments":
        # broken JSON only in native mode: in a text-mode turn it is malformed format text
        bad = rng.choice([{"year": 2000}, {"city": 42}] + (['{"city": "Par'] if conv.fmt == "openai" else []))
        t.insert(0, Turn("Looking that up.", [("lookup", bad)],
                         [_result("lookup", "Error: invalid arguments for lookup", True)]))
        return kind, 0, "reply"
    if kind == "unanswered-error":
        i = _insert_before_answer(conv, Turn(_SAY[2], [("search", {"query": "background"})],
                                             [_result("search", "Error: search service unavailable (503)", True)]))
        return kind, i, ("result", 0)
    if kind == "text-after-call":
        conv.fmt = "hermes"
        t[0].discarded_text = rng.choice([" The population is probably about 2 million.", "\n<tool_response>ok"])
        return kind, 0, "reply"
    if kind == "unsupported-claim":
        t[-1].content += rng.choice([" That is up 12.5% on the decade before.",
                                     " All checks in tests/test_population.py passed.",
                                     ' The mayor called it "the fastest growing city in the region".'])
        return kind, len(t) - 1, "reply"
    if kind == "placeholder-output":
        text = rng.choice(["TODO", "lorem ipsum dolor sit amet", "{result}", "", "N/A"])
        i = _insert_before_answer(conv, Turn(_SAY[2], [("search", {"query": "context"})], [_result("search", text)]))
        return kind, i, ("result", 0)
    if kind == "long-tool-output":
        text = " ".join(rng.choice(_VOCAB) for _ in range(4000))
        i = _insert_before_answer(conv, Turn(_SAY[2], [("search", {"query": "everything"})],
                                             [_result("search", text)]))
        return kind, i, ("result", 0)
    if kind == "malformed-format":
        conv.fmt = "hermes"
        bad = Turn("Looking up the population.", [("lookup", {"city": "x"})],
                   [{"role": "user", "content": "nexc: your last reply contained tool calls that could not be "
                                                "read. Write each call again.", "injected": ["format_error"]}])
        bad.raw = 'Looking up the population.\n<tool_call>\n{"name": "lookup", "arguments": {"city": "x"\n</tool_call>'
        t.insert(0, bad)
        return kind, 0, "reply"
    if kind == "duplicate-task":
        if other_task is None:
            raise ValueError("duplicate-task needs the task of another run (other_task)")
        # exact (case and punctuation aside), or near: a greeting before it (one shingle more)
        conv.task = rng.choice([other_task.upper(), other_task.rstrip(".?") + "!", "Hi, " + other_task,
                                other_task + " Thanks"])
        return kind, 0, ("task", 0)
    if kind == "stop-reason":
        t[-1].error = {"type": "http_error", "message": "503 Service Unavailable", "status": 503}
        return kind, len(t) - 1, "record"
    raise ValueError(f"unknown defect kind {kind!r}")


def near_miss(conv: Conv, rng: random.Random) -> str:
    """A benign change that looks like a defect (a retried error, a result mentioning TODO, the same tool with
    other arguments, whitespace after a call, a long but allowed result, a short answer that stopped by
    itself); returns what was changed. A good run stays good."""
    t = conv.turns
    what = rng.choice(["retried-error", "todo-mention", "same-tool", "whitespace-after-call", "long-ok",
                       "short-answer"])
    if what == "retried-error":
        t.insert(0, Turn("Looking the city up.", list(t[0].calls),
                         [_result(t[0].calls[0][0], "Error: timeout after 30 s", True)]))
    elif what == "todo-mention":
        _insert_before_answer(conv, Turn("Scanning the notes.", [("search", {"query": "open items"})],
                                         [_result("search", "Found 2 TODO comments and 0 FIXME in notes.")]))
    elif what == "same-tool":
        for y in (1, 2, 3):
            t.insert(0, Turn(f"Trying the year {2000 + y}.", [("lookup", {"city": "Oslo", "year": 2000 + y})],
                             [_result("lookup", f"Population of Oslo in {2000 + y}: {700_000 + y:,}")]))
    elif what == "whitespace-after-call":
        conv.fmt = "hermes"
        t[0].discarded_text = " \n"
    elif what == "long-ok":
        _insert_before_answer(conv, Turn("Reading the report.", [("search", {"query": "report"})],
                                         [_result("search", " ".join(rng.choice(_VOCAB) for _ in range(2000)))]))
    else:
        t[-1].content = t[-1].content.split(", and ")[0] + "."
    return what


def location(conv: Conv, turn: int, part) -> tuple[int, int | None]:
    """Where the filter must report a planted defect (after :func:`build`)."""
    tr = conv.turns[turn]
    if part == "reply":
        return tr.loc_reply
    if part == "record":
        return tr.loc_reply[0], None
    if part[0] == "task":
        return 0, 1
    return tr.loc_results[part[1]]


def corpus(seed: int, n_good: int, per_kind: int, *, kinds=KINDS, request: bool = True, near_misses: float = 0.0):
    """A labelled set: ``(records, labels)`` — labels map trace_id → list of (rule, record, message)
    (empty for a good run). Runs come in a seeded shuffled order; a duplicate comes after its original.
    ``near_misses``: the share of good runs given a :func:`near_miss`."""
    rng = random.Random(seed)
    plan = ["good"] * n_good + [k for k in kinds for _ in range(per_kind)]
    rng.shuffle(plan)
    records, labels, tasks = [], {}, []
    for what in plan:
        conv = good_conv(rng, text_mode=rng.random() < 0.3)
        expect = None
        if what == "good" and rng.random() < near_misses:
            near_miss(conv, rng)
        if what != "good":
            if what == "duplicate-task" and not tasks:
                what = "good"
            else:
                expect = plant(conv, what, rng, other_task=rng.choice(tasks) if tasks else None)
        recs = build(conv, rng, request=request)
        tid = recs[0]["trace_id"]
        labels[tid] = [] if expect is None else [(expect[0], *location(conv, expect[1], expect[2]))]
        if what != "duplicate-task":
            tasks.append(conv.task)
        records += recs
    return records, labels
