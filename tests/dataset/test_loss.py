"""``--loss last-turn`` trains every assistant turn of a run exactly once across its samples (decoded back
from the spans and compared with the run's own turns); ``--bad-turns mask`` keeps the samples after a bad
turn, with the turn in the text and outside the spans; the default stays as it was."""
from __future__ import annotations

import json
import random
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexc.dataset import build_dataset, decode_sample
from nexc.dataset import manifest as mf
from nexc.dataset.samples import DatasetError
from nexc.formats.registry import get_format
from nexc.testing.records import run_records, spoil_turn, text_mode_records

#: native renders of two text formats and a JSON one; text-mode runs are made in the first two
FORMATS = ["qwen3_coder", "hermes:qwen3", "openai"]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _samples(out: Path, fmt: str) -> list[dict]:
    path = out / mf.format_dir(get_format(fmt).id) / "data.jsonl"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _turn(content: str, calls) -> tuple:
    """A turn as compared: its text without edge whitespace (formats trim it) and its calls."""
    out = []
    for c in calls or ():
        args = c["function"]["arguments"]
        out.append((c["function"]["name"], json.loads(args) if isinstance(args, str) else args))
    return (content.strip(), out)


def _decoded(sample: dict, fmt, tools: list[dict]) -> list[tuple]:
    """The turns the sample trains, read back from the text of its spans with the format's parser (and the
    run's tools: a text-mode run's own-format sample declares them in its system message)."""
    out = []
    for a, b in sample["assistant_spans"]:
        text = sample["text"][a:b]
        for stop in fmt.stop_sequences:
            text = text[: -len(stop)] if text.endswith(stop) else text
        parsed = fmt.parse_assistant(text, tools)
        assert not parsed.errors, (text, parsed.errors)
        out.append(_turn(parsed.content, parsed.tool_calls))
    return out


def _run_turns(records: list[dict]) -> dict[tuple, list[tuple]]:
    """Each agent run's assistant turns, from its last call's whole conversation (request and reply)."""
    last: dict[tuple, dict] = {}
    for r in records:
        last[(r["trace_id"], r["parent_span_id"])] = r
    out = {}
    for key, r in last.items():
        reply = r.get("reply") or r["response"]
        out[key] = [_turn(m["content"], m.get("tool_calls")) for m in [*r["messages"], reply]
                    if m["role"] == "assistant"]
    return out


def _records(seed: int, calls: list[int], text_format: str) -> list[dict]:
    rng = random.Random(seed)
    out: list[dict] = []
    for i, n in enumerate(calls):
        out += run_records(rng, calls=n, sub_agent=i % 2 == 0)
    out += text_mode_records(rng, get_format(text_format), calls=calls[0] + 1)
    return out


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), calls=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       text_format=st.sampled_from(FORMATS[:2]))
def test_last_turn_trains_every_turn_of_a_run_exactly_once(seed, calls, text_format):
    records = _records(seed, calls, text_format)
    want = _run_turns(records)
    tools = {(r["trace_id"], r["parent_span_id"]): r["tools"] for r in records}
    assert any(len(v) > 1 for v in want.values()) and any(k for k in want if k[1] is not None)
    with tempfile.TemporaryDirectory() as tmp:
        src = _write(Path(tmp) / "runs.jsonl", records)
        report = build_dataset([src], FORMATS, Path(tmp) / "last", loss="last-turn")
        build_dataset([src], FORMATS, Path(tmp) / "all")
        for fid in FORMATS:
            fmt = get_format(fid)
            assert report.formats[fmt.id].dropped == {}, fid
            trained: dict[tuple, list[tuple]] = defaultdict(list)
            samples, every = _samples(Path(tmp) / "last", fid), _samples(Path(tmp) / "all", fid)
            for s, a in zip(samples, every, strict=True):
                assert len(s["assistant_spans"]) == 1
                assert s["text"] == a["text"] and s["assistant_spans"] == a["assistant_spans"][-1:]
                key = (s["meta"]["trace_id"], s["meta"]["parent_span_id"])
                trained[key] += _decoded(s, fmt, tools[key])
            assert dict(trained) == want, fid  # each turn once, in call order, sub-agent runs included
            # the default trains turn k of an n-call run n - k + 1 times
            assert sum(len(a["assistant_spans"]) for a in every) == sum(len(v) * (len(v) + 1) // 2
                                                                       for v in want.values())
            assert report.formats[fmt.id].trained_turns == sum(map(len, want.values()))


