"""SVG charts written by nexc itself: line charts, horizontal bar charts and a tree coloured by count.

Output is deterministic (numbers written with fixed precision, no ids from clocks or counters shared between
calls), every label escaped, and each SVG standalone (``xmlns``) so it can be a file (``loss.svg``) or sit
inline in a page. :func:`write_loss_svg` draws ``metrics.jsonl`` of ``nexc train`` (loss and learning rate
by step, two panels on one x axis).
"""
from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from nexc.fileio import write_atomic
from nexc.pages.html import esc_xml as esc

PALETTE = ("#2b5fd9", "#d9622b", "#1f8a5b", "#8a4fd1", "#c62e2e", "#5c667a")
_FONT = 'font-size="11" fill="#1d2433"'


def _n(v: float) -> str:
    """A coordinate: two decimals, no trailing zeros, never ``-0``."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def label(v: float) -> str:
    """A tick or value label: up to 4 significant digits, plain or scientific, stable across platforms."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6 or a < 1e-3:
        m, e = f"{v:.2e}".split("e")
        return f"{m.rstrip('0').rstrip('.')}e{int(e)}"
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:.4g}"


def ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering ``lo``–``hi`` (about ``n`` of them: steps of 1, 2 or 5 × 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi - lo <= max(abs(lo), abs(hi)) * 1e-9 or hi - lo < 1e-12:  # constant data: a range around it
        d = abs(lo) * 0.1 if abs(lo) >= 1e-9 else 1.0
        lo, hi = lo - d, lo + d
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step)
    out = [float(f"{first * step:.12g}") + 0.0]
    while out[-1] < hi - step * 1e-9 and len(out) < 60:
        out.append(float(f"{(first + len(out)) * step:.12g}") + 0.0)
    return out


def _svg(width: int, height: int, inner: Iterable[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" role="img" '
            f'aria-label="{esc(title)}">'
            f'<title>{esc(title)}</title><rect width="{width}" height="{height}" fill="#ffffff"/>'
            + "".join(inner) + "</svg>")


def _panel(series: Sequence[tuple[str, Sequence[tuple[float, float]]]], x0: float, y0: float, w: float, h: float,
           xs: list[float], y_label: str, colours: Sequence[str], x_ticks: bool) -> list[str]:
    """One plot area at (x0, y0) of size w×h with its y axis, grid and lines; x range from ``xs`` (ticks)."""
    ys = [y for _, pts in series for _, y in pts if math.isfinite(y)]
    yt = ticks(min(ys), max(ys)) if ys else [0.0, 1.0]
    if len(yt) < 2:
        yt = [yt[0], yt[0] + 1]
    xlo, xhi, ylo, yhi = xs[0], xs[-1], yt[0], yt[-1]
    def sx(x):
        return x0 + (x - xlo) / ((xhi - xlo) or 1) * w

    def sy(y):
        return y0 + h - (y - ylo) / ((yhi - ylo) or 1) * h
    out = [f'<rect x="{_n(x0)}" y="{_n(y0)}" width="{_n(w)}" height="{_n(h)}" fill="none" stroke="#d9dee8"/>']
    for t in yt:
        out.append(f'<line x1="{_n(x0)}" x2="{_n(x0 + w)}" y1="{_n(sy(t))}" y2="{_n(sy(t))}" stroke="#eef0f5"/>'
                   f'<text x="{_n(x0 - 6)}" y="{_n(sy(t) + 4)}" text-anchor="end" {_FONT}>{esc(label(t))}</text>')
    if x_ticks:
        for t in xs:
            out.append(f'<text x="{_n(sx(t))}" y="{_n(y0 + h + 15)}" text-anchor="middle" {_FONT}>'
                       f"{esc(label(t))}</text>")
    out.append(f'<text transform="translate({_n(x0 - 48)} {_n(y0 + h / 2)}) rotate(-90)" text-anchor="middle" '
               f'{_FONT}>{esc(y_label)}</text>')
    for k, (name, pts) in enumerate(series):
        good = [(x, y) for x, y in pts if math.isfinite(x) and math.isfinite(y)]
        colour = colours[k % len(colours)]
        if len(good) == 1:
            x, y = good[0]
            out.append(f'<circle cx="{_n(sx(x))}" cy="{_n(sy(y))}" r="3" fill="{colour}"/>')
        elif good:
            d = " ".join(f"{_n(sx(x))},{_n(sy(y))}" for x, y in good)
            out.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="1.6"><title>'
                       f"{esc(name)}</title></polyline>")
    return out


