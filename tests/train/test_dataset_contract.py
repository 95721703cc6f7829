"""Reading datasets written by ``nexc dataset build`` (the real builder, from generated trajectories)."""
from __future__ import annotations

import importlib.util
import json
import random

import pytest

from tests.train.conftest import needs_train_extra

needs_train_extra()

from nexc.train import TrainConfig, TrainError, train  # noqa: E402
from nexc.train.samples import open_dataset, read_samples  # noqa: E402

HAVE_BUILDER = importlib.util.find_spec("nexc.dataset") is not None


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not HAVE_BUILDER:
        pytest.skip("nexc.dataset (the dataset builder) is not in this checkout")
    from nexc.dataset import build_dataset
    from nexc.testing import records as synthetic

    root = tmp_path_factory.mktemp("built")
    rng = random.Random(7)
    records = [r for _ in range(4) for r in synthetic.run_records(rng, calls=3)]
    (root / "runs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    build_dataset([str(root / "runs.jsonl")], ["qwen3_coder", "hermes:qwen3"], str(root / "data"))
    return root / "data"


def test_the_builders_manifest_and_samples_are_read(built):
    info, chosen = open_dataset(built)
    assert chosen is None and set(info.formats) == {"qwen3_coder", "hermes:qwen3"}
    entry = info.formats["hermes:qwen3"]
    assert entry.data_path == built / "hermes-qwen3" / "data.jsonl"
    assert "generation" in entry.chat_template()
    samples = list(read_samples(entry))
    assert samples and all(s.spans for s in samples)
    assert open_dataset(built / "hermes-qwen3")[1] == "hermes:qwen3"


def test_training_on_a_built_dataset(built, toy, tmp_path):
    summary = train(TrainConfig(dataset_dir=built, model_dir=toy["model"], output_dir=tmp_path / "o",
                                format="qwen3_coder", max_steps=2, batch_size=2, cpu=True, progress=False))
    assert summary["steps"] == 2 and summary["format"] == "qwen3_coder"


def test_a_templates_manifest_is_refused(tmp_path, toy):
    (tmp_path / "dataset.yaml").write_text("schema_version: 1\nkind: templates\nformats: []\n")
    with pytest.raises(TrainError, match="'templates' manifest"):
        open_dataset(tmp_path)


def test_a_newer_schema_is_refused(tmp_path):
    (tmp_path / "dataset.yaml").write_text("schema_version: 2\nkind: data\nformats: [qwen3_coder]\n")
    with pytest.raises(TrainError, match="newer than this nexc understands"):
        open_dataset(tmp_path)
