"""Text for pictures: user strings made printable, their width estimated, long ones wrapped or cut.

Every renderer draws a string only after :func:`printable` (control characters shown as ``\\n``,
``\\t``, ``\\x07``; lone surrogates as U+FFFD), so no name can break a line of DOT or Mermaid or put a
character into SVG that XML forbids. Widths are a fixed estimate per character of a monospace font
(:data:`CHAR_EM` of the font size; East Asian wide characters count twice, combining marks not at all),
so the layout needs no font files and gives the same numbers on every machine.
"""
from __future__ import annotations

import unicodedata

#: advance width of one monospace character, in ems (DejaVu Sans Mono and Menlo: 0.602)
CHAR_EM = 0.62
#: the longest line drawn in a box, in character cells; longer text is wrapped or cut with "…"
MAX_CELLS = 46

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(s: str) -> str:
    """``s`` with control and format characters written as escapes, lone surrogates as U+FFFD."""
    out = []
    for ch in str(s):
        cat = unicodedata.category(ch)
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif cat == "Cs":
            out.append("\ufffd")
        elif cat in ("Cc", "Cf", "Zl", "Zp") or ch in ("\ufffe", "\uffff"):
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def cells(ch: str) -> int:
    """Character cells one (printable) character takes: 2 for wide, 0 for combining, else 1."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def width_cells(s: str) -> int:
    """Character cells of a printable string."""
    return sum(cells(c) for c in s)


def text_width(s: str, font_size: float) -> float:
    """Estimated drawn width of ``s`` in pixels at ``font_size``."""
    return width_cells(s) * CHAR_EM * font_size


def cut(s: str, limit: int = MAX_CELLS) -> str:
    """``s`` cut to at most ``limit`` cells, ending in "…" when something was cut."""
    if width_cells(s) <= limit:
        return s
    out, used = [], 0
    for ch in s:
        w = cells(ch)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def wrap_items(label: str, items: list[str], limit: int = MAX_CELLS, max_lines: int = 6) -> list[str]:
    """``label: a, b, c`` wrapped at item boundaries into lines of at most ``limit`` cells (continuation
    lines indented); items too long for a line are cut; after ``max_lines`` the rest is "+N more"."""
    head = f"{label}: "
    indent = " " * len(head)
    lines: list[str] = []
    cur = head
    fresh = True
    for i, item in enumerate(items):
        piece = cut(item, limit - len(head) - 1) + ("," if i < len(items) - 1 else "")
        if not fresh and width_cells(cur) + 1 + width_cells(piece) > limit:
            if len(lines) + 1 == max_lines:
                rest = len(items) - i
                lines.append(cur)
                lines.append(indent + f"+{rest} more")
                return lines
            lines.append(cur)
            cur, fresh = indent, True
        cur = cur + ("" if fresh else " ") + piece
        fresh = False
    lines.append(cur)
    return lines


def xml_escape(s: str) -> str:
    """``s`` safe inside XML text and double- or single-quoted attributes."""
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))
