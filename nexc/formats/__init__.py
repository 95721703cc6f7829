"""Tool-call formats: render canonical conversations into each model family's text and parse
model output back into OpenAI-shaped calls.

    >>> from nexc.formats import get_format
    >>> fmt = get_format("qwen3_coder")
    >>> text = fmt.render_conversation(messages, tools, add_generation_prompt=True)
    >>> fmt.parse_assistant(model_output, tools).tool_calls

See ``specs/FORMATS.md`` for the list of formats, the real templates they reproduce and the
documented deviations.
"""
from __future__ import annotations

from nexc.formats.base import Format, ParseResult, RenderError
from nexc.formats.registry import get_format, list_formats, register

__all__ = ["Format", "ParseResult", "RenderError", "get_format", "list_formats", "register", "convert_messages",
           "convert_trajectory"]


def __getattr__(name: str):
    if name in ("convert_messages", "convert_trajectory"):
        from nexc.formats import translate as convert

        return getattr(convert, name)
    raise AttributeError(f"module 'nexc.formats' has no attribute {name!r}")
