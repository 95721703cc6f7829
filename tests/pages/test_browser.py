"""The pages in a real browser (headless Chromium over the DevTools pipe, :mod:`nexc.testing.browser`):
the viewer, the GAP report and the graph page each render something (a screenshot with many colours),
hold every agent and every LLM call in the DOM, show a call's messages on a click, and request nothing but
their own file. Skipped with the reason where no Chromium is installed."""
from __future__ import annotations

import json
import random
import time

import pytest

from nexc.pages.viewer import build
from nexc.testing.browser import png_colours
from tests.pages.conftest import HOSTILE
from tests.pages.test_report import PATHS, _tax, runs  # noqa: F401  (the GAP run folder fixture)


def _open(browser, path):
    browser.requests.clear()
    url = browser.open(path)
    return url


def _not_blank(browser):
    assert png_colours(browser.screenshot(), limit=64) >= 16


def _rows(browser):
    return browser.eval("[...document.querySelectorAll('#tree .node')].map(r => ({kind: r.dataset.kind, "
                        "span: r.dataset.span || null, call: r.dataset.call || null, "
                        "name: r.querySelector('.name').textContent}))")


@pytest.fixture(scope="module")
def viewer_page(trajectory, tmp_path_factory):
    path = tmp_path_factory.mktemp("view") / "view.html"
    path.write_text(build([str(trajectory)]).html, encoding="utf-8")
    return path


def test_viewer_renders_every_agent_and_call_and_requests_nothing(browser, viewer_page, records):
    url = _open(browser, viewer_page)
    _not_blank(browser)
    seen_spans, seen_agents = set(), set()
    for i in range(browser.eval("document.querySelectorAll('#runs .row').length")):
        browser.click(f'#runs .row[data-index="{i}"]')
        rows = _rows(browser)
        seen_spans |= {r["span"] for r in rows if r["kind"] == "llm"}
        seen_agents |= {r["name"] for r in rows if r["kind"] == "agent"}
    assert seen_spans == {r["span_id"] for r in records}
    assert seen_agents == {r["agent_name"] for r in records} == {"lead", "helper", "texter"}
    assert browser.eval("window.pwned === undefined")
    assert browser.requests == [url]


def test_clicking_a_call_shows_its_messages(browser, viewer_page, records):
    _open(browser, viewer_page)
    texter = next(r for r in records if r["agent_name"] == "texter")
    browser.click(f'#tree .node[data-span="{texter["span_id"]}"]')
    detail = browser.eval("document.getElementById('detail-body').innerText")
    assert "LLM call 1 of texter" in detail and "Format text (hermes)" in detail
    for m in texter["messages"]:
        assert m["content"].strip().split("\n")[0] in detail
    assert browser.eval("document.querySelector('#detail-body .fmt-text').textContent") == \
        texter["response"]["content"]
    assert "shout " + HOSTILE.split("\u2028")[0].strip() in detail  # the hostile task, shown as text
    assert browser.eval("window.pwned === undefined")
    browser.click('#tree .node[data-kind="tool"]')
    detail = browser.eval("document.getElementById('detail-body').innerText")
    assert detail.startswith("Tool call add") and "result" in detail and "\n5\n" in detail + "\n"


def test_collapsing_a_node_hides_its_children(browser, viewer_page):
    _open(browser, viewer_page)
    before = len(_rows(browser))
    browser.eval("document.querySelector('#tree .node[data-kind=\"agent\"] .twisty').click()")
    assert len(_rows(browser)) == 1 < before


def test_ten_thousand_records_open_with_only_the_visible_rows_built(browser, tmp_path, capsys):
    from nexc.pages import runs as run_data
    from nexc.pages.viewer import render
    from nexc.testing.records import write_runs

    many = tmp_path / "many.jsonl"
    n = write_runs(many, 2420, seed="pages")
    assert n >= 10_000
    t0 = time.perf_counter()
    loaded = run_data.load([str(many)])
    read = time.perf_counter() - t0
    trace = f"{random.Random(1).getrandbits(128):032x}"
    one = run_data.Loaded(records=[(f, dict(r, trace_id=trace)) for f, r in loaded.records])
    # the same records as many runs (the run list is long) and as one run (its tree is)
    for name, src, scroller in (("many runs", loaded, "runs"), ("one run", one, "tree")):
        t0 = time.perf_counter()
        data = run_data.build(src, name)
        html = render(data, str(many))
        built = time.perf_counter() - t0 + read
        assert sum(len(r["calls"]) for r in data["runs"]) == n
        assert (len(data["runs"]) == 1) == (name == "one run")
        out = tmp_path / f"{scroller}.html"
        out.write_text(html, encoding="utf-8")
        url = _open(browser, out)
        ms = float(browser.eval("document.body.dataset.renderMs"))
        assert browser.eval("document.querySelectorAll('#tree .node, #runs .row').length") < 400  # on screen only
        browser.eval(f"(s => {{s.scrollTop = s.scrollHeight; s.dispatchEvent(new Event('scroll'));}})"
                     f"(document.getElementById('{scroller}'))")
        last = browser.eval(f"Math.max(...[...document.querySelectorAll('#{scroller} .row')]"
                            ".map(r => parseFloat(r.style.top) || 0))")
        assert last > 10_000  # scrolled to the end, the last rows are built
        assert browser.requests == [url]
        assert ms < 30_000  # a loose guard only; the figure is reported below
        with capsys.disabled():
            print(f"\n[nexc view] {n} records, {name}: page {len(html) / 1e6:.1f} MB built in {built:.2f} s, "
                  f"first render in the browser {ms:.0f} ms (performance.now)")
    _not_blank(browser)


