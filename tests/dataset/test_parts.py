"""``dataset build`` renders samples from the parts a record keeps apart: injected text kept or stripped, a
recorded request that the parts no longer rebuild, and version-1 records read with a note."""
from __future__ import annotations

import json
import random

from nexc.dataset import build_dataset
from nexc.testing.records import text_mode_records
from nexc.formats import get_format

HINT = "nexc: 2 steps left before this agent is stopped."


def _write(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _hinted_run(fmt, seed=0):
    for s in range(seed, seed + 50):
        records = list(text_mode_records(random.Random(s), fmt, calls=4, max_parallel=1))
        if any(m.get("injected") for r in records for m in r["messages"]):
            return records
    raise AssertionError("no run with a hint")


def _texts(out, fid):
    path = out / fid.replace(":", "-") / "data.jsonl"
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_injections_are_kept_or_stripped(tmp_path):
    fmt = get_format("qwen3_coder")
    src = _write(tmp_path / "run.jsonl", _hinted_run(fmt))
    build_dataset([src], ["qwen3_coder", "hermes"], tmp_path / "keep")
    build_dataset([src], ["qwen3_coder", "hermes"], tmp_path / "strip", injections="strip")
    for fid in ("qwen3_coder", "hermes:qwen2.5"):
        assert any(HINT in t for t in _texts(tmp_path / "keep", fid))
        assert not any(HINT in t for t in _texts(tmp_path / "strip", fid))


def test_a_request_the_parts_do_not_rebuild_is_dropped(tmp_path):
    records = list(text_mode_records(random.Random(3), get_format("hermes"), calls=2))
    records[1]["request"]["messages"][0]["content"] += " (edited)"
    report = build_dataset([_write(tmp_path / "run.jsonl", records)], ["hermes", "qwen3_coder"], tmp_path / "d")
    assert report.formats["hermes:qwen2.5"].dropped == {"view-mismatch": 1}
    assert report.formats["qwen3_coder"].written == 2  # another format is built from the parts


def test_version_1_records_lose_their_baked_tool_block(tmp_path):
    fmt = get_format("qwen3_coder")
    records = list(text_mode_records(random.Random(5), fmt, calls=2))
    old = []
    for r in records:  # what nexc wrote before: the format's block in the system message, no parts
        r = {k: v for k, v in r.items() if k not in ("request", "reply", "profile", "discarded_text")}
        r["schema"] = "nexc.trajectory/1"
        system = r["messages"][0]
        r["messages"][0] = dict(system, content=fmt.system_prompt_with_tools(system["content"], r["tools"]))
        old.append(r)
    report = build_dataset([_write(tmp_path / "old.jsonl", old)], ["qwen3_coder", "hermes"], tmp_path / "d")
    block = fmt.system_prompt_with_tools("", records[0]["tools"])
    assert report.formats["hermes:qwen2.5"].written == 2
    assert all(block not in t for t in _texts(tmp_path / "d", "hermes:qwen2.5"))
    assert all(t.count(block) == 1 for t in _texts(tmp_path / "d", "qwen3_coder"))
    # a block this nexc does not write the same way stays: such records build only for their own format
    for r in old:
        r["messages"][0] = dict(r["messages"][0], content=r["messages"][0]["content"].replace("<tools>", "<tools >"))
    report = build_dataset([_write(tmp_path / "older.jsonl", old)], ["qwen3_coder", "hermes"], tmp_path / "e")
    assert report.formats["hermes:qwen2.5"].dropped == {"legacy-record": 2}
    assert report.legacy["tools-in-prompt"] == 2 and any("own format" in n for n in report.notes())
