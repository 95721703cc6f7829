"""Training text and loss spans: the characters a chat template's ``{% generation %}`` blocks produce.

The ``{% generation %}`` block of a chat template is what ``transformers`` masks in (its
``return_assistant_tokens_mask``). The build takes text and spans from the format's Python
renderer (:func:`render_spans`): every built-in renderer writes two Unicode noncharacters (U+FDD0 …
U+FDD1) where its template's generation blocks begin and end when asked (``marks``), and one pass
over the output removes them and records where they were. Its text is ``render_conversation``'s,
byte-equal to the template's (tests/formats), and its spans equal the template's own
(tests/dataset/test_spans.py).

The template itself can be rendered the same way (:func:`render_marked`): compiled here with a
``generation`` extension that writes the same two markers, by a plain (non-sandboxed) Jinja
environment with ``transformers``' filters and globals, so the text is the text
``apply_chat_template`` renders. :func:`render` uses it for ``verify`` (both must agree) and for
plugin formats whose renderers do not write markers.
"""
from __future__ import annotations

import inspect
import json
import re
from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.ext
from jinja2.ext import Extension

from nexc.formats.base import Format, RenderError
from nexc.formats.messages import canonical_tools, dumps

#: wrap each generation block (noncharacters: never part of real text; checked anyway)
OPEN, CLOSE = "\ufdd0", "\ufdd1"


class SpanError(ValueError):
    """The template's output cannot be split into text and spans (nested or unbalanced blocks, or
    the conversation itself contains a marker character)."""


class _Generation(Extension):
    """``{% generation %}…{% endgeneration %}`` marked with :data:`OPEN`/:data:`CLOSE`."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_mark"), [], [], body).set_lineno(lineno)

    def _mark(self, caller) -> str:
        _COUNT[0] += 1
        return OPEN + caller() + CLOSE


#: generation blocks rendered by the current render (one render at a time per process)
_COUNT = [0]


#: ``(object, its JSON)``: the tools list of the render in progress, already encoded by the caller
_KNOWN_JSON: list = [None, None]


def _tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    """``transformers``' ``tojson``, with the prebuilt encoder for the default arguments."""
    if ensure_ascii is False and indent is None and separators is None and sort_keys is False:
        if x is _KNOWN_JSON[0] and x is not None:
            return _KNOWN_JSON[1]
        return dumps(x)
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


_DICT_ATTRS = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja's attribute lookup with a fast path for plain dicts (the messages): the same result
    (``dict`` methods first, then keys, else undefined) without raising and catching an
    ``AttributeError`` for every ``m.content``."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRS:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


@lru_cache(maxsize=None)
def _environment() -> jinja2.Environment:
    env = _Environment(trim_blocks=True, lstrip_blocks=True, extensions=[_Generation, jinja2.ext.loopcontrols])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env


@lru_cache(maxsize=64)
def compile_template(source: str) -> jinja2.Template:
    """The chat template ``source`` compiled with the span-marking ``generation`` extension."""
    return _environment().from_string(source)


def split_spans(marked: str) -> tuple[str, list[list[int]]]:
    """Text without the markers, and the ``[start, end)`` character spans they enclosed (empty
    blocks select nothing and give no span)."""
    if OPEN not in marked:
        if CLOSE in marked:
            raise SpanError("unbalanced generation markers")
        return marked, []
    parts: list[str] = []
    spans: list[list[int]] = []
    pos = length = 0
    while True:
        start = marked.find(OPEN, pos)
        if start < 0:
            tail = marked[pos:]
            if CLOSE in tail:
                raise SpanError("unbalanced generation markers")
            parts.append(tail)
            break
        head = marked[pos:start]
        end = marked.find(CLOSE, start + 1)
        if end < 0 or CLOSE in head or OPEN in marked[start + 1:end]:
            raise SpanError("nested or unbalanced generation blocks")
        body = marked[start + 1:end]
        parts.append(head)
        length += len(head)
        if body:
            parts.append(body)
            spans.append([length, length + len(body)])
            length += len(body)
        pos = end + 1
    return "".join(parts), spans


def render_marked(fmt: Format, messages: list[dict], tools: list[dict] | None, *, tools_json: str | None = None,
                  **kwargs: Any) -> tuple[str, list[list[int]]]:
    """``(text, spans)`` rendered by ``fmt``'s chat template (canonical messages, dict arguments);
    ``tools_json``: ``tools`` already encoded (``json.dumps(tools, ensure_ascii=False)``)."""
    template = compile_template(fmt.chat_template)
    _COUNT[0] = 0
    _KNOWN_JSON[:] = (tools, tools_json) if tools_json is not None else (None, None)
    marked = template.render(messages=messages, tools=tools, documents=None, add_generation_prompt=False, **kwargs)
    if marked.count(OPEN) != _COUNT[0] or marked.count(CLOSE) != _COUNT[0]:
        raise SpanError("the conversation contains U+FDD0/U+FDD1, reserved for span marking")
    return split_spans(marked)


