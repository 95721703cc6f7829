"""Byte-exact comparison of ``render_conversation`` with the real chat templates: the stored
renders in ``../shared/vectors/renders`` and transformers' renderer on generated conversations."""
from __future__ import annotations

import copy
import json
import random
import re

import pytest

from nexc.formats import RenderError, get_format, list_formats
from nexc.testing.conversations import conversation
from .cases import REAL_TEMPLATE_CASES, REFERENCE_CRASHES_RENDERED, UNMATCHED_OK
from .reference import VECTORS, need_transformers, need_vectors, render_real

N_COMPARED = 210  # conversations compared byte for byte per template (the issue asks for >= 200)
MAX_SEEDS = 600


def _template_formats() -> dict[str, str]:
    return {get_format(f).matches_template: f for f in list_formats(include_plugins=False)
            if get_format(f).matches_template}


def _renders() -> list[str]:
    folder = VECTORS / "renders"
    names = sorted(p.name[: -len(".dictargs.txt")] for p in folder.glob("*.dictargs.txt")) if folder.is_dir() else []
    return names or ["<no ../shared/vectors>"]


_RENDERS = _renders()


def test_every_real_template_has_a_format():
    vectors = need_vectors()
    matched = _template_formats()
    for path in sorted((vectors / "chat_templates").glob("*.jinja")):
        assert path.name in matched or path.name in UNMATCHED_OK, f"no format reproduces {path.name}"


def _canonical_case(template: str, args_as: str):
    vectors = need_vectors()
    fid = _template_formats().get(f"{template}.jinja")
    if fid is None:
        pytest.skip(UNMATCHED_OK.get(f"{template}.jinja", "no format"))
    fmt = get_format(fid)
    data = json.loads((vectors / "conversation.json").read_text(encoding="utf-8"))
    # the stored renders are of the full conversation wherever the template accepts it
    messages = copy.deepcopy(data["messages_single_call"] if f"{template}.jinja" in SINGLE_CALL_RENDERS
                             else data["messages"])
    if args_as == "str":
        for m in messages:
            for call in m.get("tool_calls", []):
                call["function"]["arguments"] = json.dumps(call["function"]["arguments"], ensure_ascii=False)
    expected = (vectors / "renders" / f"{template}.dictargs.txt").read_text(encoding="utf-8")
    kw = dict(data["render_options"])
    date = re.search(r"Today Date: (\d\d \w\w\w \d{4})|Current date: (\d{4}-\d\d-\d\d)", expected)
    if date:
        kw["date_string"] = date.group(1) or date.group(2)
    return fmt, messages, data["tools"], kw, expected


#: the templates whose stored renders are of ``messages_single_call`` (they refuse two calls in a
#: turn); gpt-oss renders the full conversation, keeping the first call of the turn
SINGLE_CALL_RENDERS = {"meta-llama-Llama-3.1-8B-Instruct.jinja", "meta-llama-Llama-3.2-3B-Instruct.jinja"}


@pytest.mark.parametrize("template", _RENDERS)
def test_canonical_conversation_matches_stored_render(template):
    fmt, messages, tools, kw, expected = _canonical_case(template, "dict")
    assert fmt.render_conversation(messages, tools, **kw) == expected


@pytest.mark.parametrize("template", _RENDERS)
def test_string_arguments_render_like_dict_arguments(template):
    """nexc decodes JSON-string arguments, so it never double-encodes them as some templates do."""
    fmt, messages, tools, kw, expected = _canonical_case(template, "str")
    assert fmt.render_conversation(messages, tools, **kw) == expected


@pytest.mark.parametrize("fid", sorted(REAL_TEMPLATE_CASES))
def test_generated_conversations_match_transformers(fid):
    need_vectors()
    need_transformers()
    fmt = get_format(fid)
    options, variants = REAL_TEMPLATE_CASES[fid]
    compared = 0
    for seed in range(MAX_SEEDS):
        if compared >= N_COMPARED:
            break
        rng = random.Random(f"{fid}:{seed}")
        messages, tools = conversation(rng, with_tools=rng.random() < 0.85, **options)
        kw = dict(variants[seed % len(variants)], bos_token="<BOS>", eos_token="<EOS>")
        agp = rng.random() < 0.5
        try:
            expected = render_real(fmt.matches_template, copy.deepcopy(messages), copy.deepcopy(tools),
                                   add_generation_prompt=agp, **kw)
        except Exception as exc:  # noqa: BLE001 - the real template refuses this conversation
            if fid in REFERENCE_CRASHES_RENDERED:
                continue
            with pytest.raises(RenderError):
                fmt.render_conversation(messages, tools, add_generation_prompt=agp, **kw)
            assert exc is not None
            continue
        got = fmt.render_conversation(messages, tools, add_generation_prompt=agp, **kw)
        assert got == expected, f"seed {seed}: {fid} differs from {fmt.matches_template}"
        compared += 1
    assert compared >= N_COMPARED, f"only {compared} conversations compared"
