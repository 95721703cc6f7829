"""``nexc build --target dataset``: chat templates per format and a valid ``templates`` manifest."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from nexc.dataset import manifest as mf
from nexc.emit.training_templates import emit
from nexc.emit.writer import OutputDir
from nexc.formats import get_format
from nexc.pipeline import compile_path

REPO = Path(__file__).resolve().parents[2]
RESEARCH = REPO / "examples" / "deep_research" / "research.nex"


def _emit(options=None):
    res = compile_path(RESEARCH, options=options)
    assert res.ok
    out = OutputDir(Path("/nonexistent"))
    summary = emit(res.framework, res.context, out).summary
    return out.files, summary


def test_emits_templates_of_the_agents_formats():
    files, summary = _emit()
    manifest = mf.read_text(files["dataset.yaml"].decode())
    assert mf.validate(manifest) == []
    assert manifest["kind"] == "templates"
    ids = [f["id"] for f in manifest["formats"]]
    assert ids == sorted({get_format(a["tool_format"]).id for a in manifest["agents"]})
    for f in manifest["formats"]:
        assert files[f["chat_template"]].decode() == get_format(f["id"]).chat_template
        assert "{%- generation -%}" in files[f["chat_template"]].decode()
    assert len(manifest["framework"]["source_hash"]) == 64
    entry = next(a for a in manifest["agents"] if a["entry"])
    assert entry["name"] == manifest["framework"]["entry"]
    assert entry["tools"] and all(t["type"] == "function" for t in entry["tools"])
    assert summary.startswith("dataset templates for")


def test_formats_option_chooses_the_formats():
    files, _ = _emit({"formats": "hermes:qwen3, glm45"})
    manifest = mf.read_text(files["dataset.yaml"].decode())
    assert [f["id"] for f in manifest["formats"]] == ["glm45:glm46", "hermes:qwen3"]
    assert "formats/hermes-qwen3/chat_template.jinja" in files


def test_output_is_deterministic():
    assert _emit()[0] == _emit()[0]


def test_nexc_build_target_dataset(tmp_path):
    from nexc.cli import cli

    result = CliRunner().invoke(cli, ["build", str(RESEARCH), "--target", "dataset", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    manifest = mf.read(tmp_path / "dataset.yaml")
    assert mf.validate(manifest) == []
    for f in manifest["formats"]:
        assert (tmp_path / f["chat_template"]).is_file()
