"""``dataset.yaml``: the manifest the training backend reads (``specs/dataset.schema.json``).

Two kinds share one schema:

- ``templates`` — written by ``nexc build --target dataset``: the chat template of each format the
  framework uses (``formats/<fmt>/chat_template.jinja``), the template variables to pass, and the
  tools each agent offers its model; no data yet.
- ``data`` — written by ``nexc dataset build``: the same per format plus its ``data.jsonl``, the
  sample count, the granularity, and how samples are encoded.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nexc.dataset.render import default_template_kwargs
from nexc.formats.base import Format
from nexc.resources import read_data
from nexc.version import DATASET_SCHEMA_VERSION, __version__

#: version of the manifest (and of the sample encoding it describes); defined in ``nexc.version``
SCHEMA_VERSION = DATASET_SCHEMA_VERSION
MANIFEST = "dataset.yaml"
#: how a data sample is encoded (copied into ``data`` manifests for loaders to check)
ENCODING = {
    "tools": "json-string",
    "tool_call_arguments": "json-string",
    "assistant_spans": "characters",
}


def format_dir(fmt_id: str) -> str:
    """A folder name for a format id (``hermes:qwen2.5`` → ``hermes-qwen2.5``)."""
    return fmt_id.replace(":", "-")


def format_entry(fmt: Format, path: str, template_kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest entry of one format (without the data-only keys)."""
    kwargs = {**default_template_kwargs(fmt), **(template_kwargs or {})}
    return {
        "id": fmt.id,
        "path": path,
        "chat_template": f"{path}/chat_template.jinja",
        "template_kwargs": kwargs,
        "stop_sequences": list(fmt.stop_sequences),
        "single_call": bool(fmt.single_call),
        "thinking": bool(fmt.thinking),
    }


def dump(manifest: dict[str, Any]) -> str:
    """The manifest as YAML text (key order kept, Unicode as is)."""
    head = f"# nexc dataset manifest (schema {SCHEMA_VERSION}); written by nexc {__version__}. Do not edit.\n"
    return head + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100)


def read(path: Path) -> dict[str, Any] | None:
    """The manifest at ``path`` (``None`` if there is none or it is not a mapping)."""
    try:
        return read_text(Path(path).read_text(encoding="utf-8"))
    except OSError:
        return None


def read_text(text: str) -> dict[str, Any] | None:
    """A manifest from its YAML text (``None`` if it is not a mapping)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


@lru_cache(maxsize=None)
def schema() -> dict[str, Any]:
    """``specs/dataset.schema.json`` (from the wheel's data or the source checkout)."""
    return json.loads(read_data("specs", "dataset.schema.json"))


def validate(manifest: dict[str, Any]) -> list[str]:
    """Schema violations of ``manifest`` (empty: valid), as ``path: message`` lines."""
    from jsonschema import Draft202012Validator

    v = Draft202012Validator(schema())
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in sorted(v.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))]
