"""What the model saw is what it trains on: a run against the fake server, in every text format and in
native mode, then ``dataset build`` for the run's own format — each sample is the request that was
sent (its messages, rendered by the format's chat template) and the reply the model gave, and the
assistant mask of a tokenizer built here covers exactly the model's own output.
"""
from __future__ import annotations

import json

import pytest

pytest.importorskip("transformers")

from nexc.api import CompiledFramework, Settings  # noqa: E402
from nexc.dataset import build_dataset, decode_sample  # noqa: E402
from nexc.dataset import manifest as mf  # noqa: E402
from nexc.dataset.render import compile_template, render_marked  # noqa: E402
from nexc.formats import get_format, list_formats  # noqa: E402
from nexc.formats.messages import canonical_messages  # noqa: E402
from nexc.ir.model import Agent, Binding, Framework, Limits, Llm, Prompt, Tool, ToolRef  # noqa: E402
from nexc.testing import FakeOpenAI, call, reply  # noqa: E402
from nexc.view.wire import native_message  # noqa: E402

from .toytok import MARKUP, masked_runs, tokenizer  # noqa: E402

TEXT_FORMATS = [f for f in list_formats(include_plugins=False) if f != "openai"]  # openai: native mode
TOOLS_PY = "def add(a: int, b: int) -> int:\n    return a + b\n\n\ndef echo(text: str) -> str:\n    return 'echo:' + text\n"
ADD = {"type": "object", "properties": {"a": {"type": "integer", "description": "First"},
                                        "b": {"type": "integer", "description": "Second"}}, "required": ["a", "b"]}
ECHO = {"type": "object", "properties": {"text": {"type": "string", "description": "What to echo"}},
        "required": ["text"]}


def framework(tool_format: str) -> Framework:
    """One agent with two Python tools, in ``tool_format`` ('openai': native calls)."""
    return Framework(
        name="seam", entry="main", llms=(Llm(name="m", model="fake-model", temperature=0.0),),
        tools=(Tool(name="add", description="Add two integers.", parameters=ADD, binding=Binding(kind="python",
                                                                                                    target="seam_tools:add")),
               Tool(name="echo", description="Echo a text.", parameters=ECHO,
                    binding=Binding(kind="python", target="seam_tools:echo"))),
        agents=(Agent(name="main", llm="m", prompt=Prompt(text="You are the seam agent. Use the tools."),
                      tools=(ToolRef(name="add"), ToolRef(name="echo")), tool_format=tool_format,
                      limits=Limits(max_iterations=6)),))


#: templates that render a conversation ending with the reply differently from the prompt the endpoint
#: rendered for the request, so no sample of theirs can begin with that prompt (the sample follows the
#: model's own template, as every training pipeline does): Mistral v3 writes the system message only
#: into a user turn that is the conversation's last message
NOT_PREFIX_STABLE = {"mistral:v3": "the system message is written only before a user turn that ends the conversation"}


def _call(i: int, name: str, args: dict) -> dict:
    return {"id": f"call{i}abcd"[:9], "type": "function", "function": {"name": name, "arguments": args}}


ROUNDS = [[_call(1, "add", {"a": 2, "b": 3})],
          [_call(2, "echo", {"text": 'quote " and <&>'}), _call(3, "add", {"a": 1, "b": 1})]]


def model(fmt):
    """A fake model that writes what ``fmt``'s chat template puts after the prompt of each request
    (reasoning where the format thinks): two rounds of calls (parallel ones where the format allows),
    then an answer. Native mode (``fmt`` None) answers with structured calls."""
    template = compile_template(fmt.chat_template) if fmt is not None else None

    def handle(req):
        n = sum(1 for m in req.messages if m.get("role") == "assistant")
        if n >= len(ROUNDS):
            turn = {"role": "assistant", "content": "The answer is 5."}
        else:
            calls = ROUNDS[n][:1] if fmt is not None and fmt.single_call else ROUNDS[n]
            turn = {"role": "assistant", "content": "Let me work.", "tool_calls": calls}
        if fmt is None:
            return reply(turn["content"], tool_calls=[call(c["function"]["name"], c["function"]["arguments"], id=c["id"])
                                                      for c in turn.get("tool_calls") or ()])
        if fmt.thinking:
            turn["reasoning_content"] = "I should use the tools."
        msgs = canonical_messages(req.messages)
        prompt = _plain(template.render(messages=msgs, tools=None, add_generation_prompt=True, documents=None))
        full, spans = render_marked(fmt, msgs + [turn], None)
        a, b = spans[-1]
        out = full[len(prompt):b] if full.startswith(prompt) else full[a:b]
        return reply(out.removesuffix(_end(fmt, out)))

    return handle


def _plain(text: str) -> str:
    return text.replace("\ufdd0", "").replace("\ufdd1", "")


def _end(fmt, text: str) -> str:
    """The end-of-turn marker the model emits (the endpoint leaves it out of the reply)."""
    return next((s for s in fmt.stop_sequences if text.endswith(s)), "")


def _sent_reply(record: dict) -> dict:
    """The reply as the next request carries it."""
    r = record["reply"]
    if "raw" in r:
        return {"role": "assistant", "content": r["raw"]}
    return native_message(r, False)


