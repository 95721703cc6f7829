"""Problem-type taxonomies, read as NexGAP writes them or in nexc's YAML, checked with positions.

Forms (JSON is read through nexc's YAML reader, so every node keeps its line and column):

- NexGAP's ``problem_types.json``: ``{"framework", "tree": {"id", "en", "zh", "children": [...]}}``;
- nexc YAML, nested the same way under ``taxonomy:``, or flat: ``nodes: [{id, parent, en, zh}]`` (the node
  without a parent is the root).

Problems: NEX800 empty tree, NEX801 two siblings with one id (ids may repeat in different branches: the path
is the key), NEX802 a label missing in one of the languages, NEX803 a
parent cycle (flat form). A path is the list of ids from the root's child down to a node; its stats key is
``root→a→b`` (NexGAP's).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from nexc.diagnostics import Reporter
from nexc.frontend.located import Loc
from nexc.ir.base import Span

SEP = "→"
LANGUAGES = ("en", "zh")


@dataclass
class Node:
    """One problem type."""

    id: str
    labels: dict[str, str]
    span: Span
    children: list["Node"] = field(default_factory=list)
    path: tuple[str, ...] = ()

    @property
    def leaf(self) -> bool:
        return not self.children


@dataclass
class Taxonomy:
    """A checked tree; ``version`` is a hash of its content (provenance of every query)."""

    framework: str
    root: Node
    source: str
    version: str = ""

    def nodes(self) -> list[Node]:
        out, todo = [], list(reversed(self.root.children))
        while todo:
            n = todo.pop()
            out.append(n)
            todo.extend(reversed(n.children))
        return out

    def leaves(self) -> list[Node]:
        return [n for n in self.nodes() if n.leaf]

    def key(self, path: tuple[str, ...] | list[str]) -> str:
        """NexGAP's stats key of ``path``."""
        return SEP.join((self.root.id, *path))

    def node(self, path) -> Node | None:
        cur = self.root
        for part in path:
            cur = next((c for c in cur.children if c.id == part), None)
            if cur is None:
                return None
        return cur


def _text(loc: Loc | None) -> str | None:
    return loc.value.strip() if loc is not None and isinstance(loc.value, str) and loc.value.strip() else None


def _labels(b: dict, loc: Loc, node_id: str, languages, r: Reporter) -> dict[str, str]:
    labels = {}
    for lang in languages:
        t = _text(b.get(lang))
        if t is None:
            r.report("NEX802", loc.span, f"node '{node_id}' has no '{lang}' label", fix=f"add {lang}: …")
        else:
            labels[lang] = t
    return labels


def _nested(loc: Loc, seen: dict[str, Span], languages, r: Reporter, path=(), depth=0) -> Node | None:
    if not isinstance(loc.value, dict):
        r.report("NEX804", loc.span, "a taxonomy node must be a map with id, labels and children")
        return None
    b = loc.value
    node_id = _text(b.get("id"))
    if node_id is None:
        r.report("NEX804", loc.span, "this taxonomy node has no id")
        return None
    if depth > 0 and node_id in seen:  # siblings: one path for two nodes (ids may repeat in other branches)
        r.report("NEX801", b["id"].span, f"node id '{node_id}' is used twice under one parent",
                 notes=(f"first at {seen[node_id]}",), fix=f"rename one of the two '{node_id}'")
    seen.setdefault(node_id, b["id"].span)
    me = path + (node_id,) if depth > 0 else ()
    node = Node(node_id, _labels(b, loc, node_id, languages, r) if depth > 0 else {
        k: v for k in languages if (v := _text(b.get(k)))}, loc.span, path=me)
    kids = b.get("children")
    if kids is not None and kids.value is not None:
        if not isinstance(kids.value, list):
            r.report("NEX804", kids.span, "'children' must be a list of nodes")
        elif depth > 50:
            r.report("NEX804", kids.span, "the taxonomy is nested more than 50 levels deep")
        else:
            siblings: dict[str, Span] = {}
            for c in kids.value:
                child = _nested(c, siblings, languages, r, me, depth + 1)
                if child is not None:
                    node.children.append(child)
    return node