def _main_run(seed: int, calls: int = 5) -> list[dict]:
    """The records of one agent run (no sub-agent) whose calls before the last all call tools."""
    return list(run_records(random.Random(seed), calls=calls))


@pytest.mark.parametrize("how", ["unknown-tool", "invalid-arguments"])
def test_a_masked_bad_turn_keeps_the_later_samples(tmp_path, how):
    records = _main_run(7)
    call_id = spoil_turn(records, 1, how)
    src = _write(tmp_path / "runs.jsonl", records)
    dropped = build_dataset([src], ["qwen3_coder", "openai"], tmp_path / "drop")
    masked = build_dataset([src], ["qwen3_coder", "openai"], tmp_path / "mask", bad_turns="mask")
    for fid in ("qwen3_coder", "openai"):
        # drop: the bad reply's sample and every later one of its run
        assert dropped.formats[fid].written == 1 and dropped.formats[fid].dropped == {how: 4}
        # mask: only the bad reply's own sample goes; the later ones keep it as context
        assert masked.formats[fid].written == 4 and masked.formats[fid].dropped == {how: 1}
        assert masked.formats[fid].masked == {how: 3}
        samples = _samples(tmp_path / "mask", fid)
        assert [s["meta"]["span_id"] for s in samples] == [records[i]["span_id"] for i in (0, 2, 3, 4)]
        assert "masked_turns" not in samples[0]["meta"]
        fmt = get_format(fid)
        for s in samples[1:]:
            assert s["meta"]["masked_turns"] == [{"turn": 1, "reason": how}]
            messages, _ = decode_sample(s)
            turns = [m for m in messages if m["role"] == "assistant"]
            assert any(c["id"] == call_id for c in turns[1]["tool_calls"])
            spans = s["assistant_spans"]
            assert len(spans) == len(turns) - 1
            # the bad turn is in the text, between the spans of the turns around it
            assert fmt.render_assistant(turns[1]) in s["text"][spans[0][1]:spans[1][0]]
    last = build_dataset([src], ["qwen3_coder"], tmp_path / "both", bad_turns="mask", loss="last-turn")
    assert last.formats["qwen3_coder"].written == 4 and last.formats["qwen3_coder"].trained_turns == 4


def test_a_bad_turn_of_a_text_mode_run_is_masked_in_its_own_format(tmp_path):
    """A call the model wrote unparsable in a text-mode run: the request that was sent still holds it as
    written; masking keeps the later samples, whose spans leave that turn out."""
    fmt = get_format("qwen3_coder")
    records = list(text_mode_records(random.Random(3), fmt, calls=4, hints=False))
    bad = records[1]["reply"]["raw"]
    broken = bad.replace("<function=", "<function ", 1)
    assert broken != bad
    for rec in records[1:]:
        for m in [*rec["messages"], rec["reply"]]:
            if m.get("raw") == bad:
                m.pop("tool_calls", None)
                m["raw"] = m["content"] = broken
        for m in rec["request"]["messages"]:
            if m["role"] == "assistant" and m["content"] == bad:
                m["content"] = broken
    records[1]["response"]["content"] = broken
    src = _write(tmp_path / "runs.jsonl", records)
    drop = build_dataset([src], [fmt.id], tmp_path / "drop")
    mask = build_dataset([src], [fmt.id], tmp_path / "mask", bad_turns="mask")
    reason = next(iter(drop.formats[fmt.id].dropped))
    assert drop.formats[fmt.id].written == 1 and drop.formats[fmt.id].dropped == {reason: 3}
    assert mask.formats[fmt.id].written == 3 and mask.formats[fmt.id].dropped == {reason: 1}
    samples = _samples(tmp_path / "mask", fmt.id)
    for s in samples[1:]:
        assert s["meta"]["masked_turns"] == [{"turn": 1, "reason": reason}]
        at = s["text"].index(broken)
        assert not any(a <= at < b for a, b in s["assistant_spans"])
        assert len(s["assistant_spans"]) == sum(m["role"] == "assistant" for m in s["messages"]) - 1