def test_gap_report_renders_and_requests_nothing(browser, runs, tmp_path):  # noqa: F811
    from nexc.pages.report import build as report

    out = tmp_path / "report.html"
    out.write_text(report(runs, tax=_tax(runs), filter_dir=runs.parent / "filtered").html, encoding="utf-8")
    url = _open(browser, out)
    _not_blank(browser)
    text = browser.eval("document.body.innerText")
    for label in ("Maths (maths)", "Sums (sums)", "Products (products)", "Words (words)", "completed",
                  "max_iterations", "Trajectories dropped per rule", "synthesis: synthesize", "Items finished over time"):
        assert label in text
    assert browser.eval("document.querySelectorAll('svg').length") == 5
    assert browser.requests == [url]


def test_graph_page_renders_and_requests_nothing(browser, tmp_path):
    from pathlib import Path

    from click.testing import CliRunner

    from nexc.cli import COMMANDS, cli

    if "graph" not in COMMANDS:
        pytest.skip("nexc graph is not registered yet")
    spec = Path(__file__).resolve().parents[2] / "examples" / "coding_team" / "team.nex"
    out = tmp_path / "team.html"
    r = CliRunner().invoke(cli, ["graph", str(spec), "--format", "html", "-o", str(out)])
    assert r.exit_code == 0, r.output
    url = _open(browser, out)
    _not_blank(browser)
    text = browser.eval("document.body.innerText")
    for agent in ("lead", "planner", "implementer", "code_reader"):
        assert agent in text
    assert browser.requests == [url]


def test_the_harness_sees_requests_a_page_makes(browser, tmp_path):
    page = tmp_path / "asks.html"
    page.write_text('<!DOCTYPE html><img src="pixel.png"><script>fetch("http://127.0.0.1:9/x").catch(() => 0)'
                    "</script>")
    url = _open(browser, page)
    deadline = time.monotonic() + 5
    while len(browser.requests) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert browser.requests[0] == url
    assert set(browser.requests[1:]) == {url.rsplit("/", 1)[0] + "/pixel.png", "http://127.0.0.1:9/x"}


def test_malformed_records_render_and_every_row_clicks_without_a_script_error(browser, tmp_path):
    odd = [{"agent_name": "odd", "trace_id": "t1", "messages": [
        {"role": "assistant", "content": ["part", {"x": 1}], "tool_calls": "not a list", "injected": "hint"},
        {"role": "tool", "content": None, "tool_call_id": 5}, "a bare string", None],
        "reply": {"role": "assistant", "tool_calls": [None, {"function": "f"}, {"id": "c", "function": {
            "name": "t", "arguments": "{not json"}}]}, "usage": {"prompt_tokens": "many"}, "iteration": "one",
        "duration_ms": -5, "started_at": "soon", "tools": 7}]
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in odd))
    out = tmp_path / "odd.html"
    out.write_text(build([str(path)]).html, encoding="utf-8")
    since = len(browser.events)
    _open(browser, out)
    for i in range(browser.eval("document.querySelectorAll('#tree .node').length")):
        browser.eval(f"document.querySelectorAll('#tree .node')[{i}].click()")
    errors = [e for e in browser.events[since:] if e.get("method") == "Runtime.exceptionThrown"]
    assert errors == []
    assert "{not json" in browser.eval("document.getElementById('detail-body').innerText")


def test_a_divergence_shows_as_a_diff_on_its_call(browser, trajectory, records, tmp_path):
    rec = records[0]
    now = json.loads(json.dumps(rec["messages"]))
    now[1]["content"] = "Sum different things."
    report = json.dumps({"trace_id": rec["trace_id"], "agent_path": "lead", "iteration": 1,
                         "message": "message 1 (user) differs from the recording", "messages": now})
    out = tmp_path / "div.html"
    out.write_text(build([str(trajectory)], replay_report=report).html, encoding="utf-8")
    _open(browser, out)
    assert "diverged" in browser.eval("document.querySelector('#runs .row').innerText")
    browser.click(f'#tree .node[data-span="{rec["span_id"]}"]')
    assert browser.eval("[...document.querySelectorAll('#detail-body .diff .d-ins')].map(e => e.textContent)") == \
        ["+ Sum different things."]
    assert browser.eval("document.querySelectorAll('#detail-body .msg.marked').length") == 1
