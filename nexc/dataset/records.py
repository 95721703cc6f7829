"""Reading trajectory records: the runtime's JSON Lines (one record per LLM call) and NexGAP-style
records, streamed one line at a time and normalised into canonical conversations.

Accepted record shapes (unknown keys are ignored):

- ``messages`` ending with the assistant reply, or ``messages`` (the request) plus a separate
  ``response`` — an assistant message, an OpenAI chat completion (``choices[0].message``), a
  ``{"message": …, "finish_reason": …}`` object or a plain string;
- ``tools`` (OpenAI ``{"type": "function", "function": …}`` entries or bare functions);
- ``agent_name``, ``trace_id``, ``span_id``, ``parent_span_id`` (the agent run the call belongs
  to), ``finish_reason`` (top level or in the response), ``error``, ``format``/``tool_format``
  (the dialect a text-mode run wrote its calls in);
- ``kind``/``type``/``span_kind`` naming anything but an LLM call (tool or agent spans) marks a
  record that is skipped, not dropped.

Normalisation: content ``None`` → ``""`` (content parts joined), tool-call arguments → dicts
(JSON strings decoded), ``reasoning``/``thinking`` → ``reasoning_content``, ``developer`` →
``system``, calls written as text in a text-mode dialect read back into ``tool_calls``; keys the
chat templates do not read are dropped, except nexc's own: ``raw`` (an assistant turn's text in a
text-mode run), ``injected`` (a user message the runtime wrote) and ``is_error`` (a failed call).

nexc trajectory records of version 2 keep the parts of each request apart (``specs/trajectory.schema.json``):
the conversation with the agent's own system prompt, the tools, the format, the reply as it entered
the conversation (``reply``) and the exact request. Version 1 records baked a text format's tool
declarations into the system message: they are cut off again where the current format writes them
the same way, and what cannot be told apart is listed in :attr:`Record.legacy`.
"""
from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from nexc.formats.parsing import MEMOS, Memo

_DECODE = json.JSONDecoder().decode
#: record kinds that are LLM calls (anything else named in kind/type/span_kind is skipped)
LLM_KINDS = {"llm", "llm_call", "chat", "completion", "generation", "model", "model_call"}
_ROLES = {"system", "user", "assistant", "tool"}
_TRUNCATED = {"length", "max_tokens", "max_output_tokens"}


