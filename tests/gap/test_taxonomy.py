"""Taxonomies as NexGAP writes them and in nexc YAML: every problem with its position."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nexc.diagnostics import Reporter
from nexc.gap.taxonomy import load_taxonomy

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "nexa4a"


def _load(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    r = Reporter()
    return load_taxonomy(str(p), r), r.sorted()


def test_the_shared_taxonomies_load_clean():
    files = sorted(SHARED.glob("*/problem_types.json"))
    if not files:
        pytest.skip(f"no shared taxonomies at {SHARED}")
    for f in files:
        r = Reporter()
        tax = load_taxonomy(str(f), r)
        assert tax is not None and not r.diagnostics, r.sorted()
        assert len(tax.leaves()) > 100 and tax.version.startswith("sha256:")


def test_nested_and_flat_yaml_give_the_same_tree(tmp_path):
    nested, _ = _load(tmp_path, "a.yaml", "taxonomy:\n  id: root\n  en: R\n  zh: 根\n  children:\n"
                      "    - {id: a, en: A, zh: 甲, children: [{id: a1, en: A1, zh: 甲1}]}\n    - {id: b, en: B, zh: 乙}\n")
    flat, _ = _load(tmp_path, "b.yaml", "nodes:\n  - {id: root, en: R, zh: 根}\n  - {id: a, parent: root, en: A, zh: 甲}\n"
                    "  - {id: a1, parent: a, en: A1, zh: 甲1}\n  - {id: b, parent: root, en: B, zh: 乙}\n")
    assert [n.path for n in nested.leaves()] == [n.path for n in flat.leaves()] == [("a", "a1"), ("b",)]
    assert nested.version == flat.version


@pytest.mark.parametrize("text,code,line", [
    (json.dumps({"framework": "f", "tree": {"id": "root", "en": "f", "zh": "f", "children": []}}), "NEX800", 1),
    ('{"tree": {"id": "root", "children": [\n {"id": "a", "en": "A", "zh": "甲"},\n {"id": "a", "en": "A", "zh": "甲"}]}}',
     "NEX801", 3),
    ('{"tree": {"id": "root", "children": [\n {"id": "a", "en": "A"}]}}', "NEX802", 2),
])
def test_bad_taxonomies_get_positions(tmp_path, text, code, line):
    tax, diags = _load(tmp_path, "t.json", text)
    hits = [d for d in diags if d.code == code]
    assert hits and hits[0].span.line == line, diags


def test_a_parent_cycle_is_refused(tmp_path):
    tax, diags = _load(tmp_path, "c.yaml", "nodes:\n  - {id: root}\n  - {id: a, parent: b, en: A, zh: 甲}\n"
                       "  - {id: b, parent: a, en: B, zh: 乙}\n")
    assert tax is None and [d.code for d in diags if d.code == "NEX803"]
    assert {d.span.line for d in diags if d.code == "NEX803"} <= {3, 4}


def test_ids_may_repeat_in_different_branches(tmp_path):
    tax, diags = _load(tmp_path, "t.json", json.dumps({"tree": {"id": "r", "children": [
        {"id": "a", "en": "A", "zh": "甲", "children": [{"id": "x", "en": "X", "zh": "X"}]},
        {"id": "b", "en": "B", "zh": "乙", "children": [{"id": "x", "en": "X", "zh": "X"}]}]}}))
    assert tax is not None and not diags
    assert {tax.key(n.path) for n in tax.leaves()} == {"r→a→x", "r→b→x"}
