"""Benchmark of the tool-call formats (run: ``python bench/formats.py``).

For every format, on generated assistant turns (``nexc.testing.conversations``: nested objects, unicode,
markup characters; 1-3 calls a turn):

- render throughput (``render_assistant``);
- parse throughput, one turn at a time as the runtime and ``convert-trajectory`` parse ("parse");
- parse throughput keeping every result in one list, as a batch job holding 10,000 results would
  ("parse, all kept"): the collector then revisits the growing pile of result dicts, a cost of the
  caller's retention more than of the parser;
- the bare baseline, in the same run: ``json.loads`` of each turn's call arguments as JSON text,
  the decoding any parser of these turns must at least do ("json.loads args"), and the ratio of
  parse time to it ("× json") — a figure that does not move with the machine's speed;
- for formats that reproduce a real chat template, whole-conversation rendering against
  transformers' ``render_jinja_template`` with the real template on the same conversations;
- where SGLang is importable, its own tool-call parser for the dialect (``detect_and_parse``) on
  the same turns, in the same interleaved repeats — only where it reads the same call names from
  at least 99% of the turns (else the row says it reads them differently). SGLang is not a
  dependency of nexc; to compare, add it to a venv that has nexc, without its CUDA stack:
  ``pip install torch==2.13.0 && pip install --no-deps sglang`` and then the modules its
  ``sglang.srt.function_call`` package imports (pydantic orjson partial-json-parser numpy psutil
  pybase64 requests packaging pillow starlette msgspec pyzmq tqdm ipython aiohttp openai regex
  xgrammar).

The measures of a format are interleaved repeat by repeat (so a slow spell of a shared machine hits
them alike) and reported as medians over ``--repeat`` runs. Needs ``../shared/vectors`` and
transformers for the comparison columns (left blank otherwise).
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nexc.formats import get_format, list_formats  # noqa: E402
from nexc.testing.conversations import assistant_turn, conversation, tools as sample_tools  # noqa: E402

TEMPLATES = REPO.parent / "shared" / "vectors" / "chat_templates"
MUTABLE = {"Kimi-K2-Instruct.jinja", "Kimi-K2-Thinking.jinja"}


def _median_rates(fns: dict, n: int, repeat: int) -> dict[str, float]:
    """Median items per second of each ``fns[key]()`` processing ``n`` items; the functions run
    in turn within each repeat, each after a full collection."""
    times: dict[str, list[float]] = {key: [] for key in fns}
    for _ in range(repeat):
        for key, fn in fns.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - start)
    return {key: n / statistics.median(t) for key, t in times.items()}


def _reference_renderer(template_name: str):
    """A callable rendering with the real template as transformers does, or None."""
    path = TEMPLATES / template_name
    if not path.is_file():
        return None
    source = path.read_text(encoding="utf-8")
    if template_name in MUTABLE:
        import jinja2
        from jinja2.sandbox import SandboxedEnvironment

        env = SandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
        env.filters["tojson"] = lambda x, **kw: json.dumps(x, ensure_ascii=False, **kw)
        template = env.from_string(source)
        return lambda messages, tools, **kw: template.render(messages=messages, tools=tools, **kw)
    try:
        from transformers.utils.chat_template_utils import render_jinja_template
    except Exception:  # noqa: BLE001
        return None
    return lambda messages, tools, **kw: render_jinja_template(
        conversations=[messages], tools=tools, chat_template=source, **kw)[0][0]


#: nexc format → SGLang's parser name for the same dialect (``FunctionCallParser.ToolCallParserEnum``)
SGLANG_PARSERS = {
    "qwen3_coder": "qwen3_coder", "hermes:qwen2.5": "qwen25", "hermes:qwen3": "qwen25",
    "hermes:hermes3": "hermes", "glm45:glm46": "glm45", "glm45:glm47": "glm47", "minimax_m2": "minimax-m2",
    "deepseek_v31": "deepseekv31", "kimi_k2:original": "kimi_k2", "kimi_k2:0905": "kimi_k2",
    "llama3_json:3.1": "llama3", "llama3_json:3.2": "llama3", "mistral:v3": "mistral", "mistral:v11": "mistral",
    "pythonic": "pythonic", "gpt_oss": "gpt-oss",
}


def _sglang(fid: str, texts: list[str], tools: list[dict], fmt):
    """``(name, parse_each, rate)`` for SGLang's parser of ``fid``: a function timing it on ``texts``,
    or None when it reads other call names than nexc from over 1% of the first 500 turns, or when
    it is too slow to time on all of them (``rate``, turns/s on those 500, says how slow); None when
    SGLang or such a parser is missing."""
    name = SGLANG_PARSERS.get(fid)
    if name is None:
        return None
    try:
        import logging

        from sglang.srt.entrypoints.openai.protocol import Function, Tool
        from sglang.srt.function_call.function_call_parser import FunctionCallParser
    except Exception:  # noqa: BLE001 - SGLang is optional
        return None
    logging.getLogger("sglang").setLevel(logging.CRITICAL)
    parse = FunctionCallParser.ToolCallParserEnum[name]().detect_and_parse
    stools = [Tool(type="function", function=Function(**t["function"])) for t in tools]

    def names(text):
        try:
            return [c.name for c in parse(text, stools).calls]
        except Exception:  # noqa: BLE001
            return None

    sample = texts[:500]
    start = time.perf_counter()
    got = [names(t) for t in sample]
    rate = len(sample) / (time.perf_counter() - start)
    differ = sum(g != [c["function"]["name"] for c in fmt.parse_assistant(t, tools).tool_calls]
                 for g, t in zip(got, sample))
    if differ > len(sample) // 100:
        return name, None, None
    if rate < 2000:  # minutes per repeat: report the sample's rate
        return name, None, rate

    def parse_each():
        for text in texts:
            try:
                parse(text, stools)
            except Exception:  # noqa: BLE001
                pass

    return name, parse_each, None


def _parse_each(fmt, texts, tools) -> None:
    """Parse every text, dropping each result before the next (the runtime's pattern)."""
    parse = fmt.parse_assistant
    for text in texts:
        parse(text, tools)


def _parse_all(fmt, texts, tools) -> list:
    """Parse every text, keeping every result."""
    parse = fmt.parse_assistant
    return [parse(text, tools) for text in texts]


def _loads_each(arguments: list[list[str]]) -> None:
    """``json.loads`` every call's arguments, turn by turn (the baseline)."""
    loads = json.loads
    for turn in arguments:
        for args in turn:
            loads(args)


def bench_format(fid: str, turns: int, conversations: int, repeat: int, compare: bool = True,
                 sglang_ok: bool = True) -> dict:
    fmt = get_format(fid)
    rng = random.Random(f"bench:{fid}")
    tool_list = sample_tools(rng, 3)
    msgs = [assistant_turn(rng, tool_list, max_calls=1 if fmt.single_call else 3) for _ in range(turns)]
    texts = [fmt.render_assistant(m) for m in msgs]
    # The fixtures live through the whole run: freeze them so that the collector's passes over
    # them are not charged to the code being timed (what is timed still allocates and collects).
    gc.collect()
    gc.freeze()
    arguments = [[json.dumps(c["function"]["arguments"], ensure_ascii=False) for c in m.get("tool_calls") or ()]
                 for m in msgs]
    measures = {
        "render_turns_per_s": lambda: [fmt.render_assistant(m) for m in msgs],
        "parse_turns_per_s": lambda: _parse_each(fmt, texts, tool_list),
        "parse_kept_turns_per_s": lambda: _parse_all(fmt, texts, tool_list),
        "json_loads_turns_per_s": lambda: _loads_each(arguments),
    }
    sglang = _sglang(fid, texts, tool_list, fmt) if sglang_ok else None
    if sglang is not None and sglang[1] is not None:
        measures["sglang_turns_per_s"] = sglang[1]
    rates = _median_rates(measures, turns, repeat)
    row = {"format": fid, **rates, "parse_vs_json": rates["json_loads_turns_per_s"] / rates["parse_turns_per_s"]}
    if sglang is not None:
        row["sglang_parser"] = sglang[0]
        if sglang[2] is not None:
            row["sglang_turns_per_s_500"] = sglang[2]
    reference = _reference_renderer(fmt.matches_template) if fmt.matches_template and compare else None
    if reference is not None:
        # templates that date the prompt from the clock print today; nexc prints ``date_string``
        date = time.strftime(fmt.date_format) if fmt.date_format else "2025-01-01"
        convs = []
        while len(convs) < conversations:
            c_msgs, c_tools = conversation(rng, max_calls=1 if fmt.single_call else 3)
            kw = {"add_generation_prompt": True, "bos_token": "<BOS>", "eos_token": "<EOS>", "date_string": date}
            try:
                ours = fmt.render_conversation(c_msgs, c_tools, **kw)
                if ours != reference(c_msgs, c_tools, **kw):
                    raise AssertionError(f"{fid}: rendering differs from the real template")
            except Exception as exc:  # noqa: BLE001 - conversations the template refuses are skipped
                if isinstance(exc, AssertionError):
                    raise
                continue
            convs.append((c_msgs, c_tools, kw))
        conv = _median_rates({
            "nexc": lambda: [fmt.render_conversation(m, t, **k) for m, t, k in convs],
            "transformers": lambda: [reference(m, t, **k) for m, t, k in convs],
        }, len(convs), repeat)
        nexc_rate, ref_rate = conv["nexc"], conv["transformers"]
        row.update(conv_nexc_per_s=nexc_rate, conv_transformers_per_s=ref_rate, speedup=nexc_rate / ref_rate)
    gc.unfreeze()
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--format", action="append", help="only these formats")
    parser.add_argument("--json", action="store_true", help="print JSON rows")
    parser.add_argument("--no-compare", action="store_true", help="skip the transformers comparison")
    parser.add_argument("--no-sglang", action="store_true", help="skip SGLang's parsers even where importable")
    args = parser.parse_args(argv)
    rows = [bench_format(f, args.turns, args.conversations, args.repeat, not args.no_compare, not args.no_sglang)
            for f in (args.format or list_formats(include_plugins=False))]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'format':<18} {'render turns/s':>15} {'parse turns/s':>14} {'parse, all kept':>16} "
          f"{'json.loads args':>16} {'x json':>7} {'conv/s nexc':>12} {'conv/s transformers':>20} {'speedup':>8}")
    for r in rows:
        conv = (f"{r['conv_nexc_per_s']:>12,.0f} {r['conv_transformers_per_s']:>20,.0f} {r['speedup']:>7.1f}x"
                if "speedup" in r else f"{'-':>12} {'-':>20} {'-':>8}")
        print(f"{r['format']:<18} {r['render_turns_per_s']:>15,.0f} {r['parse_turns_per_s']:>14,.0f} "
              f"{r['parse_kept_turns_per_s']:>16,.0f} {r['json_loads_turns_per_s']:>16,.0f} "
              f"{r['parse_vs_json']:>6.2f}x {conv}")

    def spread(key: str) -> str:
        values = [r[key] for r in rows]
        return f"median {statistics.median(values):,.0f}, min {min(values):,.0f}"

    speedups = [r["speedup"] for r in rows if "speedup" in r]
    slow = [r["format"] for r in rows if r["parse_turns_per_s"] < 50_000]
    print(f"\nparse turns/s: {spread('parse_turns_per_s')} (all kept: {spread('parse_kept_turns_per_s')}); "
          f"parse time / json.loads of the arguments: median "
          f"{statistics.median(r['parse_vs_json'] for r in rows):.2f}x; render turns/s: {spread('render_turns_per_s')}"
          + (f"; conversations vs transformers: median {statistics.median(speedups):.1f}x (min {min(speedups):.1f}x)"
             if speedups else ""))
    print("formats parsing under 50,000 turns/s: " + (", ".join(slow) if slow else "none"))
    compared = [r for r in rows if "sglang_parser" in r]
    if compared:
        print(f"\n{'format':<18} {'SGLang parser':<14} {'nexc parse/s':>13} {'SGLang parse/s':>15} {'nexc/SGLang':>12}")
        for r in compared:
            theirs, sampled = r.get("sglang_turns_per_s"), r.get("sglang_turns_per_s_500")
            if theirs:
                tail = f"{theirs:>15,.0f} {r['parse_turns_per_s'] / theirs:>11.1f}x"
            elif sampled:
                tail = f"{sampled:>15,.0f} {r['parse_turns_per_s'] / sampled:>11.0f}x  (SGLang timed on 500 turns only)"
            else:
                tail = f"{'-':>15} {'-':>12}  (SGLang reads other calls from these turns)"
            print(f"{r['format']:<18} {r['sglang_parser']:<14} {r['parse_turns_per_s']:>13,.0f} {tail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
