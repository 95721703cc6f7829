"""Finding bare JSON call objects in free text (Llama 3 JSON, Mistral ``[TOOL_CALLS]``)."""
from __future__ import annotations

import json
import re

_DECODER = json.JSONDecoder()
_CALL_START = re.compile(r'\{\s*"name"\s*:')


def decode_at(text: str, pos: int):
    """``(value, end)`` of the JSON value starting at ``pos``, or ``(None, -1)``."""
    try:
        return _DECODER.raw_decode(text, pos)
    except ValueError:
        return None, -1


def find_call_objects(text: str):
    """``(start, end, obj_or_None, raw)`` for each ``{"name": …}`` object in ``text``; an object
    that does not decode runs to the end of the text (``obj`` is None)."""
    pos = 0
    while True:
        m = _CALL_START.search(text, pos)
        if not m:
            return
        obj, end = decode_at(text, m.start())
        if end < 0:
            yield m.start(), len(text), None, text[m.start():]
            return
        yield m.start(), end, obj, text[m.start():end]
        pos = end
