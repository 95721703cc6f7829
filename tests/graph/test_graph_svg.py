"""``nexc graph`` as SVG: the golden picture of every example, well-formed XML, no overlapping boxes, every
label inside its box and no link through a box — for the examples, a 34-agent hierarchy, a 34-agent
fan-out, cycles and hostile names — and the same bytes every time."""
from __future__ import annotations

import pytest
from syrupy.extensions.image import SVGImageSnapshotExtension

from nexc.graph import load_lock_for, render
from nexc.graph.text import printable
from nexc.pipeline import compile_path
from tests.conftest import EXAMPLES, REPO
from tests.graph import synthetic
from tests.graph.svgcheck import check_readable, parse

NEX = sorted(p.relative_to(REPO).as_posix() for p in EXAMPLES.rglob("*.nex") if not p.name.startswith("_"))


def picture(spec: str, fmt: str = "svg") -> str:
    res = compile_path(spec)
    assert res.ok, res.reporter.sorted()
    return render(res.framework, fmt, lock=load_lock_for(res.context.root_dir))


@pytest.fixture
def svg_snapshot(snapshot):
    return snapshot.use_extension(SVGImageSnapshotExtension)


@pytest.mark.parametrize("spec", NEX, ids=lambda s: s.split("/")[-2] + "-" + s.split("/")[-1].split(".")[0])
def test_example_svg_golden(spec, monkeypatch, svg_snapshot):
    """The golden picture of each example (tests/graph/__snapshots__/…svg): update with --snapshot-update
    after a deliberate change, and look at it."""
    monkeypatch.chdir(REPO)
    svg = picture(spec)
    check_readable(svg)
    assert svg == svg_snapshot


@pytest.mark.parametrize("spec", NEX)
def test_example_shows_every_agent_tool_and_limit(spec, monkeypatch):
    monkeypatch.chdir(REPO)
    fw = compile_path(spec).framework
    _, boxes, paths = parse(picture(spec))
    agents = {b.texts[0][3]: b for b in boxes if "agent" in b.classes}
    assert set(agents) == {a.name for a in fw.agents}
    for a in fw.agents:
        text = "\n".join(t[3] for t in agents[a.name].texts)
        assert f"≤{a.limits.max_iterations:,} iterations" in text
        assert f"context {a.limits.context_tokens:,} tokens" in text
        for e in a.tools:
            if getattr(e, "kind", "") in ("tool", "skill"):
                assert e.name in text, (a.name, e.name)
        stops = text.split("stop: ", 1)[1] if a.stop_tools else ""  # names may wrap onto later lines
        for s in a.stop_tools:
            assert s in stops, (a.name, s)
    agent_ids = {b.id for b in agents.values()}
    edges = {(p.get("data-from"), p.get("data-to")) for p in paths
             if p.get("data-from") in agent_ids and p.get("data-to") in agent_ids}  # MCP server links aside
    ids = {b.texts[0][3]: b.id for b in boxes}
    expected = {(ids[a.name], ids[c.name]) for a in fw.agents for c in a.tools if c.kind == "agent"}
    assert edges == expected
    assert "entry" in agents[fw.entry].classes


@pytest.mark.parametrize("spec", NEX)
def test_yaml_twin_draws_the_same_picture(spec, monkeypatch):
    """An example written in .nex and in nexc YAML is one framework, so one picture."""
    monkeypatch.chdir(REPO)
    twin = spec[: -len(".nex")] + ".nex.yaml"
    if not (REPO / twin).exists():
        pytest.skip(f"{spec} has no YAML twin")
    assert picture(twin) == picture(spec)


def test_worst_case_numbers_are_nexc_analyse_s(monkeypatch):
    """The picture shows the numbers of ``nexc analyse`` (its report passed in or computed alike)."""
    from nexc.analysis.report import analyse

    monkeypatch.chdir(REPO)
    res = compile_path(NEX[0])
    rep = analyse(res.framework, res.context, ["openai"])
    svg = render(res.framework, "svg", rep)
    assert f"worst case {rep['worst_case_llm_calls']:,} LLM calls per run" in svg
    for a in rep["agents"]:
        assert f"worst case {a['worst_case_llm_calls']:,} LLM calls<" in svg
    assert svg == render(res.framework, "svg")
    from nexc.analysis.cost import worst_case_calls

    assert render(res.framework, "svg", worst_case_calls(res.framework)) == svg


