"""Issue 18, item 14: ``nexc convert-trajectory --text-mode`` writes records that ``nexc dataset build``
accepts whole — the reply joins the conversation wherever the record held it (a nexc record's ``reply``,
another writer's ``response``), ``tool_format`` names the target, and every sample carries the target
format's markup. End to end through both commands' command lines."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from nexc.cli import cli
from nexc.dataset import manifest as mf
from nexc.testing.records import text_mode_records
from nexc.formats import get_format

FIXTURES = Path(__file__).resolve().parents[1] / "dataset" / "fixtures"
#: the markup each target writes a call in
MARKUP = {"qwen3_coder": "<function=", "glm45": "<arg_key>", "hermes": "<tool_call>\n{"}


def _convert(src: Path, out: Path, to: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["convert-trajectory", str(src), "--to", to, "--text-mode", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _build(src: Path, out: Path, fid: str) -> tuple[dict, list[dict]]:
    """``nexc dataset build`` on ``src``: the format's stats and its samples."""
    result = CliRunner().invoke(cli, ["dataset", "build", str(src), "-f", fid, "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    entry = mf.read(out / "dataset.yaml")["formats"][0]
    samples = [json.loads(line) for line in (out / entry["data"]).read_text(encoding="utf-8").splitlines()]
    return stats["formats"][get_format(fid).id], samples


def _write(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize("to", ["qwen3_coder", "glm45", "hermes"])
def test_records_with_a_response_convert_to_samples_that_all_build(tmp_path, to):
    """Another writer's records (the reply under ``response``, a tool span among them): no sample is dropped,
    each is the sample a build of the unconverted file gives, in the target's markup."""
    converted = _convert(FIXTURES / "runtime.jsonl", tmp_path / "conv.jsonl", to)
    llm = [r for r in converted if r.get("kind") == "llm"]
    assert len(llm) == 5 and all(r["tool_format"] == get_format(to).id for r in llm)
    assert all(r["messages"][-1]["role"] == "assistant" and "response" not in r for r in llm)
    assert all("tool_calls" not in m for r in llm for m in r["messages"])  # the calls are in the text
    tool_span = next(r for r in converted if r.get("kind") == "tool")
    assert tool_span == json.loads((FIXTURES / "runtime.jsonl").read_text(encoding="utf-8").splitlines()[1])

    stats, samples = _build(tmp_path / "conv.jsonl", tmp_path / "ds", to)
    assert stats["dropped_total"] == 0 and stats["samples"] == 5, stats["dropped"]
    assert sum(MARKUP[to] in s["text"] for s in samples) >= 3  # the calls of the first three replies
    _, direct = _build(FIXTURES / "runtime.jsonl", tmp_path / "direct", to)
    assert [s["text"] for s in samples] == [s["text"] for s in direct]
    assert [s["assistant_spans"] for s in samples] == [s["assistant_spans"] for s in direct]


def test_a_native_run_on_the_fake_server_converts_and_builds(tmp_path):
    """A run with native tool calls recorded against :class:`nexc.testing.FakeOpenAI`, converted to
    qwen3_coder text mode: every LLM call is a sample with the calls in qwen3_coder's markup."""
    from nexc.api import CompiledFramework, Settings
    from nexc.ir.model import Agent, Binding, Framework, Limits, Llm, Prompt, Tool, ToolRef
    from nexc.testing import FakeOpenAI, call, reply

    (tmp_path / "adder.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n", encoding="utf-8")
    schema = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
              "required": ["a", "b"]}
    fw = Framework(name="adder", entry="main", llms=(Llm(name="m", model="fake-model"),),
                   tools=(Tool(name="add", description="Add two integers.", parameters=schema,
                               binding=Binding(kind="python", target="adder:add")),),
                   agents=(Agent(name="main", llm="m", prompt=Prompt(text="You add."), tools=(ToolRef(name="add"),),
                                 limits=Limits(max_iterations=5)),))
    compiled = CompiledFramework.from_ir(fw, root_dir=tmp_path, settings=Settings(max_retries=0, retry_base=0.0))
    assert not compiled.problems, compiled.problems
    script = [reply("Adding.", tool_calls=[call("add", {"a": 2, "b": 3})]),
              reply(tool_calls=[call("add", {"a": 5, "b": 1}), call("add", {"a": 1, "b": 1})]),
              reply("It is 5.")]
    trace = tmp_path / "run.jsonl"
    with FakeOpenAI(script) as url:
        result = compiled.run("What is 2+3?", base_url=url, api_key="k", trace_path=trace)
    assert result.ok, (result.stop_reason, result.error)
    assert len(trace.read_text(encoding="utf-8").splitlines()) == 3

    converted = _convert(trace, tmp_path / "conv.jsonl", "qwen3_coder")
    assert [r["tool_format"] for r in converted] == ["qwen3_coder"] * 3
    assert not any("request" in r or "reply" in r or "response" in r for r in converted)
    stats, samples = _build(tmp_path / "conv.jsonl", tmp_path / "ds", "qwen3_coder")
    assert stats["dropped_total"] == 0 and stats["samples"] == 3 and stats["tool_calls"] == 1 + 3 + 3
    assert samples[-1]["text"].count("<function=add>") == 3 and "It is 5." in samples[-1]["text"]


def test_version_1_records_convert_without_the_source_formats_tool_block(tmp_path):
    """nexc.trajectory/1 records (the reply only under ``response``, the source format's tool declarations in
    the system message) convert into samples that all build and hold none of the source's declarations."""
    source = get_format("qwen3_coder")
    old = []
    for r in text_mode_records(random.Random(5), source, calls=3, max_parallel=1):
        r = {k: v for k, v in r.items() if k not in ("request", "reply", "profile", "discarded_text")}
        r["schema"] = "nexc.trajectory/1"
        system = r["messages"][0]
        r["messages"][0] = dict(system, content=source.system_prompt_with_tools(system["content"], r["tools"]))
        old.append(r)
    block = source.system_prompt_with_tools("", old[0]["tools"])
    converted = _convert(_write(tmp_path / "old.jsonl", old), tmp_path / "conv.jsonl", "hermes")
    assert all(block not in r["messages"][0]["content"] for r in converted)
    stats, samples = _build(tmp_path / "conv.jsonl", tmp_path / "ds", "hermes")
    assert stats["dropped_total"] == 0 and stats["samples"] == 3, stats["dropped"]
    assert all(block not in s["text"] for s in samples)
    assert all(MARKUP["hermes"] in s["text"] for s in samples)  # the first reply calls; later samples hold it


def test_replies_in_the_other_shapes_dataset_build_reads_join_the_conversation():
    """An OpenAI chat completion, ``{"message", "finish_reason"}`` and a plain string: the reply is the last
    turn, the finish reason kept."""
    from nexc.formats.translate import convert_trajectory

    base = {"messages": [{"role": "user", "content": "hi"}]}
    completion = {"choices": [{"message": {"role": "assistant", "content": "hello"}, "finish_reason": "length"}]}
    for key, value, finish in [("response", completion, "length"),
                               ("completion", {"message": {"role": "assistant", "content": "hello"},
                                               "finish_reason": "stop"}, "stop"),
                               ("output", "hello", None)]:
        out = convert_trajectory(dict(base, **{key: value}), "qwen3_coder", text_mode=True)
        assert out["messages"][-1] == {"role": "assistant", "content": "hello"} and key not in out
        assert out.get("finish_reason") == finish
