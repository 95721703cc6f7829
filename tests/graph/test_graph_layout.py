"""The layered layout (:mod:`nexc.graph.layout`): cycles broken by a depth-first search, every edge pointing
down, wide rows wrapped, crossings reduced by barycentre sweeps — and, for any graph hypothesis makes up,
no crash, no overlap and the same result twice."""
from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from nexc.graph.layout import MAX_ROW, back_edges, crossings, layout
from nexc.graph.model import Box, Line, Link, Picture
from nexc.graph.place import place


def total_crossings(lay, edges):
    pairs = [p for chain, _ in lay.chains for p in pairwise(chain)]
    return sum(crossings(lay.rows[r], lay.rows[r + 1], pairs) for r in range(len(lay.rows) - 1))


def test_barycentre_sweeps_untangle_a_crossed_bipartite_graph():
    """Given in the worst order (every pair of edges crossing), the sweeps find the order with none."""
    nodes = ["r", "a", "b", "c", "z", "y", "x"]
    edges = [("r", "a"), ("r", "b"), ("r", "c"), ("a", "x"), ("b", "y"), ("c", "z")]
    lay = layout(nodes, edges)
    rows = [list(r) for r in lay.rows]
    assert rows[0] == ["r"] and sorted(rows[1]) == ["a", "b", "c"] and sorted(rows[2]) == ["x", "y", "z"]
    naive = crossings(["a", "b", "c"], ["z", "y", "x"], [("a", "x"), ("b", "y"), ("c", "z")])
    assert naive == 3 and total_crossings(lay, edges) == 0


def test_ties_are_broken_by_name():
    lay = layout(["r", "zeta", "alpha", "mid"], [("r", "zeta"), ("r", "alpha"), ("r", "mid")])
    assert lay.rows[1] == ["alpha", "mid", "zeta"]


def test_cycles_are_laid_out_with_every_edge_pointing_down():
    nodes = ["e", "a", "b", "c"]
    edges = [("e", "a"), ("a", "b"), ("b", "a"), ("b", "c"), ("c", "e"), ("c", "c")]
    assert back_edges(nodes, edges) == {2, 4}
    lay = layout(nodes, edges)
    assert lay.row_of["e"] == 0 and lay.loops == ["c"]
    for chain, rev in lay.chains:
        assert all(lay.row_of[x] + 1 == lay.row_of[y] for x, y in pairwise(chain))
    assert sorted(rev for _, rev in lay.chains) == [False, False, False, True, True]


def test_a_long_edge_passes_every_row_it_crosses_through_a_dummy():
    lay = layout(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")])
    long = next(chain for chain, _ in lay.chains if chain[0] == "a" and chain[-1] == "d")
    assert len(long) == 4 and all(x in lay.dummies for x in long[1:-1])


def test_wide_rows_wrap_and_servers_go_below_their_users():
    leaves = [f"l{i:02d}" for i in range(20)]
    lay = layout(["r"] + leaves + ["srv"], [("r", n) for n in leaves] + [("l00", "srv"), ("l19", "srv")],
                 sinks_last={"srv"})
    boxes_per_row = [len([n for n in r if n not in lay.dummies]) for r in lay.rows]
    assert max(boxes_per_row) <= MAX_ROW and sum(boxes_per_row) == 22
    assert lay.row_of["srv"] == max(lay.row_of["l00"], lay.row_of["l19"]) + 1


graphs = st.integers(1, 14).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
    st.lists(st.text(min_size=1, max_size=30), min_size=n, max_size=n)))


@settings(max_examples=60, deadline=None)
@given(graphs)
def test_any_graph_lays_out_without_overlap(g):
    n, edges, names = g
    ids = [f"a{i}" for i in range(n)]
    boxes = tuple(Box(ids[i], "agent", names[i], (Line(names[i][:40], "title"), Line("x" * (i * 3 % 47))))
                  for i in range(n))
    links = tuple(dict.fromkeys(Link(ids[s], ids[d], "delegate") for s, d in edges))
    pic = Picture("g", ("g",), boxes, links)
    scene = place(pic)
    assert place(pic).rects == scene.rects
    rects = sorted(scene.rects.items())
    for i, (_, a) in enumerate(rects):
        for _, b in rects[i + 1:]:
            assert a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
    drawn = {(r.src, r.dst) for r in scene.routes} | {(n, n) for n in scene.loops}
    assert drawn == {(ln.src, ln.dst) for ln in links}
    for r in scene.routes:
        assert all(p[1] <= q[1] for p, q in zip(r.points, r.points[1:]))  # always downwards
