"""NexAU wire profile against captures of the real NexAU v0.3.4 runtime (``../shared/vectors/nexau_wire/``):
the same config, task and scripted model give the same request bodies, in order, after the masks of
each scenario's ``volatile.json`` (token counts in the hints; NexAU's instruction prose, which nexc
writes in its own words)."""
from __future__ import annotations

import json

import pytest

import nexau_wire as W

SCENARIOS = W.scenarios()


@pytest.mark.skipif(not SCENARIOS, reason="../shared/vectors/nexau_wire is absent (captures of the real NexAU)")
@pytest.mark.parametrize("folder", SCENARIOS, ids=lambda p: p.name)
def test_requests_match_real_nexau(folder, tmp_path, capsys):
    got, result = W.run_scenario(folder, tmp_path)
    diffs = W.compare(folder, got)
    with capsys.disabled():
        print("\n" + W.table(folder.name, diffs))
    assert all(not d for d in diffs), W.table(folder.name, diffs)
    answer = json.loads((folder / "answer.json").read_text(encoding="utf-8"))
    assert result.output == answer["answer"] and len(result.records) == answer["llm_calls"]


@pytest.mark.skipif(not SCENARIOS, reason="../shared/vectors/nexau_wire is absent (captures of the real NexAU)")
def test_the_comparison_sees_a_difference(tmp_path):
    """The nexc profile on the same scenario differs from NexAU (the check is not blind)."""
    folder = next(p for p in SCENARIOS if "openai-basic" in p.name)
    got, _ = W.run_scenario(folder, tmp_path, profile="nexc")
    assert any(W.compare(folder, got))


def test_masks_follow_pointers_with_wildcards():
    bodies = [{"messages": [{"content": "n=12 x"}, {"content": "n=3"}]}]
    masks = [{"pointer": "/*/messages/*/content", "regex": r"n=\d+", "replace": "n=<N>"},
             {"pointer": "/0/messages/1", "regex": None, "replace": "gone"}]
    assert W.mask(bodies, masks) == [{"messages": [{"content": "n=<N> x"}, "gone"]}]
    assert bodies[0]["messages"][0]["content"] == "n=12 x"
