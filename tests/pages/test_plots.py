"""SVG charts by nexc: well-formed standalone XML, escaped labels, round ticks that cover the data, the same
picture for the same data (snapshots), and ``loss.svg`` written by the training progress logger."""
from __future__ import annotations

import io
import itertools
import json
import math
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from nexc.pages import plots

NS = "{http://www.w3.org/2000/svg}"


def _xml(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == NS + "svg"
    return root


def _metrics(n: int = 40) -> list[dict]:
    return [{"step": i, "loss": round(2.5 * math.exp(-i / 12) + 0.3, 6), "lr": min(i / 5, 1) * 2e-5}
            for i in range(1, n + 1)]


@given(st.floats(-1e9, 1e9), st.floats(0, 1e9))
def test_ticks_are_round_ascending_and_cover_the_range(lo, span):
    hi = lo + span
    t = plots.ticks(lo, hi)
    assert t == sorted(t) and 2 <= len(t) <= 60
    assert t[0] <= lo + abs(lo) * 1e-9 + 1e-9 and t[-1] >= hi - abs(hi) * 1e-9 - 1e-9
    steps = [b - a for a, b in itertools.pairwise(t)]
    assert max(steps) - min(steps) <= max(steps) * 1e-6 + max(map(abs, t)) * 1e-11  # one step size


@given(st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True, width=32),
                          st.floats(allow_nan=True, allow_infinity=True, width=32)), max_size=30),
       st.text(max_size=30))
def test_line_charts_never_crash_and_stay_valid_xml(points, name):
    svg = plots.line_chart([("y", [(name, points)])], title=name, x_label="x")
    _xml(svg)
    assert "nan" not in svg.lower().replace(plots.esc(name).lower(), "")


def test_labels_are_escaped():
    evil = '</svg><script>alert(1)</script> & "q"'
    for svg in (plots.bar_chart([(evil, 3)], title=evil), plots.tree_chart([(0, evil, 1, evil)], title=evil),
                plots.line_chart([(evil, [(evil, [(0, 1), (1, 2)])])], title=evil, x_label=evil)):
        root = _xml(svg)
        assert not list(root.iter(NS + "script"))
        assert evil in "".join(root.itertext())


def test_bar_lengths_follow_the_values():
    root = _xml(plots.bar_chart([("a", 10), ("b", 5), ("c", 0)], title="t"))
    widths = [float(r.get("width")) for r in root.iter(NS + "rect") if r.get("height") != root.get("height")]
    assert widths[0] == 2 * widths[1] and widths[2] == 0


def test_tree_colours_grow_with_the_count_and_gaps_are_red():
    assert plots.heat(0, 10) == "#fbe3e3"
    shades = [plots.heat(c, 100) for c in (1, 10, 50, 100)]
    blues = [int(s[5:7], 16) for s in shades]
    reds = [int(s[1:3], 16) for s in shades]
    assert reds == sorted(reds, reverse=True) and len(set(blues)) == 4


def test_loss_chart_snapshot(snapshot):
    assert plots.loss_svg(_metrics()) == snapshot


def test_bar_and_tree_snapshot(snapshot):
    svg = plots.bar_chart([("completed", 12), ("max_iterations", 3), ("llm_error", 1)], title="Stop reasons")
    tree = plots.tree_chart([(0, "Coding", 7, "coding"), (1, "Bugs", 7, "coding→bugs"), (1, "Docs", 0, "docs")],
                            title="Coverage")
    assert (svg, tree) == snapshot


def test_loss_chart_draws_both_series_in_step_order():
    root = _xml(plots.loss_svg(_metrics()))
    lines = list(root.iter(NS + "polyline"))
    assert [pl.find(NS + "title").text for pl in lines] == ["loss", "learning rate"]
    xs = [float(p.split(",")[0]) for p in lines[0].get("points").split()]
    ys = [float(p.split(",")[1]) for p in lines[0].get("points").split()]
    assert xs == sorted(xs) and ys == sorted(ys)  # loss falls: y (downwards in SVG) grows


def test_training_progress_writes_loss_svg_next_to_metrics(tmp_path):
    from nexc.train.progress import Progress

    p = Progress(tmp_path, stream=io.StringIO())
    p.begin(3)
    for m in _metrics(3):
        p.log(m["step"], m["loss"], m["lr"])
    assert (tmp_path / "loss.svg").exists()  # drawn at the first log already
    p.close()
    svg = (tmp_path / "loss.svg").read_text()
    assert svg.count("<polyline") == 2 and "metrics.jsonl" in svg
    steps = [json.loads(x)["step"] for x in (tmp_path / "metrics.jsonl").read_text().split("\n") if x]
    assert steps == [1, 2, 3]


def test_no_metrics_no_plot(tmp_path):
    assert plots.write_loss_svg(tmp_path) is None
    (tmp_path / "metrics.jsonl").write_text("torn")
    assert plots.write_loss_svg(tmp_path) is None and not (tmp_path / "loss.svg").exists()
