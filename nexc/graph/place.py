"""Coordinates for a :class:`~nexc.graph.model.Picture`: box sizes from their text, rows from
:mod:`nexc.graph.layout`, x positions, and the route of every link.

Boxes are sized with the fixed character-width estimate of :mod:`nexc.graph.text`. In a row the boxes are
top-aligned; x positions start packed and centred, then move towards the mean x of their neighbours in
the row above (down pass) and below (up pass), each time made non-overlapping by the mean of a left-to-right
and a right-to-left pass (both keep the order and the gaps, so their mean does too). A link leaves its box
at a port on the bottom edge, drops to the bottom of its row, crosses the gap between rows as a curve, runs
straight down through the rows it passes (in its dummy's slot, between the boxes there), and enters the
target at a port on its top edge — so no link crosses a box. Self-delegation is a loop beside the box, in
room kept free for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from nexc.graph.layout import layout
from nexc.graph.model import Picture
from nexc.graph.text import text_width

#: font size and line height by line style
FONT = {"title": 13.0, "meta": 11.0, "note": 11.0, "item": 11.0, "header": 12.0}
LINE_H = {"title": 18.0, "meta": 15.0, "note": 15.0, "item": 15.0, "header": 17.0}
PAD_X, PAD_Y = 10.0, 8.0
MIN_W = 120.0
GAP_X, GAP_Y = 30.0, 70.0
GAP_LINK, GAP_LINKS = 14.0, 6.0
DUMMY_W = 10.0
LOOP_W = 30.0
MARGIN = 20.0
ROUNDS = 6


@dataclass
class Rect:
    """A box: top-left corner and size."""

    x: float
    y: float
    w: float
    h: float


@dataclass
class Route:
    """A drawn link: points top to bottom, ``curves`` the indexes ``i`` where the step i→i+1 is a curve,
    ``reversed`` when the link points up (it closes a cycle: the arrowhead is at the first point)."""

    points: list[tuple[float, float]]
    curves: set[int]
    kind: str
    reversed: bool
    src: str
    dst: str


@dataclass
class Scene:
    """Everything the SVG renderer draws, in pixels."""

    width: float
    height: float
    header_y: list[float]
    rects: dict[str, Rect]
    routes: list[Route] = field(default_factory=list)
    loops: list[str] = field(default_factory=list)


def box_size(lines) -> tuple[float, float]:
    """Width and height of a box holding ``lines`` (:class:`~nexc.graph.model.Line`)."""
    w = max((text_width(ln.text, FONT[ln.style]) for ln in lines), default=0.0) + 2 * PAD_X
    return max(MIN_W, w), 2 * PAD_Y + sum(LINE_H[ln.style] for ln in lines)


def _gap(a: str, b: str, boxes) -> float:
    """Room between neighbours in a row: wide between boxes, narrow beside a link passing through."""
    if a in boxes and b in boxes:
        return GAP_X
    return GAP_LINK if a in boxes or b in boxes else GAP_LINKS


def _separate(order: list[str], want: dict[str, float], slot: dict[str, float], boxes) -> dict[str, float]:
    """Left edges as near ``want`` as the order and the gaps allow (mean of two one-sided passes)."""
    ltr: dict[str, float] = {}
    prev = None
    for n in order:
        ltr[n] = want[n] if prev is None else max(want[n], ltr[prev] + slot[prev] + _gap(prev, n, boxes))
        prev = n
    rtl: dict[str, float] = {}
    nxt = None
    for n in reversed(order):
        rtl[n] = want[n] if nxt is None else min(want[n], rtl[nxt] - slot[n] - _gap(n, nxt, boxes))
        nxt = n
    return {n: (ltr[n] + rtl[n]) / 2 for n in order}


def place(pic: Picture) -> Scene:
    """Lay out and route ``pic``."""
    ids = [b.id for b in pic.boxes]
    edges = [(ln.src, ln.dst) for ln in pic.links]
    names = {b.id: b.name for b in pic.boxes}
    lay = layout(ids, edges, names, sinks_last={b.id for b in pic.boxes if b.kind == "mcp"})
    size = {b.id: box_size(b.lines) for b in pic.boxes}
    width = {n: (size[n][0] if n in size else DUMMY_W) for r in lay.rows for n in r}
    slot = {n: width[n] + (LOOP_W if n in lay.loops else 0.0) for n in width}
    header_y, y = [], MARGIN
    for _ in pic.header:
        y += LINE_H["header"]
        header_y.append(y - 4)
    y += 14 if pic.header else 0
    row_top, row_h = [], []
    for r in lay.rows:
        row_top.append(y)
        row_h.append(max((size[n][1] for n in r if n in size), default=0.0))
        y += row_h[-1] + GAP_Y
    # start packed and centred on the widest row
    spans = [sum(slot[n] for n in r) + sum(_gap(a, b, size) for a, b in pairwise(r)) for r in lay.rows]
    widest = max(spans, default=0.0)
    left: dict[str, float] = {}
    for r, span in zip(lay.rows, spans):
        x = (widest - span) / 2
        for i, n in enumerate(r):
            left[n] = x
            x += slot[n] + (_gap(n, r[i + 1], size) if i + 1 < len(r) else 0)
    pairs = [(a, b) for chain, _ in lay.chains for a, b in pairwise(chain)]
    above: dict[str, list[str]] = {n: [] for n in width}
    below: dict[str, list[str]] = {n: [] for n in width}
    for a, b in pairs:
        above[b].append(a)
        below[a].append(b)

    def centre(n: str) -> float:
        return left[n] + width[n] / 2

    for _ in range(ROUNDS):
        for rows, nbrs in ((lay.rows[1:], above), (list(reversed(lay.rows[:-1])), below)):
            for r in rows:
                want = {}
                for n in r:
                    ns = nbrs[n]
                    want[n] = (sum(centre(m) for m in ns) / len(ns) - width[n] / 2) if ns else left[n]
                left.update(_separate(r, want, slot, size))
    shift = MARGIN - min(left.values(), default=0.0)
    header_w = max((text_width(h, FONT["title" if i == 0 else "header"]) for i, h in enumerate(pic.header)),
                   default=0.0)
    for n in left:
        left[n] += shift
    rects = {n: Rect(left[n], row_top[lay.row_of[n]], *size[n]) for n in size}
    right = max([left[n] + slot[n] for n in left] + [MARGIN + header_w], default=MARGIN)
    bottom = y - GAP_Y if lay.rows else y
    scene = Scene(right + MARGIN, bottom + MARGIN, header_y, rects, loops=list(lay.loops))
    # ports: links leave and enter their boxes spread along the edge, ordered by where they go
    outs: dict[str, list[tuple]] = {}
    ins: dict[str, list[tuple]] = {}
    for k, (chain, _) in enumerate(lay.chains):
        outs.setdefault(chain[0], []).append((centre(chain[1]), k))
        ins.setdefault(chain[-1], []).append((centre(chain[-2]), k))
    port_out = {k: _port(rects[n], i, len(v)) for n, v in outs.items() for i, (_, k) in enumerate(sorted(v))}
    port_in = {k: _port(rects[n], i, len(v)) for n, v in ins.items() for i, (_, k) in enumerate(sorted(v))}
    kinds = {(ln.src, ln.dst): ln.kind for ln in pic.links}
    for k, (chain, rev) in enumerate(lay.chains):
        top, bot = chain[0], chain[-1]
        r0 = lay.row_of[top]
        pts = [(port_out[k], rects[top].y + rects[top].h), (port_out[k], row_top[r0] + row_h[r0])]
        curves = {1}
        for d in chain[1:-1]:
            r = lay.row_of[d]
            pts += [(centre(d), row_top[r]), (centre(d), row_top[r] + row_h[r])]
            curves.add(len(pts) - 1)
        pts.append((port_in[k], rects[bot].y))
        src, dst = (bot, top) if rev else (top, bot)
        scene.routes.append(Route(pts, curves, kinds.get((src, dst), "delegate"), rev, src, dst))
    return scene


def _port(rect: Rect, i: int, n: int) -> float:
    return rect.x + rect.w * (i + 1) / (n + 1)
