"""Pieces of the parsers' fast paths (``Format._parse_fast``).

A fast path reads only the layout a model usually writes — what ``render_assistant`` produces,
give or take whitespace — in as few passes over the text as it can, and answers None for anything
else, so the general parser decides. It must never answer differently from the general parser:
``tests/formats/test_fast_paths.py`` holds every format to that on rendered, truncated, mutated and
random text.

XML dialects tokenise with one ``re.split``; the tokens' names and keys hold no ``<``, ``>`` or
whitespace, and values hold no ``</`` (:data:`VALUE`), so no value can end a block, a call or a
parameter early, and no value can hide a tag the general parser would stop at.
"""
from __future__ import annotations

import json

from nexc.formats.parsing import call_id, make_call

#: the C scanner behind ``json.loads``: ``(value, end)`` of the JSON value at an index
SCAN = json.JSONDecoder().scan_once

#: a value with no ``</`` in it (possessive, so a regex built on it never backtracks into it)
VALUE = r"(?:[^<]++|<(?!/))*+"


def value_before(*tags: str) -> str:
    """:data:`VALUE` that also stops where one of ``tags`` (regexes, without the ``<``) begins. A
    value may then end only at its own close tag or at a tag that opens something: the regex scans
    each value once, so hostile text (thousands of openings and no close) stays linear time rather
    than rescanning to the end from every opening. Text it stops in is left to the general parser."""
    return r"(?:[^<]++|<(?!/|" + "|".join(tags) + r"))*+"


def split_closed(text: str, open_tag: str, close_tag: str):
    """``(head, [(inner, after), …])``: the text before the first ``open_tag``, then each block's
    inside and the text after its ``close_tag`` up to the next ``open_tag``; None when a block has
    no ``close_tag`` before the next ``open_tag`` (or at all).

    This finds the blocks :func:`~nexc.formats.parsing.iter_blocks` finds, because no tag pair used
    with it can overlap itself or the other: each holds its bracket (``<``, ``[``) only first.
    """
    chunks = text.split(open_tag)
    blocks = []
    for i in range(1, len(chunks)):
        inner, closed, after = chunks[i].partition(close_tag)
        if not closed:
            return None
        blocks.append((inner, after))
    return chunks[0], blocks


def content_of(head: str, blocks) -> str:
    """The content around the blocks as ``outside_text`` gives it: stripped non-empty pieces."""
    if not blocks:
        return head.strip()
    return "\n".join(filter(None, map(str.strip, [head, *(after for _, after in blocks)])))


def section_calls(text: str, section: tuple[str, str], call: tuple[str, str], parse_one):
    """``(content, calls)`` as :func:`~nexc.formats.parsing.collect_section_calls` and
    ``outside_text`` give them, when every section and call is closed and ``parse_one(body,
    index)`` reads every call (a call dict, or None: let the general parser report it); else None."""
    split = split_closed(text, *section)
    if split is None:
        return None
    head, sections = split
    open_call, close_call = call
    calls: list[dict] = []
    for inner, _ in sections:
        chunks = inner.split(open_call)
        for i in range(1, len(chunks)):
            body, closed, _ = chunks[i].partition(close_call)
            got = parse_one(body, len(calls)) if closed else None
            if got is None:
                return None
            calls.append(got)
    return content_of(head, sections), calls


def json_object(text: str):
    """The JSON object ``text`` is, with nothing around it, or None (also for edge whitespace,
    which the general parsers accept: they decide those)."""
    try:
        value, end = SCAN(text, 0)
    except (StopIteration, ValueError):
        return None
    return value if end == len(text) and type(value) is dict else None


def token_calls(text: str, tokens, strings: dict, typed):
    """``(head, calls)`` for XML dialects tokenised by one regex with three groups: a call opening
    (the tool name), an argument (key, raw value), or neither (a call closing). Only whitespace
    may lie between tokens and after the last; calls neither nest nor stay open. None for any
    other layout.

    ``strings`` maps tool names to the keys whose values stay raw text; other values go through
    ``typed``. A repeated key keeps its last value, as the general parsers do.
    """
    pieces = tokens.split(text)
    if "".join(pieces[4::4]).strip():
        return None
    calls: list[dict] = []
    args = texts = None
    for name, key, value in zip(pieces[1::4], pieces[2::4], pieces[3::4]):
        if key is not None:  # an argument: only inside a call
            if args is None:
                return None
            args[key] = value if key in texts else typed(value)
        elif name is not None:  # a call opens: not inside another
            if args is not None:
                return None
            args, texts = {}, strings.get(name, ())
            calls.append(make_call(name, args, call_id(text, len(calls))))
        elif args is None:  # a call closes: only an open one
            return None
        else:
            args = None
    return None if args is not None else (pieces[0], calls)
