"""Crash-safe output: partial lines cut on resume, ids read back, the compact id index."""
from __future__ import annotations

from nexc.dataset.render import OPEN, CLOSE, SpanError, split_spans
from nexc.dataset.store import IdIndex, SampleFile, read_ids, repair, sample_id

import pytest


def test_repair_cuts_a_partial_last_line(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_bytes(b'{"id":"0000000000000001","a":1}\n{"id":"00000000000')
    assert repair(p) == len(b'{"id":"00000000000')
    assert p.read_bytes() == b'{"id":"0000000000000001","a":1}\n'
    assert repair(p) == 0
    p.write_bytes(b'{"id":"00')
    repair(p)
    assert p.read_bytes() == b""


def test_sample_file_appends_after_existing_ids(tmp_path):
    p = tmp_path / "f" / "data.jsonl"
    f = SampleFile(p)
    sid = sample_id("t", "s", "", "openai", "call")
    f.write(sid, '{"x":1}')
    f.close()
    assert read_ids(p) == [sid]
    again = SampleFile(p)
    assert again.existing == 1 and sid in again.ids
    again.close()


def test_sample_ids_are_stable_and_distinct():
    a = sample_id("t", "s", "", "openai", "call")
    assert a == sample_id("t", "s", "ignored", "openai", "call") and len(a) == 16
    assert len({a, sample_id("t", "s", "", "qwen3_coder", "call"), sample_id("t", "s", "", "openai", "run"),
                sample_id(None, None, "[..]", "openai", "call")}) == 4


def test_id_index_merges():
    IdIndex._MERGE, old = 4, IdIndex._MERGE
    try:
        idx = IdIndex(["00000000000000ff"])
        ids = [f"{i:016x}" for i in range(10)]
        for i in ids:
            idx.add(i)
        assert all(i in idx for i in ids) and "00000000000000ff" in idx and "0000000000000aaa" not in idx
        assert len(idx) == 11
    finally:
        IdIndex._MERGE = old


def test_split_spans():
    assert split_spans(f"a{OPEN}bc{CLOSE}d{OPEN}{CLOSE}e{OPEN}f{CLOSE}") == ("abcdef", [[1, 3], [5, 6]])
    with pytest.raises(SpanError):
        split_spans(f"a{OPEN}b{OPEN}c{CLOSE}{CLOSE}")
    with pytest.raises(SpanError):
        split_spans(f"a{CLOSE}b")
