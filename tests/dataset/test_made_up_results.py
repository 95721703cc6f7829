"""A model that goes on after its call and makes up the result (``<tool_response>999</tool_response> The
sum is 999.``) never gets that text into the conversation, a trajectory's assistant turn or a sample — in
every text format, whether the endpoint honours the stop strings or ignores them."""
from __future__ import annotations

import json

import pytest

from nexc.api import CompiledFramework, Settings
from nexc.dataset import build_dataset
from nexc.formats import get_format, list_formats
from nexc.testing import FakeOpenAI, reply

from .test_what_was_sent import TOOLS_PY, framework

FORMATS = [f for f in list_formats(include_plugins=False) if f != "openai"]  # tool_format openai is native mode
CALL = {"id": "call1abcd", "type": "function", "function": {"name": "add", "arguments": {"a": 2, "b": 3}}}


def _made_up(fmt) -> str:
    fake = [{"role": "tool", "tool_call_id": CALL["id"], "name": "add", "content": "999"}]
    turn = fmt.render_assistant({"role": "assistant", "content": "Let me add.", "tool_calls": [CALL]})
    return turn + "\n" + fmt.render_results(fake) + "\nThe sum is 999."


@pytest.mark.parametrize("honour_stop", [True, False], ids=["stop-honoured", "stop-ignored"])
@pytest.mark.parametrize("fid", FORMATS)
def test_a_made_up_result_is_cut(fid, honour_stop, tmp_path):
    fmt = get_format(fid)
    (tmp_path / "seam_tools.py").write_text(TOOLS_PY, encoding="utf-8")
    fw = CompiledFramework.from_ir(framework(fid), root_dir=tmp_path, settings=Settings(max_retries=0))
    trace = tmp_path / "run.jsonl"
    with FakeOpenAI([reply(_made_up(fmt)), reply("The answer is 5.")], honour_stop=honour_stop) as url:
        res = fw.run("What is 2+3?", base_url=url, api_key="k", trace_path=trace)
    assert res.ok, (res.stop_reason, res.error)
    first, second = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    turn = first["reply"]
    assert "999" not in turn["raw"] and "999" not in turn["content"]
    assert [c["function"]["name"] for c in turn["tool_calls"]] == ["add"]
    if honour_stop and fmt.call_stops:
        assert "999" not in (first["response"]["content"] or "")  # the endpoint stopped it
    else:
        assert "999" in first["discarded_text"]  # kept aside, for the quality filters
    sent = second["request"]["messages"]
    assert all("999" not in (m.get("content") or "") for m in sent)
    assert any("5" in (m.get("content") or "") for m in sent if m["role"] in ("user", "tool"))  # the real result
    other = "hermes" if fmt.name != "hermes" else "qwen3_coder"
    report = build_dataset([trace], [fid, other], tmp_path / "data")
    for fdir in (tmp_path / "data").glob("*/data.jsonl"):
        for line in fdir.read_text(encoding="utf-8").splitlines():
            assert "999" not in json.loads(line)["text"]
    assert report.formats[get_format(other).id].written == 2