def line_chart(panels: Sequence[tuple[str, Sequence[tuple[str, Sequence[tuple[float, float]]]]]], *, title: str,
               x_label: str, width: int = 640, panel_height: int = 160) -> str:
    """Stacked panels sharing one x axis; each panel is ``(y_label, [(series name, [(x, y)])])``."""
    xs_all = [x for _, series in panels for _, pts in series for x, _ in pts if math.isfinite(x)]
    xs = ticks(min(xs_all), max(xs_all)) if xs_all else [0.0, 1.0]
    if len(xs) < 2:
        xs = [xs[0], xs[0] + 1]
    left, top, gap = 64, 30, 18
    w = width - left - 16
    height = top + len(panels) * (panel_height + gap) + 28
    inner = [f'<text x="{left}" y="18" font-size="13" font-weight="600" fill="#1d2433">{esc(title)}</text>']
    names = [name for _, series in panels for name, _ in series]
    lx = left + 8 + len(title) * 7.5
    for k, name in enumerate(names):
        inner.append(f'<rect x="{_n(lx)}" y="9" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
                     f'<text x="{_n(lx + 14)}" y="18" {_FONT}>{esc(name)}</text>')
        lx += 24 + len(name) * 6.5
    k0 = 0
    for i, (y_label, series) in enumerate(panels):
        y0 = top + i * (panel_height + gap)
        inner += _panel(series, left, y0, w, panel_height, xs, y_label, PALETTE[k0:] + PALETTE[:k0],
                        i == len(panels) - 1)
        k0 += len(series)
    inner.append(f'<text x="{_n(left + w / 2)}" y="{height - 4}" text-anchor="middle" {_FONT}>{esc(x_label)}</text>')
    return _svg(width, height, inner, title)


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, width: int = 640, unit: str = "",
              colour: str = PALETTE[0]) -> str:
    """Horizontal bars, one per ``(label, value)``, in the order given, each with its value written."""
    left = min(260, 16 + max((len(lbl) for lbl, _ in items), default=4) * 7)
    row, top = 22, 28
    height = top + max(len(items), 1) * row + 8
    top_v = max((v for _, v in items), default=0) or 1
    bw = width - left - 90
    inner = [f'<text x="8" y="18" font-size="13" font-weight="600" fill="#1d2433">{esc(title)}</text>']
    if not items:
        inner.append(f'<text x="8" y="{top + 14}" {_FONT}>(none)</text>')
    for i, (lbl, v) in enumerate(items):
        y = top + i * row
        shown = lbl if len(lbl) <= 36 else lbl[:35] + "…"
        inner.append(f'<g><title>{esc(lbl)}: {esc(label(v))}{esc(unit)}</title>'
                     f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" {_FONT}>{esc(shown)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{_n(max(v, 0) / top_v * bw)}" height="{row - 6}" '
                     f'fill="{colour}"/><text x="{_n(left + max(v, 0) / top_v * bw + 6)}" y="{y + 14}" {_FONT}>'
                     f"{esc(label(v))}{esc(unit)}</text></g>")
    return _svg(width, height, inner, title)


def heat(count: int, top: int) -> str:
    """A fill for ``count`` of ``top``: pale to deep blue by the square root; 0 is a light red (a gap)."""
    if count <= 0:
        return "#fbe3e3"
    t = math.sqrt(count / max(top, 1))
    lo, hi = (232, 240, 253), (31, 74, 176)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(lo, hi))


def tree_chart(rows: Sequence[tuple[int, str, int, str]], *, title: str, width: int = 720) -> str:
    """A tree drawn as indented rows ``(depth, label, count, tooltip)``, each box coloured by its count."""
    row, top, indent = 22, 28, 18
    height = top + max(len(rows), 1) * row + 24
    most = max((c for _, _, c, _ in rows), default=0)
    inner = [f'<text x="8" y="18" font-size="13" font-weight="600" fill="#1d2433">{esc(title)}</text>']
    for i, (depth, lbl, count, tip) in enumerate(rows):
        x, y = 8 + depth * indent, top + i * row
        shown = lbl if len(lbl) <= 60 else lbl[:59] + "…"
        dark = count > 0 and math.sqrt(count / max(most, 1)) > 0.55
        if depth:
            inner.append(f'<path d="M{x - 10} {y - 6} V{y + 10} H{x}" fill="none" stroke="#c3c9d6"/>')
        inner.append(f'<g><title>{esc(tip)}</title><rect x="{x}" y="{y + 1}" width="{width - x - 70}" '
                     f'height="{row - 3}" rx="3" fill="{heat(count, most)}"/><text x="{x + 6}" y="{y + 15}" '
                     f'font-size="11" fill="{"#ffffff" if dark else "#1d2433"}">{esc(shown)}</text>'
                     f'<text x="{width - 8}" y="{y + 15}" text-anchor="end" {_FONT}>{count:,}</text></g>')
    inner.append(f'<text x="8" y="{height - 6}" font-size="10" fill="#5c667a">colour: runs per node (square-root '
                 f"scale, most {most:,}); red: none</text>")
    return _svg(width, height, inner, title)


def loss_svg(metrics: Sequence[dict]) -> str:
    """Loss and learning rate by step, from ``metrics.jsonl`` records (``step``, ``loss``, ``lr``)."""
    def pts(key: str) -> list[tuple[float, float]]:
        return [(float(m["step"]), float(m[key])) for m in metrics
                if isinstance(m.get("step"), (int, float)) and isinstance(m.get(key), (int, float))]
    return line_chart([("loss", [("loss", pts("loss"))]), ("learning rate", [("learning rate", pts("lr"))])],
                      title="Training", x_label="step")


def write_loss_svg(output_dir: str | os.PathLike) -> Path | None:
    """Write ``loss.svg`` from ``output_dir/metrics.jsonl`` (atomically); None when there are no metrics."""
    out = Path(output_dir)
    src = out / "metrics.jsonl"
    if not src.exists():
        return None
    metrics = []
    for line in src.read_text(encoding="utf-8").split("\n"):
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict):
            metrics.append(rec)
    if not metrics:
        return None
    svg = loss_svg(metrics)
    svg = svg.replace("<title>", f"<!-- generated by nexc from {esc(src.name)}; do not edit --><title>", 1)
    write_atomic(out / "loss.svg", svg + "\n")
    return out / "loss.svg"
