"""Training text and loss spans, straight from a format's chat template.

The ``{% generation %}`` block of a chat template is what ``transformers`` masks in (its
``return_assistant_tokens_mask``). To get exactly those characters, the template is compiled here
with a ``generation`` extension that wraps each block's output in two Unicode noncharacters
(U+FDD0 … U+FDD1); one pass over the output removes them and records where they were. The result
is the template's own text and spans, with no heuristics about where a turn begins or ends.

The template is rendered by a plain (non-sandboxed) Jinja environment: the templates are nexc's
own (or an installed plugin's), so the sandbox that ``transformers`` needs for templates from the
Hub only costs time here. Filters and globals are those of ``transformers``' environment, so the
text is the text ``apply_chat_template`` renders. :func:`render` then checks it against the
format's Python renderer on request (``verify``; the format tests prove the two equal on random
conversations, so the build does not pay for it by default).
"""
from __future__ import annotations

import inspect
import json
from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.ext
from jinja2.ext import Extension

from nexc.formats.base import Format, RenderError
from nexc.formats.messages import dumps

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


def render(fmt: Format, messages: list[dict], tools: list[dict] | None, *, verify: bool = False,
           tools_json: str | None = None, **kwargs: Any) -> tuple[str, list[list[int]]]:
    """The training text of a conversation and the character spans of its assistant output, as the
    chat template renders them and its generation markers select them (``RenderError`` when the
    template refuses the conversation). With ``verify``, the text is also compared with
    ``fmt.render_conversation``: :class:`SpanError` when they disagree (a bug in one of them)."""
    try:
        text, spans = render_marked(fmt, messages, tools, tools_json=tools_json, **kwargs)
    except jinja2.exceptions.TemplateError as exc:
        raise RenderError(f"the chat template refuses the conversation: {exc}") from None
    if not verify:
        return text, spans
    expected = fmt.render_conversation(messages, tools, **kwargs)
    if OPEN in expected or CLOSE in expected:
        raise SpanError("the conversation contains U+FDD0/U+FDD1, reserved for span marking")
    if text != expected:
        at = next((i for i, (a, b) in enumerate(zip(text, expected)) if a != b), min(len(text), len(expected)))
        raise SpanError(f"the chat template and the format's renderer disagree at character {at}: "
                        f"{text[at:at + 40]!r} vs {expected[at:at + 40]!r}")
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
