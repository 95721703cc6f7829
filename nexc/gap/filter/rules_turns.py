"""Rules on the shape of assistant turns and of the run's end: ``truncated``, ``malformed-format``,
``text-after-call``, ``stop-reason``.

Text-mode turns (``tool_format`` other than ``openai``) are read back with the format's own parser
(:mod:`nexc.formats`): a block opened and never closed is a truncation, a block that does not parse is
malformed format text.
"""
from __future__ import annotations

from functools import lru_cache

from nexc.gap.filter.model import Finding, Run, depth_of, short, text_field
from nexc.gap.filter.registry import Config, rule

_LENGTH = {"length", "max_tokens", "max_output_tokens"}
#: the stop reasons that mean the run did its task (nexc.runtime.types.StopReason.ok)
OK_STOPS = {"completed", "stop_tool"}


@lru_cache(maxsize=64)
def _format(name: str):
    if not name or name == "openai":
        return None
    try:
        from nexc.formats.registry import get_format

        return get_format(name)
    except Exception:  # noqa: BLE001 - an unknown format: its turns are not read back
        return None


def _text_turns(run: Run) -> list:
    """(step, format, raw text, parse result) of each text-mode reply (parsed once per run)."""
    got = run.memo.get("text_turns")
    if got is None:
        got = run.memo["text_turns"] = list(_read_text_turns(run))
    return got


def _read_text_turns(run: Run):
    for st in run.steps():
        if not st.is_reply:
            continue
        rec = run.records[st.record]
        fmt = _format(text_field(rec, "tool_format") or "")
        if fmt is None:
            continue
        m = st.message_dict
        raw = m.get("raw")
        if not isinstance(raw, str):
            raw = st.text
        if not raw:
            continue
        yield st, fmt, raw, _parse(fmt, raw, rec.get("tools"))


def _parse(fmt, raw: str, tools):
    try:
        return fmt.parse_assistant(raw, tools if isinstance(tools, list) else None)
    except Exception as exc:  # noqa: BLE001 - parse_assistant never raises; a plugin might
        from nexc.formats.base import ParseResult

        return ParseResult(raw, [], [f"parser failed: {exc}"])


def _unclosed(fmt, raw: str, errors: list[str]) -> str | None:
    """The opening of a call block left open in ``raw`` (None: every block is closed)."""
    for close, opening in (getattr(fmt, "closing_stops", None) or {}).items():
        if raw.count(opening) > raw.count(close):
            return opening
    for e in errors:
        if "unclosed" in e:
            return e
    return None


@rule("truncated", "NEX820", "The run has a turn cut off by the token limit or a call block left open.")
def truncated(run: Run, cfg: Config):
    for st in run.steps():
        if st.is_reply and text_field(run.records[st.record], "finish_reason") in _LENGTH:
            yield Finding("truncated", st.record, st.message,
                          f"finish_reason={run.records[st.record]['finish_reason']}: …{short(st.text[-60:], 60)}")
    for st, fmt, raw, parsed in _text_turns(run):
        if text_field(run.records[st.record], "finish_reason") in _LENGTH:
            continue  # reported above
        open_ = _unclosed(fmt, raw, parsed.errors)
        if open_ is not None:
            yield Finding("truncated", st.record, st.message, short(f"unclosed call block: …{raw[-60:]}"))


@rule("malformed-format", "NEX829", "A text-mode turn holds call text its format cannot read.")
def malformed(run: Run, cfg: Config):
    for st, fmt, raw, parsed in _text_turns(run):
        if not parsed.errors or text_field(run.records[st.record], "finish_reason") in _LENGTH:
            continue
        if _unclosed(fmt, raw, parsed.errors) is not None:
            continue  # an open block is a truncation, reported by `truncated`
        yield Finding("malformed-format", st.record, st.message, short(f"{fmt.id}: {parsed.errors[0]}"))


@rule("text-after-call", "NEX825", "A text-mode turn went on after its last call (the text was cut off).")
def text_after_call(run: Run, cfg: Config):
    for st in run.steps():
        if not st.is_reply:
            continue
        cut = run.records[st.record].get("discarded_text")
        if isinstance(cut, str) and cut.strip():
            yield Finding("text-after-call", st.record, st.message, short(f"after the call: {cut.strip()}"))


def _last_entry_record(run: Run) -> int:
    for i in range(len(run.records) - 1, -1, -1):
        if depth_of(run.records[i]) == 0 and run.records[i].get("kind") != "tool_simulation":
            return i
    return len(run.records) - 1


@rule("stop-reason", "NEX831", "The run ended for a reason other than success.")
def stop_reason(run: Run, cfg: Config):
    last = _last_entry_record(run)
    if run.result is not None:
        why = run.result.get("stop_reason")
        if why not in OK_STOPS:
            err = run.result.get("error")
            yield Finding("stop-reason", last, None, short(f"stop_reason={why}" + (f": {err}" if err else "")))
        return
    err = run.records[last].get("error") if run.records else None
    if err:
        msg = err.get("message") if isinstance(err, dict) else err
        yield Finding("stop-reason", last, None, short(f"the last call failed: {msg}"))