#: formats whose model cannot be driven in text mode: its own template refuses the conversation
TEXT_MODE_REFUSED = {"gpt_oss": "the harmony template refuses channel markup in message content, so a text-mode "
                                "turn cannot be sent back to a gpt-oss endpoint (run it in native mode)"}


@pytest.mark.parametrize("fid", ["openai (native)"] + TEXT_FORMATS)
def test_samples_are_what_was_sent(fid, tmp_path):
    if fid in TEXT_MODE_REFUSED:
        pytest.skip(TEXT_MODE_REFUSED[fid])
    tool_format = "openai" if fid.endswith("(native)") else fid
    fmt = get_format("openai" if tool_format == "openai" else fid)
    (tmp_path / "seam_tools.py").write_text(TOOLS_PY, encoding="utf-8")
    fw = CompiledFramework.from_ir(framework(tool_format), root_dir=tmp_path,
                                   settings=Settings(max_retries=0, retry_base=0.0))
    assert not fw.problems, fw.problems
    trace = tmp_path / "run.jsonl"
    with FakeOpenAI(model(None if tool_format == "openai" else fmt), honour_stop=True) as url:
        res = fw.run("What is 2+3? Echo something too.", base_url=url, api_key="k", trace_path=trace)
    assert res.ok and res.output == "The answer is 5.", (res.stop_reason, res.error)
    records = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 3

    out = tmp_path / "data"
    report = build_dataset([trace], [fmt.id], out)
    stats = report.formats[fmt.id]
    assert stats.written == 3, dict(stats.dropped)
    entry = mf.read(out / "dataset.yaml")["formats"][0]
    samples = [json.loads(line) for line in (out / entry["data"]).read_text(encoding="utf-8").splitlines()]
    kwargs = entry["template_kwargs"]
    template = compile_template(fmt.chat_template)

    texts = []
    for rec, sample in zip(records, samples):
        sent = rec["request"]
        wanted = sent["messages"] + [_sent_reply(rec)]
        messages, tools = decode_sample(sample)
        if tool_format != "openai":  # text mode: the sample's messages are the request's, tools declared inside
            assert sample["messages"] == wanted and tools is None and "tools" not in sent
        # the text is the chat template's rendering of exactly those messages (Jinja, not the Python renderer)
        expected, spans = render_marked(fmt, canonical_messages(wanted), sent.get("tools"), **kwargs)
        assert sample["text"] == expected and sample["assistant_spans"] == spans
        # ... and begins with the prompt the endpoint built for the request
        prompt = _plain(template.render(messages=canonical_messages(sent["messages"]), tools=sent.get("tools"),
                                        add_generation_prompt=True, documents=None, **kwargs))
        assert sample["text"].startswith(prompt) != (fmt.id in NOT_PREFIX_STABLE)
        # the model's own output of this call is the sample's last span
        last = sample["text"][spans[-1][0]:spans[-1][1]]
        if tool_format != "openai":
            assert last.startswith(rec["reply"]["raw"]) or rec["reply"]["raw"] in last
        texts.append(sample)

    # --loss last-turn: the same text, byte for byte; only the reply of each call is trained
    last_out = tmp_path / "data-last"
    build_dataset([trace], [fmt.id], last_out, loss="last-turn")
    last = [json.loads(line) for line in (last_out / entry["data"]).read_text(encoding="utf-8").splitlines()]
    assert [x["text"] for x in last] == [x["text"] for x in samples]
    assert [x["assistant_spans"] for x in last] == [x["assistant_spans"][-1:] for x in samples]

    # a tokenizer built here: apply_chat_template renders the sample and masks exactly the spans
    specials = sorted({m for s in texts for m in MARKUP.findall(s["text"])} | {str(v) for k, v in kwargs.items()
                                                                               if k.endswith("_token")})
    tok = tokenizer([s["text"] for s in texts], specials, entry_template(out, entry))
    for s in texts:
        messages, tools = decode_sample(s)
        enc = tok.apply_chat_template(messages, tools=tools, tokenize=True, return_dict=True,
                                      return_assistant_tokens_mask=True, **kwargs)
        offsets = tok(s["text"], add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        assert tok.apply_chat_template(messages, tools=tools, tokenize=False, **kwargs) == s["text"]
        runs = masked_runs(enc["assistant_masks"], offsets)
        assert runs == _merged(s["assistant_spans"])
        # every masked character is the model's: an assistant turn of the conversation, nothing else
        assistant = [m for m in messages if m["role"] == "assistant"]
        assert len(runs) >= len([m for m in assistant if (m.get("content") or m.get("tool_calls"))]) or \
            len(runs) == 1
        body = assistant[-1].get("content") or ""  # the reply (templates may rewrite older turns' reasoning)
        if tool_format != "openai" and body:
            assert any(body.partition("</think>")[2] in s["text"][a:b] for a, b in runs), body[:80]
        for m in messages:
            if m["role"] in ("user", "tool", "system") and len(m.get("content") or "") > 12:
                for a, b in runs:
                    assert m["content"] not in s["text"][a:b]


def entry_template(out, entry) -> str:
    return (out / entry["chat_template"]).read_text(encoding="utf-8")


def _merged(spans):
    merged = []
    for a, b in spans:
        if merged and merged[-1][1] == a:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return merged