def test_modes_are_recorded_and_a_resume_must_repeat_them(tmp_path):
    src = _write(tmp_path / "runs.jsonl", _main_run(11, calls=3))
    out = tmp_path / "out"
    build_dataset([src], ["openai"], out, loss="last-turn", bad_turns="mask")
    manifest = mf.read(out / "dataset.yaml")
    assert (manifest["loss"], manifest["bad_turns"]) == ("last-turn", "mask") and mf.validate(manifest) == []
    stats = json.loads((out / "stats.json").read_text())
    assert stats["loss"] == "last-turn" and stats["formats"]["openai"]["trained_turns"] == 3
    with pytest.raises(DatasetError, match="--loss last-turn"):
        build_dataset([src], ["openai"], out)
    with pytest.raises(DatasetError, match="--bad-turns mask"):
        build_dataset([src], ["openai"], out, loss="last-turn")
    assert build_dataset([src], ["openai"], out, loss="last-turn", bad_turns="mask").formats["openai"].resumed == 3
    with pytest.raises(DatasetError, match="granularity call"):
        build_dataset([src], ["openai"], tmp_path / "run", granularity="run", loss="last-turn")
    with pytest.raises(DatasetError, match="unknown loss mode"):
        build_dataset([src], ["openai"], tmp_path / "x", loss="first")
    default = build_dataset([src], ["openai"], tmp_path / "default")
    assert "loss" not in json.loads((tmp_path / "default" / "stats.json").read_text())
    assert default.formats["openai"].trained_turns == 1 + 2 + 3


def test_cli_options(tmp_path):
    from click.testing import CliRunner

    from nexc.commands.dataset import dataset

    src = _write(tmp_path / "runs.jsonl", _main_run(5, calls=3))
    result = CliRunner().invoke(dataset, ["build", str(src), "-f", "openai", "-o", str(tmp_path / "o"), "--loss",
                                          "last-turn", "--bad-turns", "mask"])
    assert result.exit_code == 0, result.output
    assert "loss last-turn" in result.output
    assert all(len(s["assistant_spans"]) == 1 for s in _samples(tmp_path / "o", "openai"))
    bad = CliRunner().invoke(dataset, ["build", str(src), "-f", "openai", "-o", str(tmp_path / "p"), "--loss",
                                       "last-turn", "--granularity", "run"])
    assert bad.exit_code == 2 and "granularity call" in bad.output


def test_every_format_marks_one_span_per_assistant_turn(tmp_path):
    """What ``--loss last-turn`` and masking rest on (``nexc/dataset/loss.py``): each built-in format's
    template marks one span per assistant turn, so the k-th span is the k-th turn's."""
    from nexc.formats.registry import list_formats
    from nexc.testing.records import write_runs

    src = tmp_path / "runs.jsonl"
    write_runs(src, 6, seed="per-turn")
    fids = [f if isinstance(f, str) else f.id for f in list_formats()]
    report = build_dataset([src], fids, tmp_path / "out")
    for fid in fids:
        samples = _samples(tmp_path / "out", fid)
        assert samples, (fid, dict(report.formats[get_format(fid).id].dropped))
        for s in samples:
            assert len(s["assistant_spans"]) == sum(m["role"] == "assistant" for m in s["messages"]), fid
