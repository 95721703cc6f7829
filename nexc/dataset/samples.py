"""``nexc dataset build``: trajectories in, one JSON Lines training set per format out.

The build streams: one record is read, normalised, checked and rendered for every format before
the next is read, so memory stays flat in the input size (bounded caches; 8 bytes per sample for
the duplicate index). Output order is input order (files in the order given, folders sorted).
A build into a folder that already holds a dataset resumes it: lines cut off by a crash are
removed, samples already written are counted and skipped, the rest are appended.

Which assistant turns carry loss (``loss``, ``bad_turns``) is :mod:`nexc.dataset.loss`; GAP run and
filter folders as inputs, with provenance, verdicts and the verdict gate, :mod:`nexc.dataset.gap`; the
stats and the manifest, :mod:`nexc.dataset.report`.

Layout of the output folder::

    dataset.yaml                manifest (kind: data), specs/dataset.schema.json
    stats.json                  samples, turns, tool calls and drops (by reason) per format
    dropped.jsonl               one line per dropped sample: format, reason, detail, source
    <fmt>/data.jsonl            the samples
    <fmt>/chat_template.jinja   the template whose generation markers the spans follow
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from nexc.dataset import manifest as mf
from nexc.dataset.gap import GapInputError, resolve
from nexc.dataset.loss import BAD_TURNS, LOSS_MODES, loss_spans, turn_ordinals
from nexc.dataset.records import (Record, RecordProblem, Skip, group_key, is_llm_call, iter_lines,
                                  load, parse_record)
from nexc.dataset.render import SpanError, may_hold_markers, render
from nexc.dataset.report import (DROPPED, LEGACY_NOTES, STATS, BuildReport, DatasetError, FormatStats,  # noqa: F401
                                 check_existing, finish)
from nexc.dataset.store import IdIndex, SampleFile, encode, sample_id
from nexc.dataset.validate import Lru, check_format, check_record
from nexc.formats.base import Format, RenderError
from nexc.formats.parsing import MEMOS, Memo
from nexc.formats.translate import relink_ids
from nexc.formats.messages import dumps
from nexc.formats.registry import get_format
from nexc.view.profile import get_profile
from nexc.view.wire import strip_injected, wire_messages

GRANULARITIES = ("call", "run")
#: what ``injections`` may say of the text the runtime wrote into conversations
INJECTIONS = ("keep", "strip")
#: messages kept per format for reuse across the samples of a run (bounds memory)
MESSAGE_CACHE = 1024


@dataclass
class _Target:
    fmt: Format
    dir: str
    file: SampleFile
    kwargs: dict[str, Any]
    stats: FormatStats
    seen: IdIndex = field(default_factory=IdIndex)
    #: message JSON → one message object: a run's history recurs in every sample, and interned
    #: messages (never changed once built) let the renderers memoise them by identity (``memo``)
    messages: Lru = field(default_factory=lambda: Lru(MESSAGE_CACHE))
    memo: Memo = field(default_factory=lambda: Memo(MESSAGE_CACHE))
    jsons: Memo = field(default_factory=lambda: Memo(MESSAGE_CACHE))


def _message_out(m: dict) -> dict:
    """A message as written: tool-call arguments as JSON strings."""
    calls = m.get("tool_calls")
    if not calls:
        return m
    out = dict(m)
    out["tool_calls"] = [{"id": c.get("id"), "type": "function",
                          "function": {"name": c["function"]["name"], "arguments": dumps(c["function"]["arguments"])}}
                         for c in calls]
    return out


def _sample_json(messages_json: list[str], tools_key: str | None, text: str, spans: list, fmt_id: str,
                 meta: dict) -> str:
    """``encode({"messages": …, "tools": …, "text": …, "assistant_spans": …, "format": …, "meta": …})``
    with the messages already encoded (the same text: compact separators, insertion order)."""
    return ('{"messages":[' + ",".join(messages_json) + '],"tools":' + encode(tools_key) + ',"text":' + encode(text)
            + ',"assistant_spans":' + encode(spans) + ',"format":' + encode(fmt_id) + ',"meta":' + encode(meta) + "}")


def _id(v: Any) -> str | None:
    return None if v is None else str(v)


def _run_selection(files: list[Path]) -> set[int]:
    """``--granularity run``: the (file, line) of the last LLM call of each agent run."""
    last: dict[Any, int] = {}
    for index, number, line in iter_lines(files):
        try:
            obj = load(line)
        except RecordProblem:
            continue
        if not is_llm_call(obj):
            continue
        key = group_key(obj)
        pos = (index << 40) | number
        last[key if key is not None else ("line", pos)] = pos
    return set(last.values())


@dataclass
class _Modes:
    granularity: str
    verify: bool
    strip: bool
    last_only: bool
    mask: bool


def build_dataset(inputs: Iterable[str | Path], formats: Iterable[str], out_dir: str | Path, *,
                  granularity: str = "call", template_kwargs: dict[str, Any] | None = None,
                  verify: bool = False, progress: Callable[[int], None] | None = None,
                  injections: str = "keep", loss: str = "all", bad_turns: str = "drop",
                  runs: Iterable[str | Path] = (), verdicts: str | Path | None = None,
                  min_verdict: str | None = None) -> BuildReport:
    """Build (or resume) the dataset in ``out_dir`` from trajectory files/folders ``inputs`` for
    every format in ``formats``; see the module docstring. ``template_kwargs`` override the
    formats' default template variables (``bos_token`` …). Samples are rendered by the formats'
    Python renderers; ``verify`` also renders each with its chat template and drops it
    (``template-mismatch``) if the text or the spans differ. ``injections``: ``keep`` the text the
    runtime wrote into the conversation (hints, notes: what the model saw) or ``strip`` it.
    ``loss``: ``all`` assistant turns of a sample carry loss, or only the ``last-turn`` (the reply;
    call granularity); ``bad_turns``: a bad turn before the reply ``drop``s the sample or is
    ``mask``ed (kept as context, no loss). ``runs``, ``verdicts``, ``min_verdict``: GAP results and
    judge verdicts to join records to, and the verdict gate (:mod:`nexc.dataset.gap`)."""
    for name, value, allowed in (("granularity", granularity, GRANULARITIES), ("injections mode", injections, INJECTIONS),
                                 ("loss mode", loss, LOSS_MODES), ("bad-turns mode", bad_turns, BAD_TURNS)):
        if value not in allowed:
            raise DatasetError(f"unknown {name} {value!r}; use one of {', '.join(allowed)}")
    if loss == "last-turn" and granularity != "call":
        raise DatasetError("--loss last-turn is for --granularity call (a run sample holds every turn of its run "
                           "once already); use --loss all with --granularity run")
    try:
        fmts = list({f.id: f for f in (get_format(name) for name in formats)}.values())
    except KeyError as exc:
        raise DatasetError(exc.args[0]) from None
    if not fmts:
        raise DatasetError("no format given (--format)")
    try:
        join = resolve(inputs, runs=runs, verdicts=verdicts, min_verdict=min_verdict)
    except (FileNotFoundError, GapInputError) as exc:
        raise DatasetError(str(exc)) from None
    files = join.files
    out_dir = Path(out_dir)
    entries = {f.id: mf.format_entry(f, mf.format_dir(f.id), template_kwargs) for f in fmts}
    modes = {"loss": loss, "bad_turns": bad_turns, "min_verdict": min_verdict}
    old = check_existing(out_dir, granularity, entries, modes)
    for f in fmts:
        try:
            f.chat_template
        except OSError as exc:
            raise DatasetError(f"format {f.id} has no chat template: {exc}") from None

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(f"cannot create the output folder {out_dir}: {exc.strerror or exc}") from None
    report = BuildReport(out_dir, granularity, files=len(files), modes=modes)
    targets = []
    for f in fmts:
        entry = entries[f.id]
        target = _Target(f, entry["path"], SampleFile(out_dir / entry["path"] / "data.jsonl"),
                         entry["template_kwargs"], FormatStats())
        target.stats.existing = target.file.existing
        report.formats[f.id] = target.stats
        targets.append(target)
    selection = _run_selection(files) if granularity == "run" else None
    how = _Modes(granularity, verify, injections == "strip", loss == "last-turn", bad_turns == "mask")
    dropped_fh = open(out_dir / DROPPED, "w", encoding="utf-8", newline="\n")

    def drop(targets_hit, problem: RecordProblem, source: str, record, fmt_id: str | None) -> None:
        for t in targets_hit:
            t.stats.dropped[problem.reason] += 1
        ids = record.meta() if isinstance(record, Record) else (record or {})
        dropped_fh.write(encode({"format": fmt_id, "reason": problem.reason, "detail": problem.detail,
                                 "source": source, "trace_id": _id(ids.get("trace_id")),
                                 "span_id": _id(ids.get("span_id"))}) + "\n")

    joined = join.active
    try:
        for index, number, line in iter_lines(files):
            report.records += 1
            if progress is not None and report.records % 1000 == 0:
                progress(report.records)
            source = f"{files[index]}:{number}"
            obj = None
            extra = None
            try:
                if joined:
                    join.check_file(index)
                obj = load(line)
                if joined:
                    extra = join.meta(index, obj)
                if selection is not None and is_llm_call(obj) and ((index << 40) | number) not in selection:
                    raise Skip("not-last-call-of-run")
                record = parse_record(obj, str(files[index]), number)
            except Skip as s:
                report.skipped[s.reason] += 1
                continue
            except RecordProblem as p:
                drop(targets, p, source, obj, None)
                continue
            for note in record.legacy:
                report.legacy[note] += 1
            _process(record, source, targets, how, drop, may_hold_markers(line), extra)
    finally:
        dropped_fh.close()
        for t in targets:
            t.file.close()
    report.runs = join.counts()
    finish(out_dir, report, targets, entries, old)
    return report


_TOOLS = Lru(256)


def _intern_tools(tools: list[dict] | None, key: str) -> list[dict] | None:
    """One list object per distinct toolset (by its JSON), so the formats' memoised tool
    declarations (keyed on the list's identity) are rendered once per toolset, not per record."""
    if tools is None:
        return None
    found = _TOOLS.get(key)
    return found if found is not None else _TOOLS.put(key, tools)


_TOOLS_KEYS = Memo(256)
MEMOS.append(_TOOLS_KEYS)


def _tools_key(tools: list[dict] | None) -> str:
    """``dumps(tools)``, once per toolset object (records share them: see ``records._normalised``)."""
    hit = _TOOLS_KEYS.get(id(tools))
    if hit is not None and hit[0] is tools:
        return hit[1]
    return _TOOLS_KEYS.put(id(tools), (tools, dumps(tools)))[1]


def _message_json(t: _Target, m: dict) -> str:
    """``encode(_message_out(m))``, once per message object and format."""
    hit = t.jsons.get(id(m))
    if hit is not None and hit[0] is m:
        return hit[1]
    return t.jsons.put(id(m), (m, encode(_message_out(m))))[1]


def _own_format(record: Record, fmt: Format) -> bool:
    """Whether ``fmt`` is the text format the record's run was made in (its sample is what was sent)."""
    if record.source_format is None or record.version is None or record.version < 2:
        return False
    try:
        return get_format(record.source_format).id == fmt.id
    except KeyError:
        return False


def _sent_messages(record: Record, fmt: Format, messages: list[dict], strip: bool) -> list[dict]:
    """The request of a text-mode call as it was sent, and the reply: rebuilt from the record's parts by
    the view (the same builder the runtime sent it with); checked against the recorded request."""
    profile = get_profile(record.profile if record.profile in ("nexc", "nexau") else None)
    tools = record.tools or []
    wire = wire_messages(fmt, lambda own: profile.system_message(fmt, own, tools), tools, messages, False)
    if not strip and record.sent is not None and wire[:-1] != record.sent:
        at = next((i for i, (a, b) in enumerate(zip(wire, record.sent)) if a != b), len(record.sent))
        raise RecordProblem("view-mismatch", f"message {at} of the recorded request is not what this nexc builds from "
                                             "the record's parts (recorded by another nexc version?)")
    return wire


def _process(record: Record, source: str, targets: list[_Target], how: _Modes, drop, suspect: bool,
             extra: dict | None) -> None:
    if how.strip:
        record.messages = strip_injected(record.messages)
    tools_key = _tools_key(record.tools)
    tools = _intern_tools(record.tools, tools_key)
    content_key = None if record.span_id is not None else dumps([record.messages, record.tools])
    common: RecordProblem | None = None
    masked: dict[int, RecordProblem] = {}
    try:
        masked = check_record(record, tools_key, how.mask)
    except RecordProblem as p:
        common = p
    todo = []
    for t in targets:
        sid = sample_id(record.trace_id, record.span_id, content_key or "", t.fmt.id, how.granularity)
        if sid in t.seen:
            drop([t], RecordProblem("duplicate", f"sample {sid} already came from an earlier record"), source,
                 record, t.fmt.id)
            continue
        t.seen.add(sid)
        if sid in t.file.ids:
            t.stats.resumed += 1
            t.stats.count(record.messages)
            continue
        todo.append((t, sid))
    if common is not None:
        if todo:
            drop([t for t, _ in todo], common, source, record, None)
        return
    meta = record.meta()
    if extra:
        meta = meta | extra
    for t, sid in todo:
        fmt = t.fmt
        bad = masked
        try:
            if _own_format(record, fmt):
                _write_sent(t, sid, record, fmt, how, suspect, meta, bad)
                continue
            if "tools-in-prompt" in record.legacy:
                raise RecordProblem("legacy-record", LEGACY_NOTES["tools-in-prompt"])
            messages = relink_ids(_plain(record.messages), fmt, share=True)
            written = [_message_json(t, m) for m in messages]  # also the messages' cache keys
            known = t.messages
            messages = [known.get(w) or known.put(w, m) for m, w in zip(messages, written)]
            unfit = check_format(fmt, messages, record.tools, tools_key, written, how.mask)
            if unfit:
                bad = {**unfit, **masked}
            text, spans = render(fmt, messages, tools, verify=how.verify, tools_json=tools_key, check_markers=suspect,
                                 memo=t.memo, canonical=True, **t.kwargs)
            _write(t, sid, written, None if record.tools is None else tools_key, text, spans, messages, how, meta,
                   record.messages, bad)
        except RecordProblem as p:
            drop([t], p, source, record, fmt.id)
            continue
        except RenderError as exc:
            drop([t], RecordProblem("not-representable", str(exc)), source, record, fmt.id)
            continue
        except SpanError as exc:
            drop([t], RecordProblem("template-mismatch", str(exc)), source, record, fmt.id)
            continue
        except UnicodeEncodeError as exc:
            drop([t], RecordProblem("invalid-unicode", str(exc)), source, record, fmt.id)
            continue


def _write(t: _Target, sid: str, written: list[str], tools_key: str | None, text: str, spans: list,
           rendered: list[dict], how: _Modes, meta: dict, canonical: list[dict], bad: dict[int, RecordProblem]) -> None:
    """Select the spans that keep their loss (:mod:`nexc.dataset.loss`) and write the sample.
    ``rendered``: the messages ``text`` was rendered from; ``canonical``: the record's, which ``bad``
    (masked turns) indexes."""
    turns = turn_ordinals(canonical, bad)
    spans = loss_spans(spans, rendered, set(turns.values()), how.last_only)
    if not spans:
        raise RecordProblem("no-loss-tokens", "the chat template marks no assistant output in this sample")
    if bad:
        meta = meta | {"masked_turns": [{"turn": turns[i], "reason": bad[i].reason} for i in sorted(bad)]}
    t.file.write(sid, _sample_json(written, tools_key, text, spans, t.fmt.id, meta))
    s = t.stats
    s.written += 1
    s.trained_turns += len(spans)
    for problem in bad.values():
        s.masked[problem.reason] += 1
    s.count(canonical)


def _plain(messages: list[dict]) -> list[dict]:
    """Messages without the keys only the run's own format reads (``raw``, ``injected``)."""
    return [{k: v for k, v in m.items() if k != "raw" and k != "injected"} if "raw" in m or "injected" in m else m
            for m in messages]


def _write_sent(t: _Target, sid: str, record: Record, fmt: Format, how: _Modes, suspect: bool, meta: dict,
                bad: dict[int, RecordProblem]) -> None:
    """The sample of a call in the run's own text format: the request that was sent and the reply."""
    messages = _sent_messages(record, fmt, record.messages, how.strip)
    written = [encode(m) for m in messages]
    text, spans = render(fmt, messages, None, verify=how.verify, check_markers=suspect, canonical=True, **t.kwargs)
    _write(t, sid, written, None, text, spans, messages, how, meta, record.messages, bad)
