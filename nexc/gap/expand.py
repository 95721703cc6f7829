"""Taxonomy growth without mutation: proposed children of one node are checked — ids must be new identifiers
among the node's children, labels present in both languages and not near-duplicates of a sibling's (difflib
ratio ≥ 0.85 on the English label) — and the accepted ones go into a **new** taxonomy file, NexGAP's layout,
with ``provenance`` (the version grown from, the node, what was added and rejected and why, the model). The
input file is never written."""
from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from nexc.gap.taxonomy import Node, Taxonomy, _plain

_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def check_children(node: Node, proposed: list, languages=("en", "zh")) -> tuple[list[dict], list[str]]:
    """The acceptable children of ``proposed`` and why the others were refused."""
    ok, why = [], []
    taken = {c.id for c in node.children}
    labels = [c.labels.get("en", "").lower() for c in node.children]
    for i, p in enumerate(proposed if isinstance(proposed, list) else []):
        if not isinstance(p, dict) or not isinstance(p.get("id"), str):
            why.append(f"#{i + 1}: not an object with an id")
            continue
        if not _ID.match(p["id"]):
            why.append(f"'{p['id']}': an id is snake_case, starting with a letter")
            continue
        if p["id"] in taken:
            why.append(f"'{p['id']}': the id is taken under '{node.id}'")
            continue
        missing = [lang for lang in languages if not (isinstance(p.get(lang), str) and p[lang].strip())]
        if missing:
            why.append(f"'{p['id']}': no {'/'.join(missing)} label")
            continue
        en = p["en"].strip().lower()
        close = next((lab for lab in labels if difflib.SequenceMatcher(None, en, lab).ratio() >= 0.85), None)
        if close is not None:
            why.append(f"'{p['id']}': overlaps the sibling '{close}'")
            continue
        taken.add(p["id"])
        labels.append(en)
        ok.append({"id": p["id"], **{lang: p[lang].strip() for lang in languages}})
    return ok, why


def grown(tax: Taxonomy, path: tuple[str, ...], children: list[dict], provenance: dict) -> dict:
    """The new version's document (NexGAP's layout plus ``provenance``)."""
    tree = _plain(tax.root)
    cur = tree
    for part in path:
        cur = next(c for c in cur["children"] if c["id"] == part)
    cur["children"] = cur["children"] + [{**c, "children": []} for c in children]
    return {"framework": tax.framework, "tree": tree, "provenance": provenance}


def write_new_version(doc: dict, out: Path, source: Path) -> None:
    if out.resolve() == source.resolve():
        raise ValueError("the grown taxonomy is a new file; the input is never overwritten")
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
