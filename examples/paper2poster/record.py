"""Record ``replay.jsonl`` and ``poster.svg``: the paper-to-poster pipeline run live against nexc's fake OpenAI
server with scripted replies, in a scratch folder holding ``paper.md`` (the tools really run: the poster is
rendered twice — the first layout overflows, the reviewer asks for a repair, the second fits).

Regenerate with ``python examples/paper2poster/record.py``.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = HERE / "paper2poster.nex"
TASK = "Make a poster of the paper in paper.md."
TITLE = "Early Exit Reading: Answering Questions About Long Documents With Less Reading"
AUTHORS = "Ana Lima, Tomás Ferreira — Example University"
PANELS = [
    {"heading": "Why read less?", "bullets": [
        "Long-document QA usually reads the whole document.",
        "Early exit reads 58% fewer tokens with under one point of accuracy lost."]},
    {"heading": "Method", "bullets": [
        "Read 512-token chunks in order of a cheap relevance score.",
        "After each chunk, predict an answer and a confidence.",
        "Stop when the same answer comes twice in a row with confidence above 0.8."]},
    {"heading": "Results", "bullets": [
        "Read 42% of the tokens of a full reader on three benchmarks.",
        "Exact match fell only from 61.3 to 60.6.",
        "On documents over 20,000 tokens it stopped after 21% of the text.",
        "Multi-hop questions lose most: 3.1 points of exact match."]},
    {"heading": "Take-away", "bullets": [
        "Stopping when the answer is stable makes long-document reading cheaper.",
        "No change to the reader model is needed."]},
]
FIXES = ("REVISE:\n1. 'Results' overflows by 5 lines and 'Method' by 2: use font size 24 (keep 2 columns).\n"
         "2. Keep every bullet as it is; the text is short enough at that size.")
ANSWER = ("Published poster.svg: Early Exit Reading on one landscape poster (4 panels, 2 columns, font 24), "
          "approved after one repair.")


def script():
    """The scripted replies, routed to each agent by a phrase of its system prompt."""
    from nexc.testing import by_system, call, reply

    def act(name: str, **arguments):
        return reply(tool_calls=[call(name, arguments)])

    def render(font_size: int):
        return act("render_poster", title=TITLE, authors=AUTHORS, panels=PANELS, columns=2, font_size=font_size)

    return by_system({
        "You turn a research paper into a conference poster": [
            act("parser", task="Read paper.md and save its poster outline."),
            act("designer", task="Lay out the poster from the outline (landscape, 2 columns)."),
            act("reviewer", task="Review poster.svg."),
            act("designer", task=f"Repair 1 of 2. Apply the reviewer's fixes:\n{FIXES}"),
            act("reviewer", task="Review poster.svg again after repair 1."),
            act("publish", answer=ANSWER),
        ],
        "You read a research paper and outline it": [
            act("read_paper", path="paper.md"),
            act("save_outline", title=TITLE, authors=AUTHORS, panels=PANELS),
            reply("Saved an outline of 4 panels."),
        ],
        "You lay out a poster": [
            act("get_outline"), render(30), reply("Rendered poster.svg; 'Method' and 'Results' do not fit at font 30."),
            act("get_outline"), render(24), reply("Repair 1: rendered at font 24; everything fits."),
        ],
        "You review a poster": [
            act("inspect_poster"), reply(FIXES),
            act("inspect_poster"), reply("APPROVE: nothing overflows, the font is 24 and no panel has over 60 words."),
        ],
    })


def run_live(workdir: Path, trace: Path | None = None, script_=None):
    """Run the pipeline in ``workdir`` (``paper.md`` is copied there) against the fake server."""
    import nexc
    from nexc.testing import FakeOpenAI

    shutil.copy(HERE / "paper.md", workdir / "paper.md")
    fw = nexc.load(SPEC)
    with FakeOpenAI(script_ or script()) as url:
        return fw.run(TASK, base_url=url, api_key="test", model="fake", trace_path=trace, workdir=workdir)


def record(out: Path | None = None) -> Path:
    out = out or HERE / "replay.jsonl"
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        res = run_live(Path(tmp), out)
        assert res.ok and res.output == ANSWER, (res.stop_reason, res.error, res.output)
        shutil.copy(Path(tmp) / "poster.svg", out.parent / "poster.svg")
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1]))
    print(record(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
