"""A hostile or broken endpoint: wrong shapes, trickled bodies, echoed keys, undecodable text.

Every run ends with a stop reason that says what happened (``llm_error`` after retries for a reply of
the wrong shape), never an internal error, and every LLM call it made is in a record that is strict
JSON and valid against ``specs/trajectory.schema.json``.
"""
from __future__ import annotations

import json
import time

import pytest
from helpers import agent

from nexc.runtime.trace import TrajectoryWriter, read_trajectory, record_line
from nexc.runtime.types import StopReason
from nexc.testing import call, raw, reply, trickle

OK = {"choices": [{"message": {"role": "assistant", "content": "fine"}, "finish_reason": "stop"}]}

BAD_SHAPES = {
    "message-null": {"choices": [{"message": None}]},
    "calls-ints": {"choices": [{"message": {"content": None, "tool_calls": [1, 2]}}]},
    "calls-string": {"choices": [{"message": {"content": None, "tool_calls": "abc"}}]},
    "name-missing": {"choices": [{"message": {"tool_calls": [{"id": "c", "function": {"arguments": "{}"}}]}}]},
    "function-list": {"choices": [{"message": {"tool_calls": [{"id": "c", "function": [1]}]}}]},
    "content-object": {"choices": [{"message": {"content": {"a": 1}}}]},
    "choices-string": {"choices": "abc"},
    "body-list": [1, 2, 3],
}


def _strict(line: str) -> None:
    json.loads(line, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))


@pytest.mark.parametrize("shape", sorted(BAD_SHAPES))
def test_wrong_shape_is_a_bad_response_retried(run_with, settings, shape, validator, tmp_path):
    settings.max_retries = 1
    res, srv = run_with([agent()], [raw(BAD_SHAPES[shape])] * 2, trace_path=tmp_path / "t.jsonl")
    assert res.stop_reason is StopReason.LLM_ERROR, res.error
    assert "bad response" in res.error and len(srv.requests) == 2
    (rec,) = read_trajectory(tmp_path / "t.jsonl")
    assert rec["error"]["type"] == "bad_response" and rec["attempts"] == 2
    validator.validate(rec)


@pytest.mark.parametrize("shape", sorted(BAD_SHAPES))
def test_wrong_shape_then_good_reply_recovers(run_with, shape):
    res, _ = run_with([agent()], [raw(BAD_SHAPES[shape]), raw(OK)])
    assert res.stop_reason is StopReason.COMPLETED and res.output == "fine"
    assert res.records[0]["attempts"] == 2


def test_usage_of_the_wrong_shape_is_left_out(run_with, validator):
    body = dict(OK, usage="abc")
    res, _ = run_with([agent()], [raw(body)])
    assert res.output == "fine" and res.records[0]["usage"] is None
    validator.validate(res.records[0])
    body = dict(OK, usage={"prompt_tokens": "many", "completion_tokens": 3})
    res, _ = run_with([agent()], [raw(body)])
    assert res.records[0]["usage"] == {"completion_tokens": 3}


def test_numeric_content_and_names_are_normalised(run_with, validator):
    res, srv = run_with([agent(tools=["echo"])], [
        raw({"choices": [{"message": {"content": 42, "tool_calls": [
            {"id": 7, "function": {"name": "echo", "arguments": {"text": "obj"}}}]}}]}),
        raw({"choices": [{"message": {"content": 3.5}}]})])
    assert res.stop_reason is StopReason.COMPLETED and res.output == "3.5"
    first = res.records[0]
    assert first["reply"]["content"] == "42"
    (c,) = first["reply"]["tool_calls"]
    assert c["id"] == "7" and json.loads(c["function"]["arguments"]) == {"text": "obj"}
    assert srv.requests[1].messages[-1]["content"] == "echo:obj"
    for rec in res.records:
        validator.validate(rec)


def test_a_body_nested_100000_levels_is_a_bad_response(run_with, settings):
    settings.max_retries = 0
    deep = b'{"choices": [{"message": {"content": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}]}"
    res, _ = run_with([agent()], [raw(deep)])
    assert res.stop_reason is StopReason.LLM_ERROR and "bad response" in res.error
    assert res.records[0]["error"]["type"] == "bad_response"


