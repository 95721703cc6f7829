"""The format protocol: one object per tool-call dialect (and variant).

A format turns canonical nexc messages (OpenAI chat messages whose tool-call ``arguments`` are
dicts) into the text a model reads and writes, and parses model text back. Subclasses implement
the ``_render_*``/``_parse`` hooks; the public methods here add the guarantees every format gives
(``parse_assistant`` never raises, canonical copies of inputs, …).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from operator import is_
from typing import Any, ClassVar

from nexc.formats.messages import canonical_messages, canonical_tools, message_content
from nexc.formats.parsing import MEMOS, Memo, parse_tools
from nexc.formats.templates import load_chat_template

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
    stop_sequences: ClassVar[tuple[str, ...]] = ()
    #: True when the dialect writes argument values as untyped text (types come from the schema)
    untyped_values: ClassVar[bool] = False
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
