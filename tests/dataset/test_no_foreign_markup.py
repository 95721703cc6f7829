"""A sample for format B of a run made in text format A holds B's declarations and markup only: never A's
tool block, never A's writing of a call (property test over random conversations and pairs of formats)."""
from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexc.dataset import build_dataset
from nexc.testing.records import text_mode_records
from nexc.formats import get_format, list_formats
from nexc.formats.translate import relink_ids

#: text formats a run can be made in (openai is native mode)
SOURCES = [f for f in list_formats(include_plugins=False) if f != "openai"]
TARGETS = list_formats(include_plugins=False)


def _calls(fmt, turn: dict) -> str:
    """How ``fmt`` writes the turn's calls (no content, no empty think block)."""
    text = fmt.render_assistant(relink_ids([dict(turn, content="")], fmt)[0])
    return text.split("</think>", 1)[1] if text.startswith("<think>") else text


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), source=st.sampled_from(SOURCES), target=st.sampled_from(TARGETS),
       strip=st.booleans())
def test_no_sample_holds_another_formats_markup(seed, source, target, strip):
    a, b = get_format(source), get_format(target)
    records = list(text_mode_records(random.Random(seed), a, calls=3))
    tools = records[0]["tools"]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "run.jsonl"
        src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        build_dataset([src], [b.id], Path(tmp) / "data", injections="strip" if strip else "keep")
        out = Path(tmp) / "data" / b.id.replace(":", "-") / "data.jsonl"
        samples = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    own_block = a.system_prompt_with_tools("", tools)
    for s in samples:
        text = s["text"]
        if a.id == b.id:  # the run's own format: what was sent, once (Mistral v3's template drops the system
            assert text.count(own_block) == (0 if a.id == "mistral:v3" else 1)  # message of a finished conversation)
            continue
        if own_block != b.system_prompt_with_tools("", tools):
            assert own_block not in text
        for r in records:
            turn = r["reply"]
            if not turn.get("tool_calls"):
                continue
            calls_only = _calls(a, turn)
            if calls_only != _calls(b, turn):
                assert calls_only not in text
        if strip:
            assert "steps left" not in text
