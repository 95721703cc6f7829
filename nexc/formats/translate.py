"""Rewriting conversations and trajectory records between formats.

A conversation in *text mode* carries its calls inside the assistant text (``nexau_xml`` runs
record ``<tool_use>`` blocks in ``content``); in *structured* form (``openai``) they sit in
``tool_calls``. :func:`convert_messages` reads the calls out of the source format's text,
makes ids valid for the target (Mistral: 9 alphanumerics, Kimi: ``functions.N:i``), relinks the
tool results, and writes the calls back as text for a text-mode target (or keeps them
structured). :func:`convert_trajectory` does that for a record and adds the training text.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from nexc.formats.base import Format
from nexc.formats.messages import canonical_messages, message_content
from nexc.formats.parsing import call_id
from nexc.formats.registry import get_format

_MISTRAL_ID = re.compile(r"[A-Za-z0-9]{9}")


def structure_messages(messages: list[dict], fmt: Format | str, tools: list[dict] | None = None) -> tuple[list[dict], list[str]]:
    """Canonical messages with calls read out of assistant text written in ``fmt``; the errors
    of blocks that did not parse (those turns keep their raw text)."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    out, errors = [], []
    for i, m in enumerate(canonical_messages(messages)):
        if m.get("role") == "assistant" and not m.get("tool_calls") and fmt.name != "openai":
            parsed = fmt.parse_assistant(message_content(m), tools)
            errors += [f"message {i}: {e}" for e in parsed.errors]
            if parsed.tool_calls and not parsed.errors:
                m = dict(m, content=parsed.content, tool_calls=parsed.tool_calls)
                if parsed.reasoning is not None and "reasoning_content" not in m:
                    m["reasoning_content"] = parsed.reasoning
        out.append(m)
    return out, errors


def relink_ids(messages: list[dict], fmt: Format | str, *, share: bool = False) -> list[dict]:
    """Give every call an id the target format accepts and point tool results at the new ids
    (results that name no known id are linked by order). Messages with calls or results come back
    as copies, unless ``share``: then those whose ids stay are the same objects."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    out, mapping, pending = [], {}, []
    counter = 0
    for i, m in enumerate(messages):
        if m.get("role") == "assistant" and m.get("tool_calls"):
            calls = []
            for j, call in enumerate(m["tool_calls"]):
                old = call.get("id")
                new = _new_id(fmt, old, call["function"]["name"], counter, j, f"{i}:{old}")
                counter += 1
                if old is not None:
                    mapping[old] = new
                pending.append(new)
                calls.append(call if share and new == old and "id" in call else dict(call, id=new))
            if not share or any(a is not b for a, b in zip(calls, m["tool_calls"])):
                m = dict(m, tool_calls=calls)
        elif m.get("role") == "tool":
            old = m.get("tool_call_id")
            new = mapping.get(old) if old in mapping else (pending[0] if pending else old)
            if new in pending:
                pending.remove(new)
            if not share or new != old or "tool_call_id" not in m:
                m = dict(m, tool_call_id=new)
        out.append(m)
    return out


def _new_id(fmt: Format, old: Any, name: str, counter: int, index: int, seed: str) -> str:
    if fmt.name == "mistral":
        return old if isinstance(old, str) and _MISTRAL_ID.fullmatch(old) else call_id(seed, index)
    if fmt.name == "kimi_k2":
        return f"functions.{name}:{index if fmt.variant == 'original' else counter}"
    return old if isinstance(old, str) and old else f"call_{call_id(seed, index)}"


def textualise(messages: list[dict], fmt: Format | str) -> list[dict]:
    """Assistant calls written into ``content`` in ``fmt`` (text mode, no ``tool_calls``)."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    out = []
    for m in messages:
        if m.get("role") == "assistant" and m.get("tool_calls"):
            text = fmt.render_assistant(m)
            m = {k: v for k, v in m.items() if k != "tool_calls"}
            m["content"] = text
        out.append(m)
    return out


def convert_messages(messages: list[dict], from_format: Format | str, to_format: Format | str, *,
                     tools: list[dict] | None = None, text_mode: bool = False) -> list[dict]:
    """``messages`` recorded in ``from_format`` rewritten for ``to_format``. Calls stay
    structured for ``openai`` (and when ``text_mode`` is False); otherwise they are written into
    the assistant text in the target dialect."""
    target = get_format(to_format) if isinstance(to_format, str) else to_format
    structured, _ = structure_messages(messages, from_format, tools)
    structured = relink_ids(structured, target)
    return textualise(structured, target) if text_mode and target.name != "openai" else structured


#: keys of a nexc record that describe the call as it was sent, which a converted record no longer is
_SENT_KEYS = ("schema", "request", "response", "reply", "discarded_text", "params")
#: keys other writers (and nexc.trajectory/1) hold the reply in, outside ``messages``
_REPLY_KEYS = ("response", "completion", "output")


