"""``nexc gap report``: a real GAP run folder (``nexc gap run`` against the fake server) → the page: coverage
tree with the nodes never run, stop reasons, filter drops, tokens and cost per stage, throughput; read-only on
the folder; bad lines named; the same folder gives the same page."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from nexc.cli import cli
from nexc.pages.report import build, coverage_rows, filter_drops
from nexc.testing import FakeOpenAI, call, reply

SPEC = ('nex 1\nllm m { model = "fake" }\ntool add(a: int, b: int) -> int "Add." = python "tools:add"\n'
        'agent a "Adds." {\n  llm = m\n  prompt = "You add."\n  tools = [add]\n  max_iterations = 2\n}\n')
TAXONOMY = ("taxonomy:\n  id: root\n  en: Root\n  zh: 根\n  children:\n"
            "    - {id: maths, en: Maths, zh: 数学, children: [{id: sums, en: Sums, zh: 和}, "
            "{id: products, en: Products, zh: 积}]}\n"
            "    - {id: words, en: Words, zh: 词}\n")
PATHS = [["maths", "sums"]] * 5 + [["words"]] * 2


def handler(req):
    tools = [m for m in req.messages if m["role"] == "tool"]
    task = next(m for m in req.messages if m["role"] == "user")["content"]
    if "loop" in task:  # never answers: stops at max_iterations
        return reply(tool_calls=[call("add", {"a": 1, "b": 1})])
    return reply(f"sum {tools[-1]['content']}") if tools else reply(tool_calls=[call("add", {"a": 1, "b": 2})])


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    from nexc.gap.run import RunOptions, run_job

    root = tmp_path_factory.mktemp("gap")
    (root / "s.nex").write_text(SPEC)
    (root / "tools.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    (root / "tax.yaml").write_text(TAXONOMY, encoding="utf-8")
    q = root / "queries.jsonl"
    q.write_text("".join(json.dumps({"id": f"q{i}", "query": ("loop " if i == 6 else "") + f"add {i}",
                                     "provenance": {"taxonomy_path": p, "stage_tokens": {"synthesize": 100 + i,
                                                                                        "rewrite": 10}}}) + "\n"
                         for i, p in enumerate(PATHS)))
    with FakeOpenAI(handler) as url:
        c = run_job(root / "s.nex", q, root / "runs", RunOptions(concurrency=4, base_url=url, api_key="k"))
    assert c["done"] == len(PATHS)
    r = CliRunner().invoke(cli, ["gap", "filter", str(root / "runs"), "-o", str(root / "filtered")])
    assert r.exit_code in (0, 1), r.output
    return root / "runs"


def _tax(runs: Path):
    from nexc.diagnostics import Reporter
    from nexc.gap.taxonomy import load_taxonomy

    return load_taxonomy(str(runs.parent / "tax.yaml"), Reporter())


def test_coverage_counts_every_node_and_names_the_leaves_never_run(runs):
    from nexc.pages.report import read_results

    rows, leaves, empty = coverage_rows(read_results(runs, []), _tax(runs))
    assert [(d, label, c) for d, label, c, _ in rows] == [
        (0, "Maths (maths)", 5), (1, "Sums (sums)", 5), (1, "Products (products)", 0), (0, "Words (words)", 2)]
    assert (leaves, empty) == (3, 1)
    rows, leaves, _ = coverage_rows(read_results(runs, []))  # no taxonomy: the paths that ran
    assert [(d, label, c) for d, label, c, _ in rows] == [(0, "maths", 5), (1, "sums", 5), (0, "words", 2)]


def test_the_page_shows_every_section(runs):
    before = (runs / "results.jsonl").read_bytes()
    page = build(runs, tax=_tax(runs), filter_dir=runs.parent / "filtered")
    html = page.html
    assert page.items == len(PATHS) and page.problems == []
    for section in ("coverage", "stop-reasons", "filter", "stages", "throughput"):
        assert f'id="{section}"' in html
    assert "Products (products)" in html and "#fbe3e3" in html  # the node never run, in red
    assert re.search(r"completed</text>.*?>6</text>", html) and re.search(r"max_iterations</text>.*?>1</text>", html)
    rules = json.loads((runs.parent / "filtered" / "report.json").read_text())["rules"]
    dropping = sorted((-v["runs"], k) for k, v in rules.items() if v["runs"])
    assert dropping, rules  # the run stopped at max_iterations is dropped at least
    for (n, rule) in dropping:
        assert re.search(rf">{re.escape(rule)}</text>.*?>{-n}</text>", html)
    order = [html.index(f">{rule}</text>") for _, rule in dropping]
    assert order == sorted(order)  # most drops first
    run_tokens = sum(json.loads(x)["tokens"] for x in before.decode().split("\n") if x)
    assert f"<td>run</td><td class=n>{run_tokens:,}</td>" in html
    assert f"<td>synthesis: synthesize</td><td class=n>{sum(100 + i for i in range(len(PATHS))):,}</td>" in html
    assert "seconds since the start" in html  # finish times read from the trajectories
    assert (runs / "results.jsonl").read_bytes() == before


def test_the_same_folder_gives_the_same_page(runs):
    assert build(runs, tax=_tax(runs)).html == build(runs, tax=_tax(runs)).html


def test_cost_shows_where_results_carry_it(runs, tmp_path):
    copy = tmp_path / "runs"
    copy.mkdir()
    lines = [json.loads(x) for x in (runs / "results.jsonl").read_text().split("\n") if x]
    (copy / "results.jsonl").write_text("".join(json.dumps(dict(r, cost=0.25)) + "\n" for r in lines)
                                        + '{"torn": ')
    html = build(copy).html
    assert f"<td>run</td><td class=n>{sum(r['tokens'] for r in lines):,}</td><td class=n>1.7500</td>" in html
    assert "run time, one after another" in html  # no trajectories copied: no finish times


def test_bad_lines_are_named(tmp_path):
    (tmp_path / "results.jsonl").write_text('{"id": "a", "stop_reason": "completed", "tokens": 3}\nnot json\n'
                                            '{"no_id": 1}\n')
    page = build(tmp_path)
    assert page.items == 1
    assert page.problems[0].startswith(f"{tmp_path / 'results.jsonl'}:2:1: not a JSON line")
    assert page.problems[1].startswith(f"{tmp_path / 'results.jsonl'}:3:1: a result needs an 'id'")


def test_filter_reports_in_other_shapes(tmp_path):
    (tmp_path / "report.json").write_text(json.dumps({"repetition": 3, "truncation": 3, "total": "x"}))
    assert filter_drops(tmp_path) == ([("repetition", 3.0), ("truncation", 3.0)], None)
    (tmp_path / "report.json").write_text(json.dumps({"kept": 4, "by_rule": {
        "truncation": 2, "repetition": {"dropped": 1}, "unknown-tools": 0}}))
    assert filter_drops(tmp_path) == ([("truncation", 2.0), ("repetition", 1.0), ("unknown-tools", 0.0)], None)
    (tmp_path / "report.json").write_text("{")
    drops, note = filter_drops(tmp_path)
    assert drops == [] and "cannot be read" in note


def test_cli(runs, tmp_path):
    out = tmp_path / "r.html"
    r = CliRunner().invoke(cli, ["gap", "report", str(runs), "-o", str(out), "--taxonomy",
                                 str(runs.parent / "tax.yaml"), "--filter", str(runs.parent / "filtered")])
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("<!DOCTYPE html>") and f"{out}: {len(PATHS)} items" in r.output
    r = CliRunner().invoke(cli, ["gap", "report", str(tmp_path)])
    assert r.exit_code == 1 and "holds no results.jsonl" in r.output and "Traceback" not in r.output
    (tmp_path / "bad.yaml").write_text("taxonomy:\n  id: root\n  children: []\n")
    r = CliRunner().invoke(cli, ["gap", "report", str(runs), "--taxonomy", str(tmp_path / "bad.yaml")])
    assert r.exit_code == 1 and "NEX800" in r.output


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                 max_size=3), max_leaves=10)
_result = st.dictionaries(st.sampled_from(["id", "stop_reason", "tokens", "cost", "seconds", "failed", "error",
                                           "provenance", "trajectory", "finished_at", "llm_calls"]),
                          _json | st.just("../../etc/passwd"), max_size=9)


@settings(max_examples=40, deadline=None)
@given(st.lists(_result.map(lambda r: dict(r, id=str(r.get("id")))), max_size=5), _json)
def test_any_results_give_a_page(results, job):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp)
        (runs / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in results))
        (runs / "job.json").write_text(json.dumps(job))
        page = build(runs)
        assert page.items == len({r["id"] for r in results}) and page.html.startswith("<!DOCTYPE html>")
