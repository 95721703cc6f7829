"""Reading a compiled nexc dataset directory (no torch).

Layout (written by ``nexc dataset build``)::

    DIR/dataset.yaml                    manifest: schema_version, formats, per-format info, source_hash
    DIR/<format>/data.jsonl             one sample per line: messages, tools, text, assistant_spans
    DIR/<format>/chat_template.jinja    HF-compatible template with {% generation %} markers

``formats`` is a list of mappings as ``nexc dataset build`` writes them (``{id, path, data,
chat_template, template_kwargs, samples, …}``, paths relative to ``DIR``); a list of ids or a mapping
``id → info`` is accepted too. A format id with a variant (``hermes:qwen3``) lives in
``hermes-qwen3/`` (or ``hermes_qwen3/``) unless ``path`` says otherwise. A ``kind: templates``
manifest (from ``nexc build --target dataset``) holds no data and is refused.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from nexc.train.errors import TrainError
from nexc.version import DATASET_SCHEMA_VERSION

MANIFEST = "dataset.yaml"
#: the newest dataset manifest this backend reads: the one nexc writes
SUPPORTED_SCHEMA_MAJOR = DATASET_SCHEMA_VERSION


@dataclass
class FormatEntry:
    """One format of a dataset: where its samples and chat template are."""

    name: str
    data_path: Path
    template_path: Path | None
    info: dict[str, Any] = field(default_factory=dict)

    def chat_template(self) -> str | None:
        """The dataset's chat template text, or None when the dataset ships none."""
        if self.template_path and self.template_path.is_file():
            return self.template_path.read_text(encoding="utf-8")
        return None


@dataclass
class Sample:
    """One training sample: the rendered ``text`` and the character spans that carry the loss."""

    text: str
    spans: list[tuple[int, int]]
    line: int


@dataclass
class DatasetInfo:
    """A dataset directory with its manifest read."""

    root: Path
    manifest: dict[str, Any]
    formats: dict[str, FormatEntry]

    @property
    def source_hash(self) -> str | None:
        """The manifest's ``source_hash`` (what the data was built from), if any."""
        value = self.manifest.get("source_hash")
        return str(value) if value is not None else None


def _format_dir(root: Path, name: str) -> Path:
    for candidate in (root / name.replace(":", "-"), root / name.replace(":", "_"), root / name):
        if candidate.is_dir():
            return candidate
    return root / name.replace(":", "-")


def _entries(root: Path, manifest: dict[str, Any]) -> dict[str, FormatEntry]:
    raw = manifest.get("formats")
    items: list[tuple[str, dict[str, Any]]] = []
    if isinstance(raw, dict):
        items = [(str(k), dict(v or {})) for k, v in raw.items()]
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, str):
                items.append((item, {}))
            elif isinstance(item, dict):
                name = item.get("id") or item.get("name") or item.get("format")
                if not name:
                    raise TrainError(f"{root / MANIFEST}: a format entry has no 'name': {item!r}")
                items.append((str(name), dict(item)))
    else:
        raise TrainError(f"{root / MANIFEST}: 'formats' must list the dataset's formats")
    extra = manifest.get("format_info") or {}
    out: dict[str, FormatEntry] = {}
    for name, info in items:
        if isinstance(extra, dict) and isinstance(extra.get(name), dict):
            info = {**extra[name], **info}
        fdir = root / info["path"] if isinstance(info.get("path"), str) else _format_dir(root, name)
        data = info.get("data") or info.get("data_path")
        tmpl = info.get("chat_template") or info.get("chat_template_path") or info.get("template")
        data_path = root / data if data else fdir / "data.jsonl"
        if data_path.is_dir():
            data_path = data_path / "data.jsonl"
        tmpl_path = root / tmpl if isinstance(tmpl, str) and not tmpl.lstrip().startswith("{") else None
        if tmpl_path is None and (fdir / "chat_template.jinja").is_file():
            tmpl_path = fdir / "chat_template.jinja"
        out[name] = FormatEntry(name, data_path, tmpl_path, info)
    return out


def open_dataset(path: str | Path) -> tuple[DatasetInfo, str | None]:
    """Read the manifest of the dataset at ``path``. ``path`` may also be one format's folder
    inside a dataset (then that format is chosen: the second value)."""
    import yaml

    root = Path(path)
    if not root.exists():
        raise TrainError(f"dataset directory '{root}' does not exist")
    chosen = None
    if not (root / MANIFEST).is_file() and (root.parent / MANIFEST).is_file():
        root, chosen = root.parent, root.name
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise TrainError(f"'{path}' is not a nexc dataset: it has no {MANIFEST}",
                         "build one with: nexc dataset build RUNS_DIR --format FORMAT -o DIR")
    try:
        manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TrainError(f"{manifest_path}: not valid YAML: {exc}") from None
    if not isinstance(manifest, dict):
        raise TrainError(f"{manifest_path}: the manifest must be a mapping")
    version = str(manifest.get("schema_version", "1")).split(".")[0]
    if version.isdigit() and int(version) > SUPPORTED_SCHEMA_MAJOR:
        raise TrainError(f"{manifest_path}: schema_version {manifest['schema_version']} is newer than this "
                         f"nexc understands ({SUPPORTED_SCHEMA_MAJOR}.x)", "upgrade nexc")
    if manifest.get("kind", "data") != "data":
        raise TrainError(f"{manifest_path} is a '{manifest.get('kind')}' manifest (chat templates only, no samples)",
                         "build the samples with: nexc dataset build RUNS_DIR --format FORMAT -o DIR")
    info = DatasetInfo(root, manifest, _entries(root, manifest))
    if not info.formats:
        raise TrainError(f"{manifest_path}: the dataset lists no formats")
    if chosen is not None:
        match = [n for n, e in info.formats.items() if e.data_path.parent.name == chosen]
        chosen = match[0] if match else None
    return info, chosen


def read_samples(entry: FormatEntry) -> Iterator[Sample]:
    """The samples of one format, validated line by line (a bad line is an error naming it)."""
    if not entry.data_path.is_file():
        raise TrainError(f"the dataset has no samples for format '{entry.name}': {entry.data_path} is missing")
    with entry.data_path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{entry.data_path}:{lineno}"
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise TrainError(f"{where}: not valid JSON ({exc})") from None
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                raise TrainError(f"{where}: a sample needs a string 'text'")
            yield Sample(rec["text"], _spans(rec.get("assistant_spans"), len(rec["text"]), where), lineno)


def _spans(raw: Any, n: int, where: str) -> list[tuple[int, int]]:
    if not isinstance(raw, list):
        raise TrainError(f"{where}: 'assistant_spans' must be a list of [start, end] pairs")
    spans = []
    for pair in raw:
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in pair)):
            raise TrainError(f"{where}: bad assistant span {pair!r} (want [start, end])")
        start, end = pair
        if not 0 <= start <= end <= n:
            raise TrainError(f"{where}: assistant span {pair!r} is outside the text (length {n})")
        if start < end:
            spans.append((start, end))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:  # overlapping or touching spans become one
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
