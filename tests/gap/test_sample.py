"""Sampling: balanced draws every leaf equally, inverse-frequency starves almost none, counts shared by
processes lose nothing, seeds reproduce, NexGAP's stats file is read and written as NexGAP does."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nexc.diagnostics import Reporter
from nexc.gap.sample import Allocator, coverage
from nexc.gap.stats import read_counts
from nexc.gap.taxonomy import load_taxonomy

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "nexa4a"


def _shared():
    files = sorted(SHARED.glob("*/problem_types.json"))
    if not files:
        pytest.skip(f"no shared taxonomies at {SHARED}")
    return [load_taxonomy(str(f), Reporter()) for f in files]


def test_balanced_draws_every_leaf_exactly_twice_at_2L():
    for tax in _shared():
        a = Allocator(tax, mode="balanced", seed=7)
        for _ in range(2 * len(tax.leaves())):
            a.draw()
        cov = coverage(tax, a.counts.snapshot())
        assert (cov["undrawn"], cov["min"], cov["max"]) == (0, 2, 2)


def test_inverse_frequency_leaves_at_most_3_percent_undrawn():
    for tax in _shared():
        leaves = len(tax.leaves())
        for seed in range(10):
            a = Allocator(tax, mode="inverse-frequency", alpha=1.5, seed=seed)
            for _ in range(2 * leaves):
                a.draw()
            assert coverage(tax, a.counts.snapshot())["undrawn"] <= 0.03 * leaves, seed


def test_the_same_seed_gives_the_same_draws():
    tax = _shared()[0]
    runs = [[Allocator(tax, mode=m, seed=3).draw() for _ in range(50)] for m in ("inverse-frequency",) * 2]
    assert runs[0] == runs[1]
    other = [Allocator(tax, mode="inverse-frequency", seed=4).draw() for _ in range(50)]
    assert other != runs[0]


def test_two_processes_sampling_into_one_stats_file_lose_no_count(tmp_path):
    files = sorted(SHARED.glob("*/problem_types.json"))
    if not files:
        pytest.skip("no shared taxonomies")
    stats = tmp_path / "tag_sampling_stats.json"
    cmd = [sys.executable, "-m", "nexc", "gap", "sample", str(files[0]), "--n", "150", "--stats", str(stats),
           "--mode", "balanced", "-o"]
    procs = [subprocess.Popen(cmd + [str(tmp_path / f"d{i}.jsonl")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i in range(2)]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read().decode()
    counts = read_counts(stats)
    tax = load_taxonomy(str(files[0]), Reporter())
    leaf_keys = {tax.key(n.path) for n in tax.leaves()}
    assert sum(v for k, v in counts.items() if k in leaf_keys) == 300
    data = json.loads(stats.read_text())
    assert data["total_samples"] == 300 and data["framework"] == tax.framework
    assert set(data) == {"framework", "path_counts", "total_samples", "last_updated", "statistics"}
    leaf_counts = [counts.get(k, 0) for k in leaf_keys]
    assert max(leaf_counts) - min(leaf_counts) <= 1  # balanced across both processes


def test_sample_cli_writes_paths_and_a_coverage_table(tmp_path):
    from click.testing import CliRunner

    from nexc.cli import cli

    (tmp_path / "t.yaml").write_text("taxonomy:\n  id: root\n  en: R\n  zh: 根\n  children:\n"
                                     "    - {id: a, en: A, zh: 甲}\n    - {id: b, en: B, zh: 乙}\n")
    out = CliRunner().invoke(cli, ["gap", "sample", str(tmp_path / "t.yaml"), "--n", "4", "-o", str(tmp_path / "d")])
    assert out.exit_code == 0, out.output
    draws = [json.loads(x)["path"] for x in (tmp_path / "d").read_text().splitlines()]
    assert sorted(draws) == [["a"], ["a"], ["b"], ["b"]]
    assert "0 never drawn" in out.output


def test_truncation_draws_inner_nodes(tmp_path):
    tax = _shared()[0]
    a = Allocator(tax, mode="balanced", seed=1, truncate=1)
    paths = [a.draw().path for _ in range(200)]
    assert any(len(p) == 1 for p in paths) and all(tax.node(p) is not None for p in paths)


def test_a_malformed_stats_file_is_an_error_not_a_crash(tmp_path):
    from click.testing import CliRunner

    from nexc.cli import cli

    (tmp_path / "t.yaml").write_text("taxonomy:\n  id: root\n  children:\n    - {id: a, en: A, zh: 甲}\n")
    (tmp_path / "s.json").write_text('{"path_counts": {"root→a": "many"}}')
    out = CliRunner().invoke(cli, ["gap", "sample", str(tmp_path / "t.yaml"), "--n", "1", "--stats",
                                   str(tmp_path / "s.json")])
    assert out.exit_code == 1 and "path_counts" in out.output and "Traceback" not in out.output
