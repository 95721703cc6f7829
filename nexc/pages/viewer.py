"""``nexc view``: trajectory files → one self-contained HTML page to read runs in.

The page lists the runs (one per ``trace_id``; a file without ids is one run) and shows the selected run's
span tree — agents, LLM calls, tool calls, sub-agents under the tool call that started them — with timings
and tokens; clicking an LLM call shows its messages with tool calls and results, its reply, the format text
of a text-mode call, what was discarded after the last call, and the diff of a replay divergence
(:mod:`nexc.pages.divergence`). Data is embedded once as JSON (:func:`nexc.pages.html.json_block`); the
script (``assets/viewer.js``) builds only the rows on screen, so 10,000 records open without freezing.
"""
from __future__ import annotations

from dataclasses import dataclass

from nexc.pages import divergence, runs
from nexc.pages.html import asset, esc, json_block, page


@dataclass
class View:
    """A rendered page and what it was made of."""

    html: str
    runs: int
    calls: int
    problems: list[runs.Problem]


def build(paths: list[str], *, replay_report: str | None = None, title: str | None = None) -> View:
    """Read ``paths`` (files or folders) and render the viewer; ``replay_report`` is a replay report's text.

    Raises ``FileNotFoundError`` for a missing path and ``ValueError`` when no LLM-call record was found."""
    loaded = runs.load(paths)
    if not loaded.records:
        raise ValueError("no LLM-call records in " + ", ".join(paths) +
                         (f" ({len(loaded.problems)} unusable lines)" if loaded.problems else ""))
    title = title or "nexc view: " + runs.sources(paths)
    data = runs.build(loaded, title)
    divergence.attach(data, divergence.read_report(replay_report) if replay_report else [])
    return View(render(data, ", ".join(paths)), len(data["runs"]), sum(len(r["calls"]) for r in data["runs"]),
                loaded.problems)


def render(data: dict, source: str) -> str:
    """The page for ``data`` (:func:`nexc.pages.runs.build`'s result)."""
    calls = sum(len(r["calls"]) for r in data["runs"])
    body = (f'<header class="top"><h1>{esc(data["title"])}</h1><div class="sub">{len(data["runs"])} runs · '
            f"{calls} LLM calls · from {esc(source)}</div></header>\n"
            '<div id="app">'
            '<section><div class="pane-head"><input id="filter" type="search" placeholder="filter runs" '
            'aria-label="filter runs"><div id="run-count" class="muted"></div></div>'
            '<div class="scroll" id="runs"></div></section>'
            '<section><div class="pane-head" id="run-title">run</div><div class="scroll" id="tree"></div></section>'
            '<section id="detail"><div class="pane-head">details</div>'
            '<div class="scroll"><div class="body" id="detail-body"></div></div></section>'
            "</div>\n" + json_block("nexc-data", data))
    return page(data["title"], body, source=source, css=asset("viewer.css"), script=asset("viewer.js"))