@pytest.mark.parametrize("make", [synthetic.hierarchy34, synthetic.fanout34, synthetic.cycles,
                                  synthetic.hostile])
def test_synthetic_pictures_are_readable(make):
    fw = make()
    svg = render(fw, "svg")
    boxes = check_readable(svg)
    assert {b.texts[0][3] for b in boxes if "agent" in b.classes} == {printable(a.name) for a in fw.agents}
    assert render(fw, "svg") == svg


def test_34_agents_stay_within_a_screenful_of_rows():
    """Wide rows wrap: a 33-leaf fan-out is several rows of at most 8 boxes, not one row of 33."""
    _, boxes, _ = parse(render(synthetic.fanout34(), "svg"))
    rows: dict[float, int] = {}
    for b in boxes:
        rows[b.y] = rows.get(b.y, 0) + 1
    assert max(rows.values()) <= 8 and sum(rows.values()) == 34
    root = next(b for b in boxes if "entry" in b.classes)
    assert root.y == min(rows)


def test_cycles_are_drawn_without_breaking_the_layout():
    fw = synthetic.cycles()
    root, boxes, paths = parse(render(fw, "svg"))
    ids = {b.texts[0][3]: b for b in boxes}
    assert ids["main"].y < min(b.y for b in boxes if b is not ids["main"])  # the entry on top
    loops = [p for p in paths if "loop" in p.get("class")]
    assert [(p.get("data-from"), p.get("data-to")) for p in loops] == [(ids["solo"].id, ids["solo"].id)]
    back = {(p.get("data-from"), p.get("data-to")) for p in paths if "back" in p.get("class").split()}
    assert (ids["pong"].id, ids["ping"].id) in back and (ids["r3"].id, ids["main"].id) in back
    edges = {(p.get("data-from"), p.get("data-to")) for p in paths}
    assert (ids["ping"].id, ids["pong"].id) in edges and (ids["pong"].id, ids["ping"].id) in edges
    title = " ".join(t.text for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "delegation cycle: ping ↔ pong" in title and "solo → itself" in title
    assert all("cycle" in ids[n].classes for n in ("solo", "ping", "pong", "r1", "r2", "r3", "main"))


def test_hostile_names_are_escaped_in_svg():
    fw = synthetic.hostile()
    svg = render(fw, "svg")
    root, boxes, _ = parse(svg)  # well-formed XML despite quotes, <, &, newlines and control characters
    assert "<script" not in svg and "\x07" not in svg and "\x1b" not in svg
    shown = {b.texts[0][3] for b in boxes if "agent" in b.classes}
    assert shown == {printable(n) for n in synthetic.HOSTILE}
    assert "line1\\nline2" in shown and "ctl\\x07\\x1b" in shown and "smörgåsbord ✓ 数据" in shown
    names = {b.id: b for b in boxes}
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        if g.get("data-name") is not None:
            assert g.get("data-name") == names[g.get("id")].texts[0][3]
    for b in boxes:  # element ids are nexc's own, never user text
        assert b.id[0] in "am" and b.id[1:].isdigit()


def test_long_names_are_cut_in_the_box_and_whole_in_its_tooltip():
    from nexc.ir.model import Agent, Framework

    name, desc = "n" * 200, "d" * 500
    fw = Framework(name="long", entry=name, agents=(Agent(name=name, description=desc), Agent(name="b" * 90)))
    boxes = check_readable(render(fw, "svg"))
    first = next(b for b in boxes if "entry" in b.classes)
    assert first.texts[0][3] == "n" * 45 + "…" and first.title == f"{name} — {desc}"


@pytest.mark.parametrize("agents", [0, 1])
def test_tiny_frameworks(agents):
    from nexc.ir.model import Agent, Framework

    fw = Framework(name="tiny", entry="a", agents=(Agent(name="a"),) * agents)
    root, boxes, _ = parse(render(fw, "svg"))
    assert len(boxes) == agents
    height = float(root.get("height"))
    assert all(float(t.get("y")) < height for t in root.iter("{http://www.w3.org/2000/svg}text"))
    check_readable(render(fw, "svg"))
