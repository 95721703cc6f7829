"""``nexc dataset build``: samples, validation drops, resume, determinism, granularity, streaming."""
from __future__ import annotations

import json
import shutil
import tracemalloc

import pytest
from click.testing import CliRunner

from nexc.dataset import build_dataset, decode_sample
from nexc.dataset import manifest as mf
from nexc.dataset.samples import DatasetError
from nexc.testing.records import write_runs

FORMATS = ["qwen3_coder", "hermes:qwen3", "openai", "mistral:v3"]


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_dataset_from_recorded_trajectories(fixtures, tmp_path, snapshot):
    report = build_dataset([fixtures / "runtime.jsonl", fixtures / "nexgap.jsonl"], FORMATS, tmp_path)
    assert report.skipped == {"not-an-llm-call": 1}
    out = {}
    for fid in FORMATS:
        path = tmp_path / mf.format_dir(fid) / "data.jsonl"
        samples = _lines(path)
        assert [s["meta"]["span_id"] for s in samples[:5]] == [
            "a000000000000001", "a000000000000002", "b000000000000001", "b000000000000002", "a000000000000003"]
        for s in samples:
            for m in s["messages"]:
                for c in m.get("tool_calls") or ():
                    assert isinstance(c["function"]["arguments"], str)  # JSON strings for columnar loaders
            assert s["assistant_spans"] and all(0 <= a < b <= len(s["text"]) for a, b in s["assistant_spans"])
        out[fid] = path.read_text(encoding="utf-8")
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert stats["formats"]["qwen3_coder"]["samples"] == 7
    assert stats["formats"]["qwen3_coder"]["dropped_total"] == 0
    assert out == snapshot
    assert stats == snapshot(name="stats")


def test_nexgap_records_are_normalised(fixtures, tmp_path):
    build_dataset([fixtures / "nexgap.jsonl"], ["qwen3_coder"], tmp_path)
    samples = _lines(tmp_path / "qwen3_coder" / "data.jsonl")
    messages, tools = decode_sample(samples[1])
    call = messages[1]["tool_calls"][0]
    assert call["function"]["arguments"] == {"query": "Paris weather"}
    assert call["id"] and messages[2]["tool_call_id"] == call["id"]  # ids made up and linked by order
    assert messages[1]["content"] == ""  # None → ""
    assert tools[0]["function"]["name"] == "search"


def test_validation_drops_with_counts(fixtures, tmp_path):
    report = build_dataset([fixtures / "bad.jsonl"], ["qwen3_coder", "openai"], tmp_path)
    common = {"empty-assistant-turn": 2, "invalid-arguments": 2, "invalid-arguments-json": 1, "invalid-json": 1,
              "llm-error": 1, "malformed-record": 1, "no-reply": 1, "truncated": 3, "unknown-tool": 1}
    assert dict(report.formats["qwen3_coder"].dropped) == {**common, "not-representable": 1}
    assert dict(report.formats["openai"].dropped) == common  # '</parameter>' is fine in JSON
    assert report.formats["qwen3_coder"].written == 1 and report.formats["openai"].written == 2
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert stats["formats"]["qwen3_coder"]["dropped"] == {**common, "not-representable": 1}
    dropped = _lines(tmp_path / "dropped.jsonl")
    assert len(dropped) == sum(common.values()) + 1
    assert {d["reason"] for d in dropped} == set(common) | {"not-representable"}
    assert all(d["source"].startswith(str(fixtures / "bad.jsonl") + ":") for d in dropped)