def record_reply(record: dict) -> tuple[Any, str | None]:
    """The reply a record holds outside ``messages`` and its finish reason: a nexc v2 record's ``reply``
    (the turn the reply became), else ``response``/``completion``/``output`` — an assistant message, an
    OpenAI chat completion (``choices[0]``), ``{"message": …, "finish_reason": …}`` or a plain string
    (the shapes ``nexc dataset build`` reads). ``(None, finish_reason)`` when there is none."""
    finish = record.get("finish_reason")
    if _version(record) >= 2 and "reply" in record:
        return record["reply"], finish
    for key in _REPLY_KEYS:
        r = record.get(key)
        if r is None:
            continue
        if isinstance(r, str):
            return {"role": "assistant", "content": r}, finish
        if isinstance(r, dict) and isinstance(r.get("choices"), list) and r["choices"]:
            choice = r["choices"][0] if isinstance(r["choices"][0], dict) else {}
            return choice.get("message"), choice.get("finish_reason") or finish
        if isinstance(r, dict) and isinstance(r.get("message"), dict):
            return r["message"], r.get("finish_reason") or finish
        if isinstance(r, dict):
            return dict(r, role=r.get("role", "assistant")), r.get("finish_reason") or finish
        raise ValueError(f"'{key}' is neither a message nor a completion")
    return None, finish


def _version(record: dict) -> int:
    """The nexc trajectory version of a record (``nexc.trajectory/N``); 0 for other writers."""
    schema = record.get("schema")
    tail = schema.rpartition("/")[2] if isinstance(schema, str) and schema.startswith("nexc.trajectory/") else ""
    return int(tail) if tail.isdigit() else 0


def _unbaked(messages: list[dict], source: Format, tools: list[dict] | None) -> list[dict]:
    """A nexc.trajectory/1 text-mode conversation without the tool declarations the source format wrote
    into its system message (they would be the source format's markup in the target's prompt)."""
    if not tools or source.name == "openai" or not messages or not isinstance(messages[0], dict) \
            or messages[0].get("role") != "system" or not isinstance(messages[0].get("content"), str):
        return messages
    text = messages[0]["content"]
    block = source.system_prompt_with_tools("", tools)
    for sep in ("\n\n", ""):
        base = text[:len(text) - len(sep + block)]
        if text.endswith(sep + block) and source.system_prompt_with_tools(base, tools) == text:
            return [dict(messages[0], content=base)] + messages[1:]
    return messages


def convert_trajectory(record: dict, to_format: str, *, from_format: str | None = None,
                       text_mode: bool = False, add_text: bool = True, **template_kwargs: Any) -> dict:
    """A trajectory record (``{"messages": […], "tools": […], …}``) rewritten for ``to_format``:
    messages with target-valid ids (calls structured, or in the text with ``text_mode``), ``format`` the
    target and ``tool_format`` where the calls are (the target in text mode, else ``openai``), parse errors
    listed under ``format_errors``, and — with ``add_text`` — the training ``text`` rendered by the target
    format.

    The reply joins the conversation, wherever the record holds it (:func:`record_reply`: a nexc record's
    ``reply``, another writer's ``response``), so a converted record is the whole conversation with no
    trace of the source format: the text the model wrote (``raw``) and what was sent (``request``,
    ``response``, ``reply``) describe a call in the source format, so they are left out (a reply's
    ``finish_reason`` stays). A nexc.trajectory/1 text-mode record loses the source format's tool
    declarations from its system message. A record that is not an LLM call (a tool span, a simulated
    tool's call) comes back unchanged."""
    from nexc.dataset.records import is_llm_call

    target = get_format(to_format)
    if not is_llm_call(record):
        return copy.deepcopy(record)
    source = get_format(from_format or record.get("tool_format") or record.get("format") or "openai")
    tools = record.get("tools")
    messages = list(record.get("messages") or [])
    if _version(record) == 1:
        messages = _unbaked(messages, source, tools)
    reply, finish = record_reply(record)
    if isinstance(reply, dict) and (not messages or messages[-1] != reply):
        messages.append(reply)
    messages = [{k: v for k, v in m.items() if k != "raw"} if isinstance(m, dict) and "raw" in m else m
                for m in messages]
    structured, errors = structure_messages(messages, source, tools)
    structured = relink_ids(structured, target)
    out = copy.deepcopy({k: v for k, v in record.items()
                         if k != "messages" and k not in _SENT_KEYS and k not in _REPLY_KEYS})
    if finish is not None:
        out["finish_reason"] = finish
    textual = text_mode and target.name != "openai"
    out["messages"] = textualise(structured, target) if textual else structured
    out["format"] = target.id
    out["tool_format"] = target.id if textual else "openai"  # where the calls are: in the text, or structured
    if errors:
        out["format_errors"] = errors
    if add_text:
        out["text"] = target.render_conversation(structured, tools, **template_kwargs)
    return out
