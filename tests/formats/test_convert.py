"""Rewriting conversations and trajectory records between formats, and the CLI."""
from __future__ import annotations

import json
import re

from click.testing import CliRunner

from nexc.formats import get_format
from nexc.commands.formats import convert_trajectory, formats
from nexc.formats.translate import convert_messages, convert_trajectory as convert_record

TOOLS = [{"type": "function", "function": {"name": "search", "description": "Web search", "parameters": {
    "type": "object", "properties": {"q": {"type": "string"}, "n": {"type": "integer"}}}}}]
NEXAU_RECORD = {
    "format": "nexau_xml",
    "tools": TOOLS,
    "messages": [
        {"role": "system", "content": "You research."},
        {"role": "user", "content": "Find MCP news"},
        {"role": "assistant", "content": "Searching.\n\n<use_parallel_tool_calls>\n<parallel_tool>\n"
         "<tool_name>search</tool_name>\n<parameter>\n<q>MCP 2.0</q>\n<n>3</n>\n</parameter>\n</parallel_tool>\n"
         "<parallel_tool>\n<tool_name>search</tool_name>\n<parameter>\n<q>MCP spec</q>\n</parameter>\n"
         "</parallel_tool>\n</use_parallel_tool_calls>"},
        {"role": "tool", "tool_call_id": "r1", "name": "search", "content": "result one"},
        {"role": "tool", "tool_call_id": "r2", "name": "search", "content": "result two"},
        {"role": "assistant", "content": "Done."},
    ],
}


def test_nexau_text_to_mistral_structured():
    out = convert_record(NEXAU_RECORD, "mistral:v11")
    calls = out["messages"][2]["tool_calls"]
    assert [c["function"]["arguments"] for c in calls] == [{"q": "MCP 2.0", "n": 3}, {"q": "MCP spec"}]
    assert all(re.fullmatch(r"[A-Za-z0-9]{9}", c["id"]) for c in calls)
    assert [m["tool_call_id"] for m in out["messages"][3:5]] == [c["id"] for c in calls]
    assert out["format"] == "mistral:v11" and "format_errors" not in out
    assert out["text"] == get_format("mistral:v11").render_conversation(out["messages"], TOOLS)


def test_kimi_ids_and_text_mode():
    msgs = convert_messages(NEXAU_RECORD["messages"], "nexau_xml", "kimi_k2:0905", tools=TOOLS)
    assert [c["id"] for c in msgs[2]["tool_calls"]] == ["functions.search:0", "functions.search:1"]
    text_mode = convert_messages(NEXAU_RECORD["messages"], "nexau_xml", "qwen3_coder", tools=TOOLS, text_mode=True)
    assert "tool_calls" not in text_mode[2] and "<function=search>" in text_mode[2]["content"]
    back = convert_messages(text_mode, "qwen3_coder", "openai", tools=TOOLS)
    assert [c["function"]["arguments"] for c in back[2]["tool_calls"]] == [{"q": "MCP 2.0", "n": 3}, {"q": "MCP spec"}]


def test_unparseable_turn_is_kept_and_reported():
    record = dict(NEXAU_RECORD, messages=[{"role": "user", "content": "x"},
                                          {"role": "assistant", "content": "<tool_use>\n<parameter>"}])
    out = convert_record(record, "openai")
    assert out["messages"][1]["content"] == "<tool_use>\n<parameter>" and out["format_errors"]


def test_cli_list_render_parse(tmp_path):
    runner = CliRunner()
    listed = runner.invoke(formats, ["list", "--json"])
    assert listed.exit_code == 0 and any(r["id"] == "qwen3_coder" for r in json.loads(listed.output))
    conv = tmp_path / "conv.json"
    conv.write_text(json.dumps({"messages": NEXAU_RECORD["messages"][:2], "tools": TOOLS}), encoding="utf-8")
    rendered = runner.invoke(formats, ["render", str(conv), "-f", "hermes:qwen3", "--generation-prompt"])
    assert rendered.exit_code == 0 and rendered.output.endswith("<|im_start|>assistant\n")
    out = tmp_path / "out.txt"
    out.write_text('<tool_call>\n{"name": "search", "arguments": {"q": "x"}}\n</tool_call>', encoding="utf-8")
    parsed = runner.invoke(formats, ["parse", str(out), "-f", "hermes"])
    assert parsed.exit_code == 0 and json.loads(parsed.output)["tool_calls"][0]["function"]["arguments"] == {"q": "x"}
    bad = runner.invoke(formats, ["parse", str(out), "-f", "nope"])
    assert bad.exit_code != 0 and "unknown tool-call format" in bad.output


