"""Does the dataset's format match the model's chat template? (no torch)

The rule (also in ``specs/TRAINING.md``), for a tokenizer with chat template ``T`` and a dataset
format ``F`` with template ``D``:

1. ``T`` is missing → compatible (the tokenizer is saved with ``D``, so the trained model renders
   its prompts like its training data).
2. ``T`` equals ``D`` (ignoring surrounding whitespace) → compatible.
3. Otherwise render a probe conversation (system, user, an assistant tool call, its result, an
   answer) with ``T``. When the text equals ``F``'s rendering → compatible. When it equals the
   rendering of other nexc formats only → **mismatch**: an error naming them (``--allow-format-mismatch``
   overrides it).
4. ``T`` matches no nexc format or cannot render the probe → compatible with a warning (nexc cannot
   tell which dialect the template speaks).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from nexc.train.errors import TrainError

_TOOLS = [{"type": "function", "function": {
    "name": "lookup", "description": "Look a word up.",
    "parameters": {"type": "object", "properties": {"word": {"type": "string", "description": "The word."}},
                   "required": ["word"]}}}]
_PROBE = [
    {"role": "system", "content": "You are a probe."},
    {"role": "user", "content": "What is a tulip?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "a1b2c3d4e", "type": "function", "function": {"name": "lookup", "arguments": {"word": "tulip"}}}]},
    {"role": "tool", "tool_call_id": "a1b2c3d4e", "name": "lookup", "content": "a flower"},
    {"role": "assistant", "content": "A flower."},
]
#: special tokens both sides render the probe with (a real tokenizer passes its own; nexc formats
#: have defaults): the comparison is about the dialect, not about which BOS a tokenizer has
_SPECIAL = {"bos_token": "<BOS>", "eos_token": "<EOS>"}


@dataclass
class Verdict:
    """The outcome of the rule: ``ok``; ``matches`` names the nexc formats whose rendering equals
    the tokenizer template's; ``note`` is a line for the user."""

    ok: bool
    matches: list[str] = field(default_factory=list)
    note: str | None = None


def render_probe_with(template: str) -> str | None:
    """The probe conversation rendered by a chat template (None when the template fails)."""
    try:
        from transformers.utils.chat_template_utils import render_jinja_template

        rendered, _ = render_jinja_template(conversations=[_PROBE], tools=_TOOLS, chat_template=template, **_SPECIAL)
        return rendered[0]
    except Exception:  # noqa: BLE001 - a template that cannot render the probe is "unknown"
        return None


def _format_renderings() -> dict[str, str]:
    from nexc.formats import get_format, list_formats

    out = {}
    for fid in list_formats():
        name = fid if isinstance(fid, str) else getattr(fid, "id", str(fid))
        try:
            fmt = get_format(name)
            # templates that date the system prompt from the clock are rendered today: so is nexc's
            today = {"date_string": time.strftime(fmt.date_format)} if fmt.date_format else {}
            out[name] = fmt.render_conversation(_PROBE, _TOOLS, **_SPECIAL, **today)
        except Exception:  # noqa: BLE001 - formats that cannot express the probe take no part
            continue
    return out


def _same_format(a: str, b: str) -> bool:
    from nexc.formats import get_format

    try:
        return get_format(a).id == get_format(b).id
    except Exception:  # noqa: BLE001
        return a == b


def identify(template: str | None) -> list[str]:
    """The nexc formats whose rendering of the probe equals ``template``'s."""
    if not template:
        return []
    text = render_probe_with(template)
    if text is None:
        return []
    return [fid for fid, rendered in _format_renderings().items() if rendered == text]


def check(dataset_format: str, dataset_template: str | None, tokenizer_template: str | None) -> Verdict:
    """Apply the rule to one dataset format (see the module docstring)."""
    if not tokenizer_template:
        return Verdict(True, note="the tokenizer has no chat template; it is saved with the dataset's")
    if dataset_template and tokenizer_template.strip() == dataset_template.strip():
        return Verdict(True, [dataset_format])
    matches = identify(tokenizer_template)
    if any(_same_format(m, dataset_format) for m in matches):
        return Verdict(True, matches)
    if matches:
        return Verdict(False, matches)
    return Verdict(True, note=f"cannot tell which tool-call format the model's chat template uses; "
                               f"training on '{dataset_format}' as built")


def choose_format(available: list[str], requested: str | None, tokenizer_template: str | None) -> str:
    """The dataset format to train on: ``requested``, the only one, or the one the tokenizer's
    template speaks."""
    if requested:
        hits = [a for a in available if a == requested or _same_format(a, requested)]
        if not hits:
            raise TrainError(f"the dataset has no format '{requested}'; it has: {', '.join(available)}")
        return hits[0]
    if len(available) == 1:
        return available[0]
    spoken = identify(tokenizer_template)
    hits = [a for a in available if any(_same_format(a, s) for s in spoken)]
    if len(hits) == 1:
        return hits[0]
    raise TrainError(f"the dataset has several formats ({', '.join(available)}) and the model's chat template "
                     f"does not single one out", "choose one with --format")


def mismatch_error(dataset_format: str, verdict: Verdict, model_dir: str) -> TrainError:
    """The error for rule 3's mismatch."""
    spoken = ", ".join(verdict.matches)
    return TrainError(
        f"the dataset was built for format '{dataset_format}', but the chat template of the tokenizer in "
        f"'{model_dir}' renders conversations like '{spoken}'",
        f"rebuild the dataset for the model (nexc dataset build … --format {verdict.matches[0]}), or pass "
        f"--allow-format-mismatch to teach the model '{dataset_format}' anyway")
