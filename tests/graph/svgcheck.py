"""Reading a nexc SVG back for the tests: boxes with their rectangles and texts, and the sampled points of
every link, parsed with ``xml.etree`` (so a file that is not well-formed XML fails here)."""
from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass

NS = {"s": "http://www.w3.org/2000/svg"}
#: the test's own width estimate: a monospace advance is 0.6 em; wide characters take two cells
EM = 0.6
FONT_PX = {"title": 13.0, "meta": 11.0, "note": 11.0, "item": 11.0}


@dataclass
class SvgBox:
    id: str
    classes: set
    x: float
    y: float
    w: float
    h: float
    texts: list  # (class, x, baseline y, text)
    title: str


def text_px(s: str, size: float) -> float:
    """Width of ``s`` in a monospace font of ``size`` px (independent of nexc's own estimate)."""
    cells = sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
                for c in s)
    return cells * EM * size


def parse(svg: str):
    """``(root, boxes, paths)``; ``paths`` maps each link path element to its ``d`` attribute."""
    root = ET.fromstring(svg.encode("utf-8"))
    boxes = []
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        cls = set((g.get("class") or "").split())
        if "box" not in cls:
            continue
        r = g.find("s:rect", NS)
        texts = [(t.get("class"), float(t.get("x")), float(t.get("y")), t.text or "")
                 for t in g.findall("s:text", NS)]
        boxes.append(SvgBox(g.get("id"), cls, float(r.get("x")), float(r.get("y")), float(r.get("width")),
                            float(r.get("height")), texts, g.find("s:title", NS).text or ""))
    paths = [p for p in root.iter("{http://www.w3.org/2000/svg}path") if "link" in (p.get("class") or "")]
    return root, boxes, paths


def overlaps(a: SvgBox, b: SvgBox, margin: float = 0.0) -> bool:
    return not (a.x + a.w + margin <= b.x or b.x + b.w + margin <= a.x
                or a.y + a.h + margin <= b.y or b.y + b.h + margin <= a.y)


def sample(d: str, steps: int = 12) -> list[tuple[float, float]]:
    """Points along a path made of M, L and C commands (absolute coordinates, as nexc writes them)."""
    tokens = re.findall(r"[MLC]|-?\d+(?:\.\d+)?", d)
    pts, cur, i = [], None, 0
    while i < len(tokens):
        cmd = tokens[i]
        if cmd in "ML":
            cur = (float(tokens[i + 1]), float(tokens[i + 2]))
            pts.append(cur)
            i += 3
        elif cmd == "C":
            c1, c2, end = [(float(tokens[i + k]), float(tokens[i + k + 1])) for k in (1, 3, 5)]
            for s in range(1, steps + 1):
                t = s / steps
                u = 1 - t
                pts.append(tuple(u ** 3 * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t ** 3 * p3
                                 for p0, p1, p2, p3 in zip(cur, c1, c2, end)))
            cur = end
            i += 7
        else:
            raise AssertionError(f"unexpected path token {cmd!r} in {d!r}")
    return pts


def inside(pt, b: SvgBox, shrink: float = 1.0) -> bool:
    """Strictly inside ``b`` (shrunk by ``shrink`` px on each side)."""
    return b.x + shrink < pt[0] < b.x + b.w - shrink and b.y + shrink < pt[1] < b.y + b.h - shrink


def check_readable(svg: str) -> list[SvgBox]:
    """Assert the picture's geometry: no two boxes overlap (nor touch within 4 px), every text line lies
    inside its box, no link runs through a box, and every box lies inside the canvas."""
    root, boxes, paths = parse(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    for i, a in enumerate(boxes):
        assert 0 <= a.x and a.x + a.w <= width and 0 <= a.y and a.y + a.h <= height, a.id
        for b in boxes[i + 1:]:
            assert not overlaps(a, b, 4), (a.id, b.id)
        for cls, x, y, text in a.texts:
            size = FONT_PX[cls]
            assert a.x < x and x + text_px(text, size) <= a.x + a.w, (a.id, text)
            assert a.y + size * 0.8 <= y <= a.y + a.h - size * 0.2, (a.id, text)
    by_id = {b.id: b for b in boxes}
    for p in paths:
        ends = {p.get("data-from"), p.get("data-to")}
        for pt in sample(p.get("d")):
            for b in boxes:
                if b.id not in ends:
                    assert not inside(pt, b), (p.get("data-from"), p.get("data-to"), b.id, pt)
        assert ends <= set(by_id), ends
    return boxes