def render_spans(fmt: Format, messages: list[dict], tools: list[dict] | None, *, tools_json: str | None = None,
                 check_markers: bool = True, memo: Any = None, canonical: bool = False,
                 **kwargs: Any) -> tuple[str, list[list[int]]]:
    """``(text, spans)`` from the format's Python renderer, which writes the markers itself where
    its chat template has ``{% generation %}`` blocks (``marks``): the text is
    ``render_conversation``'s, the spans are the template's (``tests/dataset/test_spans.py``).
    ``tools_json``: ``tools`` already encoded; ``check_markers=False``: the caller has made sure
    that no marker character is in the input (:func:`may_hold_markers` on the raw record);
    ``memo``: a memo of rendered messages for renderers that take one (messages must not change);
    ``canonical``: the messages are canonical already (``canonical_messages`` would return them).
    """
    if check_markers and has_markers(messages, tools, tools_json, kwargs):
        raise SpanError("the conversation contains U+FDD0/U+FDD1, reserved for span marking")
    if memo is not None:
        kwargs = dict(kwargs, memo=memo)
    if canonical:  # the build's records are canonical by construction: skip the renderer's checks
        marked = fmt._render_conversation(messages, canonical_tools(tools), add_generation_prompt=False,
                                          marks=(OPEN, CLOSE), **kwargs)
    else:
        marked = fmt.render_conversation(messages, tools, marks=(OPEN, CLOSE), **kwargs)
    return split_spans(marked)


def has_markers(messages: list[dict], tools: list[dict] | None, tools_json: str | None = None,
                template_kwargs: dict[str, Any] | None = None) -> bool:
    """Whether a marker character is anywhere in what a renderer may write."""
    texts = [dumps(messages), dumps(tools) if tools_json is None else tools_json,
             *(v for v in (template_kwargs or {}).values() if isinstance(v, str))]
    return any(OPEN in t or CLOSE in t for t in texts)


#: a marker character escaped in JSON text
_ESCAPED_MARKER = re.compile(r"\\u[fF][dD][dD][01]")


def may_hold_markers(json_text: str) -> bool:
    """Whether JSON text (a raw record) may decode to something holding a marker character (raw or
    escaped): substring scans, so the build checks decoded records (:func:`has_markers`) only when
    it says so."""
    if OPEN in json_text or CLOSE in json_text:
        return True
    return "\\u" in json_text and _ESCAPED_MARKER.search(json_text) is not None


def render(fmt: Format, messages: list[dict], tools: list[dict] | None, *, verify: bool = False,
           tools_json: str | None = None, check_markers: bool = True, memo: Any = None, canonical: bool = False,
           **kwargs: Any) -> tuple[str, list[list[int]]]:
    """The training text of a conversation and the character spans of its assistant output, as the
    chat template's generation markers select them (``RenderError`` when the format refuses the
    conversation), computed by the format's Python renderer (:func:`render_spans`). With
    ``verify``, the chat template is rendered too and both must give the same text and spans:
    :class:`SpanError` when they disagree (a bug in one of them)."""
    try:
        if not fmt.marks_generation:  # a plugin format: its template is the only source of spans
            return render_marked(fmt, messages, tools, tools_json=tools_json, **kwargs)
        text, spans = render_spans(fmt, messages, tools, tools_json=tools_json, check_markers=check_markers,
                                   memo=memo, canonical=canonical, **kwargs)
        if not verify:
            return text, spans
        expected, expected_spans = render_marked(fmt, messages, tools, tools_json=tools_json, **kwargs)
    except jinja2.exceptions.TemplateError as exc:
        raise RenderError(f"the chat template refuses the conversation: {exc}") from None
    if text != expected:
        at = next((i for i, (a, b) in enumerate(zip(text, expected)) if a != b), min(len(text), len(expected)))
        raise SpanError(f"the chat template and the format's renderer disagree at character {at}: "
                        f"{expected[at:at + 40]!r} vs {text[at:at + 40]!r}")
    if spans != expected_spans:
        raise SpanError(f"the chat template marks {expected_spans}, the format's renderer {spans}")
    return text, spans


#: keyword arguments of the renderers that the chat templates read too
TEMPLATE_KWARGS = ("bos_token", "eos_token", "date_string", "tools_in_user_message", "enable_thinking", "thinking",
                   "clear_thinking")


@lru_cache(maxsize=None)
def _defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    try:
        params = inspect.signature(cls._render_conversation).parameters
    except (TypeError, ValueError):
        return ()
    return tuple((n, p.default) for n, p in params.items()
                 if n in TEMPLATE_KWARGS and p.default is not inspect.Parameter.empty and p.default is not None)


def default_template_kwargs(fmt: Format) -> dict[str, Any]:
    """The template variables a format's renderer assumes when none are given (its model's
    ``bos_token``, ``eos_token``, a fixed ``date_string`` …), passed explicitly to both renderers so
    they agree, and recorded in the manifest so training passes the same ones."""
    return dict(_defaults(type(fmt)))
