"""The Python renderers' spans (what the build uses) against the chat templates' own: for every
format, on generated conversations, :func:`render_spans` gives the text and the spans that the
template's ``{% generation %}`` markers give (:func:`render_marked`), and both refuse the same
conversations."""
from __future__ import annotations

import random

import jinja2
import pytest

from nexc.dataset.render import SpanError, default_template_kwargs, render, render_marked, render_spans
from nexc.formats import RenderError, get_format, list_formats
from nexc.formats.messages import canonical_messages, canonical_tools
from nexc.testing.conversations import conversation

FORMATS = list_formats(include_plugins=False)


def _both(fmt, messages, tools, kwargs):
    try:
        ours = render_spans(fmt, messages, tools, **kwargs)
    except RenderError as exc:
        ours = exc
    try:
        theirs = render_marked(fmt, messages, tools, **kwargs)
    except jinja2.exceptions.TemplateError as exc:
        theirs = exc
    return ours, theirs


@pytest.mark.parametrize("fid", FORMATS)
def test_python_spans_equal_template_spans(fid):
    fmt = get_format(fid)
    kwargs = default_template_kwargs(fmt)
    checked = 0
    for seed in range(150):
        rng = random.Random(f"spans:{fid}:{seed}")
        messages, tools = conversation(rng, max_calls=1 if fmt.single_call else 3, reasoning=True,
                                       with_tools=seed % 9 != 0)
        messages, tools = canonical_messages(messages), canonical_tools(tools)
        ours, theirs = _both(fmt, messages, tools, kwargs)
        assert isinstance(ours, Exception) == isinstance(theirs, Exception), (ours, theirs)
        if isinstance(ours, Exception):
            continue
        assert ours == theirs, messages
        assert render(fmt, messages, tools, verify=True, **kwargs) == ours
        checked += 1
    assert checked >= 100


@pytest.mark.parametrize("fid", FORMATS)
def test_marker_characters_in_a_conversation_are_refused(fid):
    fmt = get_format(fid)
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "a \ufdd0 b"}]
    with pytest.raises(SpanError):
        render_spans(fmt, messages, None, **default_template_kwargs(fmt))
