"""What a ``nexc dataset build`` did, and the files that say so: ``stats.json`` and ``dataset.yaml``.

The build's options that change what a sample is (granularity, ``loss``, ``bad_turns``,
``min_verdict``) are written to the manifest, and a resume with other ones is refused. ``stats.json``
names ``loss``/``bad_turns``/``min_verdict`` and the per-format ``trained_turns``/``masked`` counts
only where a build used them, so a default build's stats are as they always were.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nexc import fileio
from nexc.dataset import manifest as mf
from nexc.version import __version__

STATS = "stats.json"
DROPPED = "dropped.jsonl"
#: why an older record may hold less than a sample needs (``BuildReport.legacy``)
LEGACY_NOTES = {
    "tools-in-prompt": "nexc.trajectory/1 text-mode records whose system message holds tool declarations this "
                       "nexc does not write the same way: they build only for their own format",
    "hints": "nexc.trajectory/1 records: hints the runtime appended to tool results cannot be told apart from the "
             "results (and are not stripped)",
}
#: manifest keys of the options a resume must repeat, with the value an older manifest without them means
MODES = {"loss": "all", "bad_turns": "drop", "min_verdict": None}


class DatasetError(Exception):
    """A build that cannot start (unknown format, incompatible existing output, missing input)."""


@dataclass
class FormatStats:
    """Counts for one format."""

    written: int = 0
    resumed: int = 0
    existing: int = 0
    turns: int = 0
    tool_calls: int = 0
    messages: int = 0
    dropped: Counter = field(default_factory=Counter)
    #: assistant turns that carry loss in the samples written, and masked turns by reason (``--bad-turns mask``)
    trained_turns: int = 0
    masked: Counter = field(default_factory=Counter)

    def count(self, messages: list[dict]) -> None:
        self.messages += len(messages)
        for m in messages:
            if m["role"] == "assistant":
                self.turns += 1
                self.tool_calls += len(m.get("tool_calls") or ())

    def to_json(self, modes: bool = False) -> dict[str, Any]:
        out = {"samples": self.existing + self.written, "written": self.written, "resumed": self.resumed,
               "turns": self.turns, "tool_calls": self.tool_calls, "messages": self.messages}
        if modes:
            out |= {"trained_turns": self.trained_turns, "masked": dict(sorted(self.masked.items()))}
        return out | {"dropped": dict(sorted(self.dropped.items())), "dropped_total": sum(self.dropped.values())}


@dataclass
class BuildReport:
    """What a build did."""

    out_dir: Path
    granularity: str
    files: int = 0
    records: int = 0
    skipped: Counter = field(default_factory=Counter)
    formats: dict[str, FormatStats] = field(default_factory=dict)
    #: records that hold less than a sample needs, by :data:`LEGACY_NOTES` key
    legacy: Counter = field(default_factory=Counter)
    #: the options of :data:`MODES` as this build used them
    modes: dict[str, Any] = field(default_factory=lambda: dict(MODES))
    #: GAP runs left out, by reason (``uncommitted``, ``no-verdict``, ``below-min-verdict``)
    runs: dict[str, int] = field(default_factory=dict)

    @property
    def default_modes(self) -> bool:
        return self.modes == MODES

    def to_json(self) -> dict[str, Any]:
        inputs: dict[str, Any] = {"files": self.files, "records": self.records,
                                  "skipped": dict(sorted(self.skipped.items()))}
        if self.legacy:
            inputs["legacy"] = dict(sorted(self.legacy.items()))
        if self.runs:
            inputs["runs_left_out"] = dict(sorted(self.runs.items()))
        head = {"schema_version": mf.SCHEMA_VERSION, "granularity": self.granularity}
        if not self.default_modes:
            head |= self.modes
        modes = not self.default_modes
        return head | {"inputs": inputs, "formats": {k: v.to_json(modes) for k, v in self.formats.items()}}

    def notes(self) -> list[str]:
        """What older records could not give, one line per kind."""
        return [f"note: {n} {LEGACY_NOTES[k]}" for k, n in sorted(self.legacy.items())]

    def table(self) -> str:
        """A plain-text summary, one row per format."""
        rows = [("format", "samples", "new", "resumed", "turns", "trained", "tool calls", "dropped")]
        for fid, s in self.formats.items():
            rows.append((fid, str(s.existing + s.written), str(s.written), str(s.resumed), str(s.turns),
                         str(s.trained_turns), str(s.tool_calls), str(sum(s.dropped.values()))))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                 for r in rows]
        for label, attr in (("dropped", "dropped"), ("masked turns", "masked")):
            reasons: Counter = Counter()
            for s in self.formats.values():
                reasons.update(getattr(s, attr))
            if reasons:
                lines.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
        if self.skipped:
            lines.append("skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())))
        if self.runs:
            lines.append("runs left out: " + ", ".join(f"{k} {v}" for k, v in sorted(self.runs.items())))
        return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fileio.write_atomic(path, text)


def check_existing(out_dir: Path, granularity: str, formats: dict[str, dict],
                   modes: dict[str, Any]) -> dict[str, Any] | None:
    """The manifest already in ``out_dir``, if compatible with this build (else DatasetError)."""
    old = mf.read(out_dir / mf.MANIFEST)
    if old is None:
        return None
    if old.get("kind") != "data":
        raise DatasetError(f"{out_dir} holds a '{old.get('kind')}' manifest, not a dataset; choose another folder")
    if old.get("granularity") != granularity:
        raise DatasetError(f"{out_dir} was built with --granularity {old.get('granularity')}; "
                           f"resume with the same granularity or choose another folder")
    for key, default in MODES.items():
        if old.get(key, default) != modes[key]:
            option = "--" + key.replace("_", "-")
            raise DatasetError(f"{out_dir} was built with {option} {old.get(key, default) or '(none)'}; resume with "
                               f"the same {option} or choose another folder")
    for entry in old.get("formats") or ():
        new = formats.get(entry.get("id"))
        if new is not None and entry.get("template_kwargs") != new["template_kwargs"]:
            raise DatasetError(f"{out_dir}: format {entry.get('id')} was built with template variables "
                               f"{entry.get('template_kwargs')}, not {new['template_kwargs']}")
    return old


def finish(out_dir: Path, report: BuildReport, targets: list, entries: dict[str, dict],
           old: dict[str, Any] | None) -> None:
    """Templates, ``stats.json`` and ``dataset.yaml`` (formats of an earlier build kept)."""
    stats = report.to_json()
    old_stats = {}
    try:
        old_stats = json.loads((out_dir / STATS).read_text(encoding="utf-8")).get("formats", {})
    except (OSError, ValueError, AttributeError):
        pass
    formats_out = []
    for entry in (old or {}).get("formats") or ():
        if entry.get("id") not in entries and (out_dir / str(entry.get("data", ""))).is_file():
            formats_out.append(entry)
            if entry["id"] in old_stats:
                stats["formats"][entry["id"]] = old_stats[entry["id"]]
    for t in targets:
        entry = dict(entries[t.fmt.id])
        write_atomic(out_dir / entry["chat_template"], t.fmt.chat_template)
        entry["data"] = f"{entry['path']}/data.jsonl"
        entry["samples"] = t.stats.existing + t.stats.written
        formats_out.append(entry)
    formats_out.sort(key=lambda e: e["id"])
    stats["formats"] = dict(sorted(stats["formats"].items()))
    write_atomic(out_dir / STATS, json.dumps(stats, indent=2, ensure_ascii=False) + "\n")
    manifest = {"schema_version": mf.SCHEMA_VERSION, "kind": "data", "nexc_version": __version__,
                "granularity": report.granularity, "loss": report.modes["loss"],
                "bad_turns": report.modes["bad_turns"],
                **({"min_verdict": report.modes["min_verdict"]} if report.modes["min_verdict"] else {}),
                "encoding": dict(mf.ENCODING), "stats": STATS, "dropped": DROPPED, "formats": formats_out}
    write_atomic(out_dir / mf.MANIFEST, mf.dump(manifest))
