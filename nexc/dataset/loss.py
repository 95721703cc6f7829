"""Which assistant turns of a sample carry the loss: ``--loss all|last-turn`` and masked bad turns.

The chat templates mark every assistant turn's output with one ``{% generation %}`` block, so a
sample's spans are one per assistant turn, in order (``tests/dataset/test_loss.py`` holds every
built-in format to it). ``all`` (the default) keeps them all: with one sample per LLM call, turn *k*
of a run of *n* calls is then trained in *n − k + 1* samples. ``last-turn`` keeps only the reply's
span: each turn is trained once, in the sample of the call that produced it, the earlier turns
being context. A masked turn (``--bad-turns mask``) stays in the text and loses its span.

Leaving a turn out needs to know which span is whose: a template that marks a different number of
spans than there are assistant turns gives ``turn-spans-unclear`` (only when a turn is left out).
"""
from __future__ import annotations

from nexc.dataset.records import RecordProblem

#: ``--loss``: which turns of a call-granularity sample are trained (the first is the default)
LOSS_MODES = ("all", "last-turn")
#: ``--bad-turns``: what a bad turn before the reply does to its sample (the first is the default)
BAD_TURNS = ("drop", "mask")


def turn_ordinals(messages: list[dict], indexes) -> dict[int, int]:
    """Message index → its position among the assistant turns, for the ``indexes`` given."""
    out, k = {}, 0
    wanted = set(indexes)
    for i, m in enumerate(messages):
        if m["role"] == "assistant":
            if i in wanted:
                out[i] = k
            k += 1
    return out


def loss_spans(spans: list[list[int]], messages: list[dict], masked: set[int], last_only: bool) -> list[list[int]]:
    """The spans that keep their loss: all of them, the last (``last_only``), or all but those of the
    ``masked`` assistant turns (their positions among the assistant turns of ``messages``)."""
    if not last_only and not masked:
        return spans
    turns = sum(1 for m in messages if m["role"] == "assistant")
    if len(spans) != turns:
        raise RecordProblem("turn-spans-unclear", f"the chat template marks {len(spans)} spans for {turns} assistant "
                                                  "turns, so which span is whose cannot be told and no turn can be "
                                                  "left out of the loss; build with --loss all --bad-turns drop")
    if last_only:
        return spans[-1:]  # the reply: never masked (a bad reply drops its sample)
    return [s for k, s in enumerate(spans) if k not in masked]