class RecordProblem(Exception):
    """A record that yields no sample: ``reason`` is a stable kebab-case key, ``detail`` says why."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


class Skip(RecordProblem):
    """A record that is not a sample by design (a tool span, an earlier call of a run …)."""


@dataclass
class Record:
    """One normalised LLM call: the conversation up to and including the reply."""

    source: str
    line: int
    messages: list[dict]
    tools: list[dict] | None
    trace_id: str | None = None
    span_id: str | None = None
    parent_span_id: str | None = None
    agent_name: str | None = None
    finish_reason: str | None = None
    source_format: str | None = None
    format_errors: tuple[str, ...] = ()
    #: trajectory schema version (2: the parts kept apart; 1: older nexc; None: another writer)
    version: int | None = None
    profile: str | None = None
    #: the messages of the request that was sent (v2), to check a rebuild against
    sent: list[dict] | None = None
    discarded_text: str | None = None
    #: what could not be reconstructed from an older record
    legacy: tuple[str, ...] = ()

    @property
    def truncated(self) -> bool:
        """The reply stopped at the token limit."""
        return self.finish_reason in _TRUNCATED

    def meta(self) -> dict[str, Any]:
        """Where the sample came from (ids, agent), for the output line."""
        return {"trace_id": self.trace_id, "span_id": self.span_id, "parent_span_id": self.parent_span_id,
                "agent_name": self.agent_name}


# ---------------------------------------------------------------- input files
def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files to read: files as given, folders searched for ``*.jsonl``/``*.jsonl.gz`` (sorted). A
    missing path, or a folder with no such file, is FileNotFoundError (nothing to build from is a
    mistake, not an empty dataset)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.name.endswith((".jsonl", ".jsonl.gz")))
            if not found:
                raise FileNotFoundError(f"folder {p} holds no trajectory files (*.jsonl, *.jsonl.gz, searched "
                                        "recursively)")
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"no such trajectory file or folder: {p}")
    return out


def iter_lines(files: list[Path]) -> Iterator[tuple[int, int, str]]:
    """``(file index, line number, line)`` for every non-blank line, streaming."""
    for index, path in enumerate(files):
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="\n") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    yield index, number, line


# ---------------------------------------------------------------- records
def _str_or_none(v: Any) -> str | None:
    return None if v is None else str(v)


def load(line: str) -> dict:
    """The JSON object on ``line``."""
    try:
        obj = _DECODE(line)
    except ValueError as exc:
        raise RecordProblem("invalid-json", str(exc)) from None
    except RecursionError:
        raise RecordProblem("invalid-json", "the record nests JSON too deeply to read") from None
    if not isinstance(obj, dict):
        raise RecordProblem("invalid-json", f"a record must be an object, not {type(obj).__name__}")
    return obj


def _kind(obj: dict) -> str | None:
    for key in ("kind", "type", "span_kind"):
        v = obj.get(key)
        if isinstance(v, str):
            return v.lower()
    return None


def group_key(obj: dict) -> tuple | None:
    """The agent run an LLM call belongs to (``--granularity run``): its parent span, or the trace
    and agent when the record names no parent."""
    if obj.get("parent_span_id") is not None:
        return (_key(obj.get("trace_id")), _key(obj["parent_span_id"]))
    if obj.get("trace_id") is not None or obj.get("agent_name") is not None:
        return (_key(obj.get("trace_id")), None, _key(obj.get("agent_name")))
    return None


def _key(value: Any):
    """An id as a dict key: scalars as they are, anything else (a list, an object) by its repr."""
    return value if value is None or isinstance(value, (str, int, float)) else repr(value)


def is_llm_call(obj: dict) -> bool:
    """Whether a record stands for an LLM call (records with no kind and some messages do)."""
    kind = _kind(obj)
    return (kind is None or kind in LLM_KINDS) and "messages" in obj


def _response(obj: dict) -> tuple[dict | None, str | None]:
    """The reply message and finish reason held outside ``messages``, if any."""
    finish = obj.get("finish_reason")
    for key in ("response", "completion", "output"):
        if key not in obj or obj[key] is None:
            continue
        r = obj[key]
        if isinstance(r, str):
            return {"role": "assistant", "content": r}, finish
        if isinstance(r, dict):
            if isinstance(r.get("choices"), list) and r["choices"]:
                choice = r["choices"][0] or {}
                return choice.get("message"), choice.get("finish_reason") or finish
            if isinstance(r.get("message"), dict):
                return r["message"], r.get("finish_reason") or finish
            return r, r.get("finish_reason") or finish
        raise RecordProblem("malformed-record", f"'{key}' is neither a message nor a completion")
    return None, finish


def _arguments(name: Any, args: Any) -> dict:
    if isinstance(args, str):
        if not args.strip():
            return {}
        try:
            args = _DECODE(args)
        except ValueError as exc:
            raise RecordProblem("invalid-arguments-json", f"call {name!r}: arguments are not JSON ({exc})") from None
    if args is None:
        return {}
    if not isinstance(args, dict):
        raise RecordProblem("invalid-arguments", f"call {name!r}: arguments are a {type(args).__name__}, not an object")
    return args


def _content(m: dict) -> str:
    c = m.get("content")
    if c is None:
        return ""
    if isinstance(c, str):
        return c
    if isinstance(c, list):
        return "".join(p.get("text") or "" if isinstance(p, dict) else str(p) for p in c)
    return str(c)


def normalise_message(m: Any) -> dict:
    """One message in canonical form (see the module docstring)."""
    if not isinstance(m, dict):
        raise RecordProblem("malformed-record", f"a message is a {type(m).__name__}, not an object")
    role = m.get("role")
    if role == "developer":
        role = "system"
    if not isinstance(role, str) or role not in _ROLES:
        raise RecordProblem("malformed-record", f"unknown message role {str(role)[:100]!r}")
    content = m.get("content")
    out: dict[str, Any] = {"role": role, "content": content if type(content) is str else _content(m)}
    if role == "assistant":
        for key in ("reasoning_content", "reasoning", "thinking"):
            reasoning = m.get(key)
            if reasoning:  # the first one given counts, if it is text
                if isinstance(reasoning, str):
                    out["reasoning_content"] = reasoning
                break
        calls = m.get("tool_calls")
        if not calls and isinstance(m.get("function_call"), dict):
            calls = [{"function": m["function_call"]}]
        if calls:
            if not isinstance(calls, list):
                raise RecordProblem("malformed-record", "tool_calls is not a list")
            norm = []
            for c in calls:
                if not isinstance(c, dict):
                    raise RecordProblem("malformed-record", "a tool call is not an object")
                fn = c.get("function") if isinstance(c.get("function"), dict) else c
                name = fn.get("name")
                if not isinstance(name, str) or not name:
                    raise RecordProblem("malformed-record", "a tool call has no name")
                call: dict[str, Any] = {"type": "function", "function": {"name": name,
                                                                          "arguments": _arguments(name, fn.get("arguments"))}}
                if c.get("id") is not None:
                    call = {"id": str(c["id"]), **call}
                norm.append(call)
            out["tool_calls"] = norm
        if isinstance(m.get("raw"), str):
            out["raw"] = m["raw"]
    elif role == "tool":
        if m.get("tool_call_id") is not None:
            out["tool_call_id"] = str(m["tool_call_id"])
        if isinstance(m.get("name"), str):
            out["name"] = m["name"]
        if m.get("is_error") is True:
            out["is_error"] = True
    elif role == "user":
        inj = m.get("injected")
        if isinstance(inj, list) and inj and all(isinstance(k, str) for k in inj):
            out["injected"] = list(inj)
    return out


#: ``repr`` of a decoded message (or tool list) → its normalised form, shared: the records of a run
#: repeat its history, and one object per distinct message lets the build memoise by identity.
#: ``repr`` of JSON values tells every value and type apart (``1``, ``1.0``, ``True``, key order).
#: Normalised messages are never changed afterwards (everything downstream copies to change).
_NORMALISED = Memo(4096)
MEMOS.append(_NORMALISED)


def _normalised(m: Any) -> dict:
    key = repr(m)
    found = _NORMALISED.get(key)
    return found if found is not None else _NORMALISED.put(key, normalise_message(m))


def _normalised_tools(tools: Any) -> list[dict] | None:
    if tools is None:
        return None
    key = ("tools", repr(tools))
    found = _NORMALISED.get(key)
    return found if found is not None else _NORMALISED.put(key, normalise_tools(tools))


def normalise_tools(tools: Any) -> list[dict] | None:
    """Tools as ``{"type": "function", "function": {...}}`` entries (``None`` stays ``None``)."""
    if tools is None:
        return None
    if not isinstance(tools, list):
        raise RecordProblem("malformed-record", "tools is not a list")
    out = []
    for t in tools:
        if not isinstance(t, dict):
            raise RecordProblem("malformed-record", "a tool is not an object")
        fn = t.get("function") if isinstance(t.get("function"), dict) else t
        if not isinstance(fn.get("name"), str):
            raise RecordProblem("malformed-record", "a tool has no name")
        fn = {k: v for k, v in fn.items() if k != "type"} if fn is t else fn
        out.append({"type": "function", "function": fn})
    return out


def parse_record(obj: dict, source: str = "", line: int = 0) -> Record:
    """A JSON record as a :class:`Record`; raises :class:`Skip` or :class:`RecordProblem`."""
    if not is_llm_call(obj):
        raise Skip("not-an-llm-call", f"record kind {_kind(obj)!r}" if _kind(obj) else "no messages")
    if obj.get("error"):
        err = obj["error"]
        raise RecordProblem("llm-error", str(err.get("message") if isinstance(err, dict) else err)[:200])
    raw = obj.get("messages")
    if not isinstance(raw, list):
        raise RecordProblem("malformed-record", "messages is not a list")
    messages = [_normalised(m) for m in raw]
    version = _version(obj.get("schema"))
    reply, finish = _response(obj)
    if version is not None and version >= 2 and isinstance(obj.get("reply"), dict):
        reply = obj["reply"]  # the turn the reply became (text mode: cut after its calls)
    if reply is not None:
        reply = _normalised(reply)
        if not messages or messages[-1] != reply:
            messages.append(reply)
    tools = _normalised_tools(obj.get("tools"))
    fmt = obj.get("tool_format") or obj.get("format")
    errors: tuple[str, ...] = ()
    legacy: tuple[str, ...] = ()
    if isinstance(fmt, str) and fmt not in ("openai", "native"):
        if version == 1:
            messages, legacy = _unbake(messages, fmt, tools)
        messages, errors = _structure(messages, fmt, tools)
    else:
        fmt = None
    if version == 1 and any(m["role"] == "tool" for m in messages):
        legacy += ("hints",)
    request = obj.get("request") if version is not None and version >= 2 else None
    sent = request.get("messages") if isinstance(request, dict) and isinstance(request.get("messages"), list) else None
    profile = obj.get("profile") if isinstance(obj.get("profile"), str) else None
    discarded = obj.get("discarded_text") if isinstance(obj.get("discarded_text"), str) else None
    return Record(source, line, messages, tools, _str_or_none(obj.get("trace_id")), _str_or_none(obj.get("span_id")),
                  _str_or_none(obj.get("parent_span_id")), _str_or_none(obj.get("agent_name")),
                  _str_or_none(finish), fmt, errors, version, profile, sent, discarded, legacy)


def _version(schema: Any) -> int | None:
    """The version of a nexc trajectory record (``nexc.trajectory/N``), None for other writers."""
    if isinstance(schema, str) and schema.startswith("nexc.trajectory/"):
        tail = schema.rpartition("/")[2]
        return int(tail) if tail.isdigit() else None
    return None


def _unbake(messages: list[dict], fmt: str, tools: list[dict] | None) -> tuple[list[dict], tuple[str, ...]]:
    """A version-1 text-mode record's system message without the tool declarations its format added."""
    if not messages or messages[0]["role"] != "system" or not tools:
        return messages, ()
    from nexc.formats.registry import get_format

    try:
        f = get_format(fmt)
        block = f.system_prompt_with_tools("", tools)
    except Exception:  # noqa: BLE001 - an unknown format is reported when the calls are read
        return messages, ()
    text = messages[0]["content"]
    for sep in ("\n\n", ""):
        if text.endswith(sep + block):
            base = text[:len(text) - len(sep + block)]
            if f.system_prompt_with_tools(base, tools) == text:
                return [dict(messages[0], content=base)] + messages[1:], ()
    return messages, ("tools-in-prompt",)