def test_trickled_body_is_bounded_by_the_whole_attempt_deadline(run_with, settings):
    settings.request_timeout, settings.max_retries = 0.6, 0
    t0 = time.perf_counter()
    res, _ = run_with([agent()], [trickle(OK, 0.1)])
    took = time.perf_counter() - t0
    assert res.stop_reason is StopReason.LLM_ERROR and "timed out" in res.error
    assert took < 3.0, f"the attempt ran {took:.1f}s with a 0.6s deadline"
    assert res.records[0]["error"]["type"] == "timeout"


def test_a_run_cancelled_mid_call_records_the_call(run_with, validator, tmp_path):
    res, _ = run_with([agent()], [trickle(OK, 0.5)], timeout=0.5, trace_path=tmp_path / "t.jsonl")
    assert res.stop_reason is StopReason.CANCELLED
    (rec,) = read_trajectory(tmp_path / "t.jsonl")
    assert rec["error"]["type"] == "cancelled" and rec["request"]["messages"][-1]["content"] == "go"
    validator.validate(rec)


KEY = "sk-live-SECRET-0123456789abcdef"


def test_a_key_echoed_in_an_error_body_is_redacted_everywhere(run_with, settings, tmp_path, capsys):
    from nexc.testing import error

    res, _ = run_with([agent()], [error(401, message=f"Incorrect API key provided: Bearer {KEY}")],
                      api_key=KEY, trace_path=tmp_path / "t.jsonl")
    assert res.stop_reason is StopReason.LLM_ERROR
    assert KEY not in res.error and "***" in res.error
    assert KEY not in (tmp_path / "t.jsonl").read_text()
    assert KEY not in json.dumps(res.records) and KEY not in json.dumps([s.as_dict() for s in res.spans])
    out = capsys.readouterr()
    assert KEY not in out.out + out.err


def test_lone_surrogates_in_replies_and_tool_results_are_written_as_escapes(run_with, validator, tmp_path):
    path = tmp_path / "t.jsonl"
    res, srv = run_with([agent(tools=["undecodable"])], [
        reply(tool_calls=[call("undecodable", {})]),
        raw(b'{"choices": [{"message": {"content": "bad \\udcff tail"}}]}')], trace_path=path)
    assert res.stop_reason is StopReason.COMPLETED, res.error
    data = path.read_bytes()
    data.decode("utf-8")  # the file is valid UTF-8
    recs = read_trajectory(path)
    assert len(recs) == 2
    # what was sent: the undecodable byte as U+FFFD (a request must be UTF-8); the reply as it came
    assert recs[1]["request"]["messages"][-1]["content"] == "files: caf\ufffd.txt"
    assert recs[1]["messages"][-1]["content"] == "files: caf\ufffd.txt"
    assert recs[1]["reply"]["content"] == "bad \udcff tail"
    assert b"\\udcff" in data  # written as a JSON escape
    for rec in recs:
        validator.validate(rec)
        _strict(record_line(rec))


def test_nan_and_infinity_never_reach_the_file(tmp_path):
    path = tmp_path / "t.jsonl"
    with TrajectoryWriter(path) as w:
        w.write({"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": float("-inf")}})
    line = path.read_text().strip()
    _strict(line)
    assert json.loads(line) == {"a": None, "b": [None, 1.5], "c": {"d": None}}


def test_nan_in_tool_arguments_keeps_the_record_strict(run_with, validator, tmp_path):
    path = tmp_path / "t.jsonl"
    res, _ = run_with([agent(tools=["echo"])], [
        reply(tool_calls=[call("echo", raw='{"text": "x", "n": NaN}')]), reply("done")], trace_path=path)
    assert res.stop_reason is StopReason.COMPLETED
    for line in path.read_text().splitlines():
        _strict(line)
        validator.validate(json.loads(line))


def test_the_hostile_replies_bench_ends_no_run_in_error():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "bench" / "hostile_replies.py"
    out = subprocess.run([sys.executable, str(script), "--runs", "1", "--check"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 shape(s) ended in error" in out.stdout
    assert "Traceback" not in out.stderr and "never retrieved" not in out.stderr, out.stderr