def _flat(loc: Loc, languages, r: Reporter) -> Node | None:
    items = [x for x in loc.value if isinstance(x.value, dict)] if isinstance(loc.value, list) else []
    by_id: dict[str, tuple[Loc, str | None]] = {}
    for x in items:
        i = _text(x.value.get("id"))
        if i is None:
            r.report("NEX804", x.span, "this taxonomy node has no id")
            continue
        if i in by_id:
            r.report("NEX801", x.value["id"].span, f"node id '{i}' is used twice",
                     notes=(f"first at {by_id[i][0].span}",))
            continue
        by_id[i] = (x, _text(x.value.get("parent")))
    roots = [i for i, (_, p) in by_id.items() if p is None]
    for i, (x, p) in by_id.items():
        seen, cur = {i}, p
        while cur is not None:
            if cur not in by_id:
                r.report("NEX803", x.value["parent"].span, f"node '{i}' names parent '{cur}', which does not exist")
                break
            if cur in seen:
                r.report("NEX803", x.value["parent"].span, f"the parents of node '{i}' come back to '{cur}' (a cycle)")
                break
            seen.add(cur)
            cur = by_id[cur][1]
    if r.has_errors:
        return None
    if len(roots) != 1:
        r.report("NEX803", loc.span, f"a flat taxonomy needs exactly one node without a parent, not {len(roots)}")
        return None

    def build(i: str, path) -> Node:
        x = by_id[i][0]
        me = path + (i,) if path is not None else ()
        labels = (_labels(x.value, x, i, languages, r) if path is not None
                  else {k: v for k in languages if (v := _text(x.value.get(k)))})
        n = Node(i, labels, x.span, path=me)
        n.children = [build(c, me) for c, (_, p) in by_id.items() if p == i]
        return n

    return build(roots[0], None)


def load_taxonomy(path: str, r: Reporter, *, languages=LANGUAGES) -> Taxonomy | None:
    """The taxonomy at ``path``, or None (with diagnostics)."""
    from nexc.frontend.yaml_loader import load_yaml
    from nexc.source import MAX_SPEC_BYTES, read_text

    text = read_text(path, r, limit=4 * MAX_SPEC_BYTES, what="taxonomy")
    if text is None:
        return None
    doc = load_yaml(path, text, r)
    if doc is None:
        return None
    b = doc.value if isinstance(doc.value, dict) else {}
    framework = _text(b.get("framework")) or ""
    if "tree" in b or "taxonomy" in b:
        root = _nested(b.get("tree") or b.get("taxonomy"), {}, languages, r)  # ids unique among siblings
    elif "nodes" in b:
        root = _flat(b["nodes"], languages, r)
    else:
        r.report("NEX800", doc.span, "no taxonomy here: expected 'tree' (NexGAP), 'taxonomy' or 'nodes'")
        return None
    if root is None:
        return None
    if not root.children:
        r.report("NEX800", root.span, f"the taxonomy '{root.id}' has no problem types under its root",
                 fix="add children, or grow the tree with `nexc gap taxonomy expand`")
        return None
    tax = Taxonomy(framework or root.id, root, path)
    tax.version = "sha256:" + hashlib.sha256(json.dumps(_plain(root), ensure_ascii=False, sort_keys=True)
                                             .encode("utf-8")).hexdigest()[:16]
    return tax


def _plain(n: Node) -> dict:
    return {"id": n.id, **n.labels, "children": [_plain(c) for c in n.children]}


def depth_table(tax: Taxonomy, counts: dict[str, int]) -> list[tuple[int, int, int, int, int]]:
    """Per depth: ``(depth, nodes, leaves, min leaf count, max leaf count)`` (counts by stats key)."""
    rows: dict[int, list] = {}
    for n in tax.nodes():
        d = len(n.path)
        row = rows.setdefault(d, [0, 0, None, None])
        row[0] += 1
        if n.leaf:
            c = counts.get(tax.key(n.path), 0)
            row[1] += 1
            row[2] = c if row[2] is None else min(row[2], c)
            row[3] = c if row[3] is None else max(row[3], c)
    return [(d, v[0], v[1], v[2] or 0, v[3] or 0) for d, v in sorted(rows.items())]