def _structure(messages: list[dict], fmt: str, tools: list[dict] | None) -> tuple[list[dict], tuple[str, ...]]:
    """Calls written as text in ``fmt`` read back into ``tool_calls`` (text-mode runs)."""
    from nexc.formats.translate import structure_messages

    try:
        structured, errors = structure_messages(messages, fmt, tools)
    except KeyError as exc:
        raise RecordProblem("unknown-source-format", str(exc)) from None
    from nexc.formats.registry import get_format

    source = get_format(fmt)
    out, errors = [], list(errors)
    for i, (raw, m) in enumerate(zip(messages, structured)):
        if m.get("tool_calls") and not raw.get("tool_calls"):
            if not _closed(raw["content"], source.render_assistant(m)):
                errors.append(f"message {i}: the last tool-call block is unclosed")
            m = normalise_message(m)  # structure_messages may add parser ids; keep the canonical key set
        out.append(m)
    return out, tuple(errors)


_CLOSING = re.compile(r"(</[^<>\n]+>|<[^<>\n]*end[^<>\n]*>|\]|\})\s*$")


def _closed(raw: str, rendered: str) -> bool:
    """Whether ``raw`` (model text) closes its last call the way the format writes it."""
    m = _CLOSING.search(rendered)
    return m is None or raw.count(m.group(1)) >= rendered.count(m.group(1))
