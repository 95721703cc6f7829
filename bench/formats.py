"""Benchmark of the tool-call formats (run: ``python bench/formats.py``).

For every format: render and parse throughput on generated assistant turns (parse twice: keeping
all results in a list, as a batch job would, and one at a time, as the runtime does — keeping
10,000 results alive makes the collector revisit them, a cost of the caller's retention more
than of the parser), and — for formats
that reproduce a real chat template — whole-conversation rendering against transformers'
``render_jinja_template`` with the real template on the same conversations, in the same run.
Figures are medians over ``--repeat`` runs. Needs ``../shared/vectors`` and transformers for the
comparison columns (left blank otherwise).
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
from nexc.formats.sample import assistant_turn, conversation, tools as sample_tools  # noqa: E402

TEMPLATES = REPO.parent / "shared" / "vectors" / "chat_templates"
MUTABLE = {"Kimi-K2-Instruct.jinja", "Kimi-K2-Thinking.jinja"}


def _median_rate(fn, n: int, repeat: int) -> float:
    """Median items per second of ``fn()`` processing ``n`` items."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return n / statistics.median(times)


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


def _parse_each(fmt, texts, tools) -> None:
    """Parse every text, dropping each result before the next (the runtime's pattern)."""
    parse = fmt.parse_assistant
    for text in texts:
        parse(text, tools)


def bench_format(fid: str, turns: int, conversations: int, repeat: int, compare: bool = True) -> dict:
    fmt = get_format(fid)
    rng = random.Random(f"bench:{fid}")
    tool_list = sample_tools(rng, 3)
    msgs = [assistant_turn(rng, tool_list, max_calls=1 if fmt.single_call else 3) for _ in range(turns)]
    texts = [fmt.render_assistant(m) for m in msgs]
    # The fixtures live through the whole run: freeze them so that the collector's passes over
    # them are not charged to the code being timed (what is timed still allocates and collects).
    gc.collect()
    gc.freeze()
    row = {
        "format": fid,
        "render_turns_per_s": _median_rate(lambda: [fmt.render_assistant(m) for m in msgs], turns, repeat),
        "parse_turns_per_s": _median_rate(lambda: [fmt.parse_assistant(t, tool_list) for t in texts], turns, repeat),
        "parse_streamed_turns_per_s": _median_rate(lambda: _parse_each(fmt, texts, tool_list), turns, repeat),
    }
    reference = _reference_renderer(fmt.matches_template) if fmt.matches_template and compare else None
    if reference is not None:
        convs = []
        while len(convs) < conversations:
            c_msgs, c_tools = conversation(rng, max_calls=1 if fmt.single_call else 3)
            kw = {"add_generation_prompt": True, "bos_token": "<BOS>", "eos_token": "<EOS>", "date_string": "2025-01-01"}
            try:
                ours = fmt.render_conversation(c_msgs, c_tools, **kw)
                if ours != reference(c_msgs, c_tools, **kw) and "mistral:v11" != fid:
                    raise AssertionError(f"{fid}: rendering differs from the real template")
            except Exception as exc:  # noqa: BLE001 - conversations the template refuses are skipped
                if isinstance(exc, AssertionError):
                    raise
                continue
            convs.append((c_msgs, c_tools, kw))
        nexc_rate = _median_rate(lambda: [fmt.render_conversation(m, t, **k) for m, t, k in convs], len(convs), repeat)
        ref_rate = _median_rate(lambda: [reference(m, t, **k) for m, t, k in convs], len(convs), repeat)
        row.update(conv_nexc_per_s=nexc_rate, conv_transformers_per_s=ref_rate, speedup=nexc_rate / ref_rate)
    gc.unfreeze()
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--format", action="append", help="only these formats")
    parser.add_argument("--json", action="store_true", help="print JSON rows")
    parser.add_argument("--no-compare", action="store_true", help="skip the transformers comparison")
    args = parser.parse_args(argv)
    rows = [bench_format(f, args.turns, args.conversations, args.repeat, not args.no_compare)
            for f in (args.format or list_formats(include_plugins=False))]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'format':<18} {'render turns/s':>15} {'parse turns/s':>14} {'parse streamed':>15} {'conv/s nexc':>12} "
          f"{'conv/s transformers':>20} {'speedup':>8}")
    for r in rows:
        conv = (f"{r['conv_nexc_per_s']:>12,.0f} {r['conv_transformers_per_s']:>20,.0f} {r['speedup']:>7.1f}x"
                if "speedup" in r else f"{'-':>12} {'-':>20} {'-':>8}")
        print(f"{r['format']:<18} {r['render_turns_per_s']:>15,.0f} {r['parse_turns_per_s']:>14,.0f} "
              f"{r['parse_streamed_turns_per_s']:>15,.0f} {conv}")
    speedups = [r["speedup"] for r in rows if "speedup" in r]
    print(f"\nmedian parse throughput: {statistics.median(r['parse_turns_per_s'] for r in rows):,.0f} turns/s "
          f"(min {min(r['parse_turns_per_s'] for r in rows):,.0f}; streamed: median "
          f"{statistics.median(r['parse_streamed_turns_per_s'] for r in rows):,.0f}, "
          f"min {min(r['parse_streamed_turns_per_s'] for r in rows):,.0f}); "
          f"median render throughput: {statistics.median(r['render_turns_per_s'] for r in rows):,.0f} turns/s"
          + (f"; median speedup over transformers: {statistics.median(speedups):.1f}x (min {min(speedups):.1f}x)"
             if speedups else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