def test_cli_convert_trajectory(tmp_path):
    src = tmp_path / "runs.jsonl"
    src.write_text(json.dumps(NEXAU_RECORD) + "\n" + json.dumps(NEXAU_RECORD) + "\n", encoding="utf-8")
    dst = tmp_path / "out.jsonl"
    result = CliRunner().invoke(convert_trajectory, [str(src), "--to", "glm45", "-o", str(dst)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2 and lines[0]["format"] == "glm45:glm46" and "<arg_key>q</arg_key>" in lines[0]["text"]


def test_cli_convert_trajectory_bad_input_is_a_usage_error_naming_the_problem(tmp_path):
    cases = {"binary.jsonl": (bytes(range(128, 256)), "is not UTF-8"),
             "broken.jsonl": (b'{"messages": []}\n{"a": 1}\nnot json\n', "broken.jsonl:3: not a JSON record"),
             "list.json": (b"[1, 2", "is not valid JSON")}
    for name, (data, said) in cases.items():
        (tmp_path / name).write_bytes(data)
        result = CliRunner().invoke(convert_trajectory, [str(tmp_path / name), "--to", "glm45"])
        assert result.exit_code == 2 and said in result.output, (name, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
    result = CliRunner().invoke(convert_trajectory, [str(tmp_path), "--to", "glm45"])
    assert result.exit_code == 2 and "is a folder" in result.output
    (tmp_path / "scalars.jsonl").write_text("5\n[1]\n", encoding="utf-8")
    result = CliRunner().invoke(convert_trajectory, [str(tmp_path / "scalars.jsonl"), "--to", "glm45"])
    assert result.exit_code == 1 and "2 of 2 records could not be converted" in result.output
    assert "a record is a JSON object, not int" in result.output


def test_cli_input_that_cannot_be_read_is_a_usage_error(tmp_path):
    """Found by fuzzing: missing files, folders, non-UTF-8, JSON nested too deeply, JSON of the wrong
    type, bad --tools, unwritable -o, lone surrogates — usage errors (exit 2) or clean output."""
    from click.testing import CliRunner

    from nexc.commands.formats import convert_trajectory, formats

    runner = CliRunner()
    binary, deep, scalar = tmp_path / "b.txt", tmp_path / "deep.json", tmp_path / "s.json"
    binary.write_bytes(b"\xff\xfe")
    deep.write_text("[" * 100000)
    scalar.write_text("1.5")
    for args in (["parse", "-f", "openai", str(tmp_path / "missing")], ["parse", "-f", "openai", str(tmp_path)],
                 ["parse", "-f", "openai", str(binary)], ["render", "-f", "openai", str(deep)],
                 ["render", "-f", "openai", str(scalar)], ["parse", "-f", "openai", str(scalar), "--tools", str(scalar)]):
        result = runner.invoke(formats, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert "Traceback" not in result.output
    surrogate = tmp_path / "sur.jsonl"
    surrogate.write_text('{"messages": [{"role": "user", "content": "\\ud800"}]}\n')
    result = runner.invoke(convert_trajectory, [str(surrogate), "--to", "openai"])
    assert result.exit_code == 0 and '"\\ud800"' in result.output
    result = runner.invoke(convert_trajectory, [str(surrogate), "--to", "openai", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "cannot write" in result.output
    result = runner.invoke(convert_trajectory, [str(deep), "--to", "openai"])
    assert result.exit_code == 2 and "too deeply" in result.output


def test_a_nexc_record_converts_to_a_record_dataset_build_reads(tmp_path):
    """A text-mode run converted to another format, structured or in its text, builds every sample."""
    import json
    import random

    from nexc.dataset import build_dataset
    from nexc.testing.records import text_mode_records
    from nexc.formats import get_format
    from nexc.formats.translate import convert_trajectory

    records = list(text_mode_records(random.Random(7), get_format("qwen3_coder"), calls=3, max_parallel=1))
    for text_mode in (False, True):
        out = [convert_trajectory(r, "glm45", text_mode=text_mode) for r in records]
        assert all("raw" not in m for r in out for m in r["messages"]) and "request" not in out[0]
        assert out[-1]["messages"][-1]["content"] == records[-1]["reply"]["content"]  # the reply is in
        src = tmp_path / f"conv{text_mode}.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in out), encoding="utf-8")
        report = build_dataset([src], ["glm45"], tmp_path / f"d{text_mode}")
        assert report.formats["glm45:glm46"].written == 3, dict(report.formats["glm45:glm46"].dropped)
