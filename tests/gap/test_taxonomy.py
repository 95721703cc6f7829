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


def test_expand_writes_a_checked_new_version_and_never_the_input(tmp_path):
    from click.testing import CliRunner

    from nexc.cli import cli
    from nexc.testing import FakeOpenAI, reply

    src = tmp_path / "problem_types.json"
    src.write_text(json.dumps({"framework": "f", "tree": {"id": "root", "en": "f", "zh": "f", "children": [
        {"id": "pricing", "en": "Pricing", "zh": "定价", "children": [
            {"id": "menu_pricing", "en": "Menu Pricing", "zh": "菜单定价"}]}]}}, ensure_ascii=False))
    before = src.read_bytes()
    proposal = json.dumps([{"id": "event_quotes", "en": "Event Quotes", "zh": "活动报价"},
                           {"id": "menu_pricing", "en": "Menu prices", "zh": "菜单"},       # id taken
                           {"id": "menu_pricing_2", "en": "Menu Pricing.", "zh": "菜单"},   # overlaps
                           {"id": "Bad-Id", "en": "X", "zh": "X"},
                           {"id": "no_zh", "en": "Bulk Discounts"}], ensure_ascii=False)
    with FakeOpenAI([reply(proposal)]) as url:
        out = CliRunner().invoke(cli, ["gap", "taxonomy", "expand", str(src), "--node", "pricing", "-o",
                                       str(tmp_path / "v2.json"), "--base-url", url, "--model", "fake"])
    assert out.exit_code == 0, out.output
    assert src.read_bytes() == before
    r = Reporter()
    new = load_taxonomy(str(tmp_path / "v2.json"), r)
    assert new is not None and not r.diagnostics
    assert [c.id for c in new.node(("pricing",)).children] == ["menu_pricing", "event_quotes"]
    prov = json.loads((tmp_path / "v2.json").read_text())["provenance"]
    assert prov["added"] == ["event_quotes"] and len(prov["rejected"]) == 4
    assert prov["grown_from"] == load_taxonomy(str(src), Reporter()).version
    same = CliRunner().invoke(cli, ["gap", "taxonomy", "expand", str(src), "--node", "pricing", "-o", str(src),
                                    "--base-url", "http://127.0.0.1:9/v1"])
    assert same.exit_code == 1 and "never overwritten" in same.output and src.read_bytes() == before


def test_nexc_lint_checks_a_gap_job_like_a_spec(tmp_path):
    from click.testing import CliRunner

    from nexc.cli import cli

    (tmp_path / "f.nex").write_text('nex 1\nllm m { model = "x" }\nagent a {\n  llm = m\n  prompt = "p"\n}\n')
    (tmp_path / "t.json").write_text(json.dumps({"tree": {"id": "r", "children": [{"id": "a", "en": "A", "zh": "甲"}]}}))
    (tmp_path / "p.jsonl").write_text('{"persona": "A chef"}\n{"persona_chinese": "x"}\n')
    job = tmp_path / "gap.yaml"
    job.write_text("gap: 1\nframework: f.nex\ntaxonomy: t.json\npersonas: p.jsonl\nqueries: 0\n")
    out = CliRunner().invoke(cli, ["lint", str(job)])
    assert out.exit_code == 1 and "gap.yaml:5:10" in out.output and "NEX804" in out.output, out.output
    job.write_text("gap: 1\nframework: f.nex\ntaxonomy: t.json\npersonas: p.jsonl\nqueries: 10\n")
    out = CliRunner().invoke(cli, ["lint", str(job)])
    assert out.exit_code == 1 and "p.jsonl:2:1" in out.output, out.output  # the persona line without 'persona'
    (tmp_path / "p.jsonl").write_text('{"persona": "A chef"}\n')
    out = CliRunner().invoke(cli, ["lint", str(job)])
    assert out.exit_code == 0, out.output
