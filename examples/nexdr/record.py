"""Record ``replay.jsonl``: the NexDR example run live against nexc's fake OpenAI server with scripted replies
(the tools really run, on the bundled corpus). Regenerate with ``python examples/nexdr/record.py``.

The researcher and the page reader write their calls in NexAU's XML (``tool_format = nexau_xml``), so their
scripted replies are rendered by that format; the judges and writers use native tool calls.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = HERE / "nexdr.nex"
TASK = "How do solid-state batteries compare with lithium-ion cells today?"
OVERVIEW = "https://corpus.example/solid-state-overview"
MAKING = "https://corpus.example/solid-state-manufacturing"
FINDINGS = [
    (("Solid-state designs aim at 400 to 500 Wh/kg per cell, against 250 to 300 Wh/kg for good lithium-ion "
      "cells, because a solid electrolyte allows a lithium-metal anode."), OVERVIEW),
    ("The solid electrolyte does not burn, which removes the main fire risk of lithium-ion cells.", OVERVIEW),
    (("Solid-state cells cost two to four times as much per kWh as lithium-ion cells today (materials, dry "
      "rooms, low yields); carmakers expect small series late in this decade."), MAKING),
]
ANSWER = """# Solid-state batteries and lithium-ion cells today

**Summary.** Solid-state cells promise more energy and less fire risk, but cost several times more and are
not yet made at scale.

## Energy density
Solid-state designs aim at 400 to 500 Wh/kg per cell, against 250 to 300 Wh/kg for good lithium-ion cells,
because the solid electrolyte allows a lithium-metal anode [1](https://corpus.example/solid-state-overview).

## Safety
The solid electrolyte does not burn, which removes the main fire risk of today's cells
[1](https://corpus.example/solid-state-overview).

## Cost and readiness
They cost two to four times as much per kWh today, and small series are expected late in this decade
[2](https://corpus.example/solid-state-manufacturing).
"""


def script():
    """The scripted replies, routed to each agent by a phrase of its system prompt."""
    from nexc.formats.registry import get_format
    from nexc.testing import by_system, call, reply

    xml = get_format("nexau_xml")

    def act(text: str, name: str, **arguments):
        return reply(xml.render_assistant({"role": "assistant", "content": text, "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": name, "arguments": arguments}}]}))

    plan = [{"id": "1", "content": "Energy density of both kinds of cell", "status": "in_progress"},
            {"id": "2", "content": "Safety of both", "status": "pending"},
            {"id": "3", "content": "Cost and readiness for mass production", "status": "pending"}]
    summary = "\n".join(f"- {f} ({s})" for f, s in FINDINGS)
    researcher = [
        act("First, a plan.", "todo_write", todos=plan),
        act("Checking the plan.", "todo_judge", task=f"Question: {TASK}\nPlan: energy density; safety; cost and "
                                                   "readiness."),
        act("Looking for sources.", "search", query="solid-state battery energy density safety cost"),
        act("Reading the overview.", "visit_page",
            task=f"Read {OVERVIEW}: what energy density and safety do solid-state cells offer?"),
        act("Recording.", "note_finding", finding=FINDINGS[0][0], source=FINDINGS[0][1]),
        act("Recording.", "note_finding", finding=FINDINGS[1][0], source=FINDINGS[1][1]),
        act("Now costs.", "visit_page", task=f"Read {MAKING}: what do solid-state cells cost compared with "
                                              "lithium-ion cells, and when will they be made at scale?"),
        act("Recording.", "note_finding", finding=FINDINGS[2][0], source=FINDINGS[2][1]),
        act("Handing off.", "markdown_report_writer", task=f"Question: {TASK}\nWrite in English."),
        act("Asking the judge.", "continue_judge", task=f"Question: {TASK}\nFindings:\n{summary}"),
        act("Handing off.", "markdown_report_writer", task=f"Question: {TASK}\nWrite in English."),
    ]
    reader = []
    for url, doc_id, query in ((OVERVIEW, 0, "energy density safety"), (MAKING, 1, "cost kWh scale")):
        reader += [act("Loading.", "doc_preprocess", url=url),
                   act("Finding the chunks.", "doc_chunk_retrieval", query=query, doc_id=doc_id),
                   act("Reading.", "doc_chunk_read", doc_id=doc_id, chunk_id=1 - doc_id)]
    reader.insert(3, reply(f"{FINDINGS[0][0]} {FINDINGS[1][0]} (chunk 1)"))
    reader.append(reply(f"{FINDINGS[2][0]} (chunk 0)"))
    return by_system({
        "lead researcher": researcher,
        "You read one document": reader,
        "check a research plan": [reply("VALID: the plan covers energy density, safety and cost, each for both "
                                        "kinds of cell.")],
        "whether a piece of research is finished": [reply("COMPLETE: every part of the question is answered from "
                                                          "sources that were read.")],
        "final research report in Markdown": [reply(tool_calls=[call("read_findings", {})]), reply(ANSWER)],
    })


def record(out: Path | None = None) -> Path:
    """Run the example against the fake server and write its trajectory to ``out`` (default: replay.jsonl)."""
    import nexc
    from nexc.testing import FakeOpenAI

    out = out or HERE / "replay.jsonl"
    out.unlink(missing_ok=True)
    fw = nexc.load(SPEC)
    with FakeOpenAI(script()) as url:
        res = fw.run(TASK, base_url=url, api_key="test", model="fake", trace_path=out)
    assert res.ok and res.output == ANSWER, (res.stop_reason, res.error, res.output)
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1]))
    print(record(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
