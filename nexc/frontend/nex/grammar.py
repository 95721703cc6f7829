"""The Lark parser of ``grammar/nex.lark``, built once on first use (importing nexc never imports Lark)."""
from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from nexc.resources import read_data

_lock = threading.Lock()


def grammar_text() -> str:
    """The text of ``nex.lark``: shipped in the wheel under ``nexc/_data/grammar``, or in a dev checkout."""
    return read_data("grammar", "nex.lark")


@lru_cache(maxsize=1)
def _build() -> Any:
    # No on-disk cache (Lark's cache= pickles into the shared temp folder, which another user could plant);
    # building the LALR tables takes about 50 ms, once per process.
    from lark import Lark

    return Lark(grammar_text(), parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=False, start="start")


def parser() -> Any:
    """The shared :class:`lark.Lark` instance (thread-safe to build; parsing with it is re-entrant)."""
    with _lock:
        return _build()


#: How terminals are named in messages.
TERMINAL_WORDS = {
    "NAME": "a name", "STRING": "a string", "NUMBER": "a number", "TRUE": "true", "FALSE": "false",
    "NULL": "null", "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'", "LPAR": "'('",
    "RPAR": "')'", "COMMA": "','", "COLON": "':'", "EQUAL": "'='", "DOT": "'.'", "STAR": "'*'",
    "VBAR": "'|'", "QMARK": "'?'", "ARROW": "'->'", "BINDING_KIND": "python or stdlib",
    "STDIO": "stdio", "HTTP": "http", "SSE": "sse", "$END": "the end of the file",
}
DECLARATION_TERMINALS = {"FRAMEWORK", "IMPORT", "LLM", "TOOL", "MCP", "SKILL", "AGENT", "ENTRY", "NEX"}
VALUE_TERMINALS = {"STRING", "NUMBER", "TRUE", "FALSE", "NULL", "LSQB", "LBRACE", "NAME"}


def terminal_words(name: str) -> str:
    """A terminal's name in words (keywords as themselves)."""
    if name in TERMINAL_WORDS:
        return TERMINAL_WORDS[name]
    if name in DECLARATION_TERMINALS:
        return f"'{name.lower()}'"
    return name.lower()
