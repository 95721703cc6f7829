"""The format protocol: one object per tool-call dialect (and variant).

A format turns canonical nexc messages (OpenAI chat messages whose tool-call ``arguments`` are
dicts) into the text a model reads and writes, and parses model text back. Subclasses implement
the ``_render_*``/``_parse`` hooks; the public methods here add the guarantees every format gives
(``parse_assistant`` never raises, canonical copies of inputs, …).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import is_
from typing import Any, ClassVar

from nexc.formats.messages import canonical_messages, canonical_tools, message_content
from nexc.formats.parsing import MEMOS, Memo, parse_tools
from nexc.formats.templates import load_chat_template

#: the closing marker at the end of a rendered turn of calls: a tag, a special token, a bracket
_CLOSING = re.compile(r"(</[^<>\n]+>|<[|｜][^<>\n]*[|｜]>|\]|\})\s*$")

#: (format, tools) identities → (tools, its items, rendered declarations); see ``Format._tools_text``
_TOOLS_TEXT = Memo(256)
MEMOS.append(_TOOLS_TEXT)


class RenderError(ValueError):
    """A conversation the format (or its official template) cannot render, e.g. two calls in one
    turn for a single-call model, or a Mistral tool-call id that is not 9 alphanumerics."""


@dataclass(slots=True)
class ParseResult:
    """Model output split into visible ``content``, OpenAI-shaped ``tool_calls`` (arguments as
    dicts) and ``errors`` (one line per invalid block; invalid blocks yield no call)."""

    content: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reasoning: str | None = None

    @property
    def ok(self) -> bool:
        """True when every block parsed."""
        return not self.errors

    def as_message(self) -> dict[str, Any]:
        """The assistant message this output stands for."""
        msg: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.reasoning:
            msg["reasoning_content"] = self.reasoning
        if self.tool_calls:
            msg["tool_calls"] = self.tool_calls
        return msg


class Format:
    """Base class of every tool-call format. Class attributes describe the format."""

    name: ClassVar[str] = ""
    variant: ClassVar[str | None] = None
    variants: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""
    #: the real chat template (file name under ``vectors/chat_templates``) this variant reproduces
    matches_template: ClassVar[str | None] = None
    #: file name (without ``.jinja``) of the training chat template under ``templates/chat``
    template_name: ClassVar[str] = ""
    #: the template's end-of-turn markers (what generation with the trained model stops at; the
    #: dataset manifest lists them)
    stop_sequences: ClassVar[tuple[str, ...]] = ()
    #: the stop strings a text-mode request sends: where a block of calls closes, or where a made-up
    #: tool result would begin. Only text an endpoint returns (no special tokens it strips), at most
    #: four (the OpenAI limit). An endpoint leaves the stop string out of its reply.
    call_stops: ClassVar[tuple[str, ...]] = ()
    #: the closing tags among ``call_stops``, each with the opening it closes: a reply cut at one of
    #: them with that opening left open gets the closing tag back (it is what the model wrote)
    closing_stops: ClassVar[dict[str, str]] = {}
    #: for dialects whose calls must end the turn (a trailing text makes the whole turn unreadable):
    #: where a block of calls may end, tried in order by :meth:`finish_turn`
    call_end_markers: ClassVar[tuple[str, ...]] = ()
    #: True when the dialect writes argument values as untyped text (types come from the schema)
    untyped_values: ClassVar[bool] = False
    #: argument values are read back without edge whitespace (a value that has some cannot be written)
    trims_values: ClassVar[bool] = False
    #: at most one call per assistant turn
    single_call: ClassVar[bool] = False
    #: ids the model's format carries, if it constrains them (regex); None: ids are free
    id_pattern: ClassVar[str | None] = None
    #: the model may write ``<think>…</think>`` before its answer (split off as ``reasoning``)
    thinking: ClassVar[bool] = False
    #: ``_render_conversation`` honours ``marks=(open, close)``: it writes ``open``/``close`` exactly
    #: where its chat template's ``{% generation %}`` blocks begin and end (the dataset build takes
    #: training spans from it; formats without it get their spans from rendering the template)
    marks_generation: ClassVar[bool] = False
    #: the ``strftime`` format of the date the real template takes from the clock (``strftime_now``);
    #: nexc writes the ``date_string`` keyword there instead, so renders are reproducible. Comparing
    #: with the real template today needs ``date_string=time.strftime(date_format)``.
    date_format: ClassVar[str | None] = None

    @property
    def id(self) -> str:
        """``name`` or ``name:variant``."""
        return f"{self.name}:{self.variant}" if self.variant else self.name

    def __repr__(self) -> str:
        return f"<Format {self.id}>"

    # ---- public API -------------------------------------------------------------------------
    def render_conversation(
        self, messages: list[dict], tools: list[dict] | None = None, *,
        add_generation_prompt: bool = False, **template_kwargs: Any,
    ) -> str:
        """The whole conversation as training/prompt text, byte-equal to the model's own chat
        template where one exists (see ``specs/FORMATS.md`` for documented deviations)."""
        msgs = canonical_messages(messages)
        return self._render_conversation(
            msgs, canonical_tools(tools), add_generation_prompt=add_generation_prompt, **template_kwargs
        )

    def render_tools(self, tools: list[dict]) -> str:
        """The tool declarations as the model reads them (the tools part of the system prompt)."""
        return self._render_tools(canonical_tools(tools) or [])

    def render_assistant(self, message: dict) -> str:
        """The text the model generates for one assistant turn: content and calls."""
        msg = canonical_messages([message])[0]
        return self._render_assistant(msg)

    def render_results(self, messages: list[dict]) -> str:
        """Tool result messages (consecutive ``role: tool``) as text for a text-mode prompt."""
        return self._render_results(canonical_messages(messages))

    def parse_assistant(self, text: str, tools: list[dict] | None = None) -> ParseResult:
        """Model output back to content and OpenAI-shaped calls. Never raises."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        try:
            reasoning = None
            if self.thinking and "</think>" in text:
                head, _, text = text.partition("</think>")
                reasoning = head.split("<think>")[-1].strip("\n")
            try:
                tools = parse_tools(tools)
            except TypeError as exc:  # malformed declarations: parse untyped, and say so
                tools, bad_tools = [], f"tools ignored: {exc}"
            else:
                bad_tools = None
            result = self._parse_fast(text, tools)
            if result is None:
                result = self._parse(text, tools)
            if reasoning is not None:
                result.reasoning = reasoning
            if bad_tools is not None:
                result.errors = [*result.errors, bad_tools]
            return result
        except Exception as exc:  # noqa: BLE001 - the contract is: never raise
            return ParseResult(text, [], [f"internal parser error: {type(exc).__name__}: {exc}"])

    def check_representable(self, message: dict, tools: list[dict] | None = None) -> list[str]:
        """Problems that stop ``message`` from surviving render→parse in this format (empty list:
        it round-trips)."""
        try:
            msg = canonical_messages([message])[0]
        except Exception as exc:  # noqa: BLE001
            return [f"not a chat message: {exc}"]
        tools = canonical_tools(tools) or []
        problems = self._check(msg, tools)
        if self.thinking and not problems:
            problems += self._think_problems(msg)
        if not problems and msg.get("role") == "assistant":
            problems += self._trial_round_trip(msg, tools)
        return problems

    def _trial_round_trip(self, msg: dict, tools: list[dict]) -> list[str]:
        """Render and parse the turn: the last word on representability (catches collisions the
        dialect-specific checks do not name)."""
        try:
            back = self.parse_assistant(self._render_assistant(msg), tools)
        except Exception as exc:  # noqa: BLE001
            return [f"cannot render: {exc}"]
        want = [(c["function"]["name"], c["function"]["arguments"]) for c in msg.get("tool_calls") or ()]
        got = [(c["function"]["name"], c["function"]["arguments"]) for c in back.tool_calls]
        if back.errors or got != want or not _same_types(want, got):
            return ["the turn does not survive render→parse in this format (markup inside values or names)"]
        if back.content != msg.get("content", "").strip():
            return ["the content does not survive render→parse (it contains this format's markup)"]
        return []

    def _think_problems(self, msg: dict) -> list[str]:
        """A ``</think>`` anywhere in the turn would end the reasoning block when parsed."""
        if "</think>" in str(msg.get("reasoning_content") or ""):
            return ["reasoning contains '</think>'"]
        try:
            body = self._render_assistant(msg)
        except Exception as exc:  # noqa: BLE001
            return [f"cannot render: {exc}"]
        if body.startswith("<think>"):
            body = body.partition("</think>")[2]
        return ["'</think>' in the turn would end the reasoning block"] if "</think>" in body else []

    def finish_turn(self, text: str, finish_reason: str | None = None, stop_reason: str | None = None,
                    tools: list[dict] | None = None) -> tuple[str, str]:
        """A text-mode reply split into the turn the model keeps and the text that is cut off.

        What an endpoint that honours ``call_stops`` does is done again here (some ignore ``stop``):
        the reply ends before the first stop string. A reply cut at a closing stop — by the endpoint
        (``finish_reason`` ``"stop"``; ``stop_reason`` names the string where the endpoint says so) or
        here — gets that closing tag back when its opening is left open. Then everything after the
        last complete call is cut: a made-up result, an answer written before the results came.
        Returns ``(kept, discarded)``; ``kept + discarded`` is ``text`` except for a restored tag."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        kept, discarded, fired, rest = text, "", None, None
        stops = self.call_stops
        if stops:
            hits = [(i, s) for s in stops if (i := text.find(s)) >= 0]
            if hits:
                at, fired = min(hits)
                kept, rest = text[:at], text[at:]
            elif finish_reason == "stop" and self.closing_stops:
                fired = stop_reason if stop_reason in self.closing_stops else self._open_block(text)
        if finish_reason != "length":
            restored = self._restore(kept, fired)
            if rest is not None:
                discarded = rest[len(fired):] if restored == kept + fired else rest
            kept = restored
        elif rest is not None:
            discarded = rest
        end = self._calls_end(kept, tools)
        if end is not None and end < len(kept):
            kept, discarded = kept[:end], kept[end:] + discarded
        return kept, discarded

    def _restore(self, kept: str, fired: str | None) -> str:
        """``kept`` with the closing tag ``fired`` back where the reply stopped inside its block."""
        opening = self.closing_stops.get(fired) if fired is not None else None
        if opening is not None and kept.count(opening) > kept.count(fired):
            return kept + fired
        return kept

    def _open_block(self, text: str) -> str | None:
        """The closing stop whose opening is the last one left open in ``text``, if any."""
        best, where = None, -1
        for close, opening in self.closing_stops.items():
            if text.count(opening) > text.count(close):
                pos = text.rfind(opening)
                if pos > where:
                    best, where = close, pos
        return best

    def _calls_end(self, text: str, tools: list[dict] | None = None) -> int | None:
        """Where the last complete call of ``text`` ends (None: no call). The calls' rendering ends
        with a closing marker; the end is the first occurrence of that marker up to which the text
        already holds every call (a prefix cut inside a value would not parse to the same calls).
        Formats that read calls only at the end of a turn (``call_end_markers``) take the longest
        prefix ending at a marker that reads as calls."""
        parsed = self.parse_assistant(text, tools)
        if not parsed.tool_calls or parsed.errors:
            return self._calls_prefix(text, tools)
        want = [(c["function"]["name"], c["function"]["arguments"]) for c in parsed.tool_calls]
        try:
            rendered = self._render_assistant({"role": "assistant", "content": "", "tool_calls": parsed.tool_calls})
        except Exception:  # noqa: BLE001 - a turn the renderer refuses: keep the text as it is
            return None
        m = _CLOSING.search(rendered)
        if m is None:
            return None
        marker = m.group(1)
        pos = text.find(marker)
        tail = text.rstrip()
        if pos >= 0 and pos + len(marker) == len(tail):  # the usual case: one marker, at the end
            return len(tail)
        while pos >= 0:
            end = pos + len(marker)
            got = self.parse_assistant(text[:end], tools)
            if not got.errors and [(c["function"]["name"], c["function"]["arguments"]) for c in got.tool_calls] == want:
                return end
            pos = text.find(marker, end)
        return None

    def _calls_prefix(self, text: str, tools: list[dict] | None) -> int | None:
        ends = sorted((m.end() for marker in self.call_end_markers for m in re.finditer(re.escape(marker), text)),
                      reverse=True)
        for end in ends[:64]:
            got = self.parse_assistant(text[:end], tools)
            if got.tool_calls and not got.errors:
                return end
        return None

    def system_prompt_with_tools(self, system_prompt: str | None, tools: list[dict] | None) -> str:
        """The system prompt for text-mode prompting: the agent's prompt plus the tool
        declarations and calling instructions of this format."""
        tools = canonical_tools(tools) or []
        base = system_prompt or ""
        if not tools:
            return base
        block = self._tools_text(tools)
        return f"{base}\n\n{block}" if base else block

    @property
    def chat_template(self) -> str:
        """A Hugging Face-compatible Jinja chat template with ``{% generation %}`` markers around
        assistant output; its rendering equals :meth:`render_conversation`."""
        return load_chat_template(self.template_name)

    def _tools_text(self, tools: list[dict]) -> str:
        """``_render_tools(tools)``, memoised by the identity of ``tools`` and of its items (a
        dataset renders the same toolset for every call of a run; the runtime every turn)."""
        key = (id(self), id(tools))
        hit = _TOOLS_TEXT.get(key)
        if hit is not None and hit[0] is tools and len(tools) == len(hit[1]) and all(map(is_, tools, hit[1])):
            return hit[2]
        text = self._render_tools(tools)
        _TOOLS_TEXT.put(key, (tools, tuple(tools), text))
        return text

    # ---- hooks ------------------------------------------------------------------------------
    def _render_conversation(self, messages, tools, *, add_generation_prompt, **kw) -> str:
        """The conversation's text. Formats with :attr:`marks_generation` take ``marks=(open,
        close)`` (default ``("", "")``) and write them around each assistant message's output, where
        the chat template's ``{% generation %}`` block is."""
        raise NotImplementedError

    def _render_tools(self, tools: list[dict]) -> str:
        raise NotImplementedError

    def _render_assistant(self, message: dict) -> str:
        raise NotImplementedError

    def _render_results(self, messages: list[dict]) -> str:
        return "\n".join(message_content(m) for m in messages)

    def _parse(self, text: str, tools: list[dict]) -> ParseResult:
        raise NotImplementedError

    def _parse_fast(self, text: str, tools: list[dict]) -> ParseResult | None:
        """The result of :meth:`_parse` for the text layouts a model usually writes (what
        ``render_assistant`` produces), found in fewer passes, or None: then ``_parse`` decides.
        Whenever it returns a result, that result equals ``_parse``'s (tests/formats hold them to it)."""
        return None

    def _check(self, message: dict, tools: list[dict]) -> list[str]:
        return []


def _same_types(a, b) -> bool:
    """Equal values with equal types throughout (``1 == 1.0 == True`` is not enough)."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        kind = type(x)
        if kind is not type(y):
            return False
        if kind is str or kind is int or kind is float or kind is bool or x is None:
            continue
        if isinstance(x, dict):
            if x.keys() != y.keys():
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif isinstance(x, (list, tuple)):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
    return True