def test_output_is_deterministic(fixtures, tmp_path):
    inputs = [fixtures / "runtime.jsonl", fixtures / "nexgap.jsonl", fixtures / "bad.jsonl"]
    build_dataset(inputs, FORMATS, tmp_path / "a")
    build_dataset(inputs, FORMATS, tmp_path / "b")
    for fid in FORMATS:
        rel = f"{mf.format_dir(fid)}/data.jsonl"
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    for name in ("stats.json", "dataset.yaml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_resume_after_crash_without_duplicates(tmp_path):
    runs = tmp_path / "runs.jsonl"
    write_runs(runs, 40, seed="resume")
    full = tmp_path / "full"
    build_dataset([runs], ["qwen3_coder", "hermes"], full)
    expected = (full / "qwen3_coder" / "data.jsonl").read_bytes()
    # a crash: the first format got 30 whole lines and half of the next, the second nothing
    crashed = tmp_path / "crashed"
    (crashed / "qwen3_coder").mkdir(parents=True)
    lines = expected.splitlines(keepends=True)
    (crashed / "qwen3_coder" / "data.jsonl").write_bytes(b"".join(lines[:30]) + lines[30][: len(lines[30]) // 2])
    report = build_dataset([runs], ["qwen3_coder", "hermes"], crashed)
    assert report.formats["qwen3_coder"].resumed == 30
    assert report.formats["qwen3_coder"].written == len(lines) - 30
    assert (crashed / "qwen3_coder" / "data.jsonl").read_bytes() == expected
    assert (crashed / "hermes-qwen2.5" / "data.jsonl").read_bytes() == (full / "hermes-qwen2.5" / "data.jsonl").read_bytes()
    assert json.loads((crashed / "stats.json").read_text()) == json.loads((full / "stats.json").read_text()) | {
        "formats": {k: v | ({"written": len(lines) - 30, "resumed": 30} if k == "qwen3_coder" else {})
                    for k, v in json.loads((full / "stats.json").read_text())["formats"].items()}}
    # running again adds nothing
    again = build_dataset([runs], ["qwen3_coder"], crashed)
    assert again.formats["qwen3_coder"].written == 0
    assert (crashed / "qwen3_coder" / "data.jsonl").read_bytes() == expected
    # the manifest still lists both formats
    assert [f["id"] for f in mf.read(crashed / "dataset.yaml")["formats"]] == ["hermes:qwen2.5", "qwen3_coder"]


def test_duplicate_records_are_dropped(fixtures, tmp_path):
    report = build_dataset([fixtures / "runtime.jsonl", fixtures / "runtime.jsonl"], ["openai"], tmp_path)
    assert report.formats["openai"].written == 5
    assert report.formats["openai"].dropped == {"duplicate": 5}


def test_resume_refuses_other_options(fixtures, tmp_path):
    build_dataset([fixtures / "runtime.jsonl"], ["mistral"], tmp_path)
    with pytest.raises(DatasetError, match="granularity"):
        build_dataset([fixtures / "runtime.jsonl"], ["mistral"], tmp_path, granularity="run")
    with pytest.raises(DatasetError, match="template variables"):
        build_dataset([fixtures / "runtime.jsonl"], ["mistral"], tmp_path, template_kwargs={"eos_token": "<eos>"})


def test_granularity_run_keeps_the_last_call_of_each_agent_run(fixtures, tmp_path):
    report = build_dataset([fixtures / "runtime.jsonl"], ["qwen3_coder"], tmp_path, granularity="run")
    samples = _lines(tmp_path / "qwen3_coder" / "data.jsonl")
    assert [s["meta"]["span_id"] for s in samples] == ["b000000000000002", "a000000000000003"]
    assert report.skipped == {"not-an-llm-call": 1, "not-last-call-of-run": 3}
    # the run's last call holds the whole conversation: every assistant turn carries loss
    assert len(samples[1]["assistant_spans"]) == 3


def test_verify_agrees_with_the_python_renderer(fixtures, tmp_path):
    report = build_dataset([fixtures / "runtime.jsonl", fixtures / "nexgap.jsonl"],
                           ["glm45", "kimi_k2", "deepseek_v31", "llama3_json", "minimax_m2", "nexau_xml"], tmp_path,
                           verify=True)
    for fid, s in report.formats.items():
        assert "template-mismatch" not in s.dropped, fid
        assert s.written >= (3 if fid.startswith("llama3") else 5), (fid, dict(s.dropped))


def test_manifest_validates_against_schema(fixtures, tmp_path):
    build_dataset([fixtures / "runtime.jsonl"], ["qwen3_coder", "mistral:v11"], tmp_path)
    manifest = mf.read(tmp_path / "dataset.yaml")
    assert mf.validate(manifest) == []
    assert manifest["kind"] == "data"
    entry = next(f for f in manifest["formats"] if f["id"] == "mistral:v11")
    assert entry["template_kwargs"]["eos_token"] == "</s>"
    assert (tmp_path / entry["chat_template"]).read_text(encoding="utf-8").count("{%- generation -%}") >= 1
    assert mf.validate({**manifest, "granularity": "turn"}) != []
    assert mf.validate({**manifest, "formats": [{**entry, "path": "../x"}]}) != []


def test_memory_is_flat_in_the_input_size(tmp_path, monkeypatch):
    """Peak traced memory of a build 4x as large stays the same: records stream, the caches are
    bounded (shrunk here so that a few MB fill them; tracemalloc counts a replaced cache entry
    as new memory), and the id index costs 16 bytes a sample."""
    from nexc.dataset import samples as build, validate
    from nexc.formats.parsing import MEMOS

    for cache in (validate._VERDICTS, validate._ARGS, validate._TOOLSETS, validate._SCHEMAS, build._TOOLS, *MEMOS):
        monkeypatch.setattr(cache, "size", 32)
    monkeypatch.setattr(build, "MESSAGE_CACHE", 32)
    small, big, warm = tmp_path / "small.jsonl", tmp_path / "big.jsonl", tmp_path / "warm.jsonl"
    write_runs(small, 60, seed="mem")
    write_runs(big, 240, seed="mem")
    write_runs(warm, 60, seed="warm")
    assert big.stat().st_size > 3.5 * small.stat().st_size

    def peak(path, out):
        tracemalloc.start()
        try:
            build_dataset([path], ["openai"], out)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(warm, tmp_path / "warm")  # caches filled (with other records) and the template compiled
    p_small, p_big = peak(small, tmp_path / "s"), peak(big, tmp_path / "b")
    assert p_big < p_small * 1.3 + 256 * 1024, (p_small, p_big)


def test_cli(fixtures, tmp_path):
    from nexc.commands.dataset import dataset

    result = CliRunner().invoke(dataset, ["build", str(fixtures / "runtime.jsonl"), str(fixtures / "bad.jsonl"),
                                          "-f", "qwen3_coder", "--format", "hermes:qwen3", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "qwen3_coder" in result.output and "dropped:" in result.output
    assert (tmp_path / "hermes-qwen3" / "data.jsonl").is_file()
    bad = CliRunner().invoke(dataset, ["build", str(fixtures / "runtime.jsonl"), "-f", "qwen3_codr", "-o",
                                       str(tmp_path / "x")])
    assert bad.exit_code == 2 and "did you mean" in bad.output


def test_folders_are_read_sorted(fixtures, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    shutil.copy(fixtures / "nexgap.jsonl", runs / "b.jsonl")
    shutil.copy(fixtures / "runtime.jsonl", runs / "a.jsonl")
    build_dataset([runs], ["openai"], tmp_path / "out")
    samples = _lines(tmp_path / "out" / "openai" / "data.jsonl")
    assert samples[0]["meta"]["span_id"] == "a000000000000001" and samples[-1]["meta"]["agent_name"] == "weather"


def test_nothing_to_build_from_is_said(tmp_path):
    """A folder without trajectory files is a usage error naming it; input without records warns."""
    from nexc.commands.dataset import dataset

    empty = tmp_path / "runs"
    (empty / "sub").mkdir(parents=True)
    (empty / "notes.txt").write_text("not a trajectory\n")
    result = CliRunner().invoke(dataset, ["build", str(empty), "-f", "openai", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "holds no trajectory files" in result.output and str(empty) in result.output
    assert not (tmp_path / "out").exists()
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n\n")
    result = CliRunner().invoke(dataset, ["build", str(blank), "-f", "openai", "-o", str(tmp_path / "out2")])
    assert result.exit_code == 0 and "holds no records" in result.output


@pytest.mark.parametrize("granularity", ["call", "run"])
def test_ids_and_roles_of_any_json_type_are_reasons_not_crashes(tmp_path, granularity):
    """A role, trace id or parent span id that is an object or a list (hostile or mangled records)
    gives a dropped record or a grouping by its text, never an internal error."""
    base = {"kind": "llm", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    records = [
        {**base, "trace_id": {"a": 1}, "parent_span_id": ["x"], "span_id": "s1"},
        {**base, "trace_id": ["t"], "agent_name": {"n": 2}, "span_id": "s2"},
        {**base, "messages": [{"role": {"r": 1}, "content": "x"}, {"role": "assistant", "content": "y"}]},
        {**base, "messages": [{"role": ["user"], "content": "x"}, {"role": "assistant", "content": "y"}]},
    ]
    src = tmp_path / "odd.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    report = build_dataset([src], ["openai"], tmp_path / "out", granularity=granularity)
    assert report.records == 4
    dropped = _lines(tmp_path / "out" / "dropped.jsonl")
    assert [d["reason"] for d in dropped if "role" in d["detail"]] == ["malformed-record", "malformed-record"]


def test_marker_characters_drop_the_sample_wherever_they_are_rendered(tmp_path):
    """U+FDD0/U+FDD1 mark the spans: a record that would render one (raw or \\u-escaped in the
    file) is dropped as template-mismatch; one only in a field no template renders is kept."""
    def record(i, content, agent="a"):
        return {"messages": [{"role": "user", "content": "hi"}], "response": {"role": "assistant", "content": content},
                "trace_id": "t", "span_id": f"s{i}", "agent_name": agent}

    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps(record(1, "raw \ufdd0 marker"), ensure_ascii=False),
        json.dumps(record(2, "escaped \ufdd1 marker")),  # ensure_ascii: written as \ufdd1
        json.dumps(record(3, "fine", agent="agent \ufdd0")),
        json.dumps(record(4, "fine")),
    ]) + "\n", encoding="utf-8")
    report = build_dataset([src], ["qwen3_coder", "openai"], tmp_path / "out")
    for fid in ("qwen3_coder", "openai"):
        assert report.formats[fid].written == 2
        assert report.formats[fid].dropped == {"template-mismatch": 2}
