"""The format-compatibility rule between a dataset's format and the tokenizer's chat template."""
from __future__ import annotations

import pytest

from tests.train.conftest import needs_train_extra, with_chat_template

needs_train_extra()

from nexc.formats import get_format  # noqa: E402
from nexc.formats import list_formats as compat_formats  # noqa: E402
from nexc.train import TrainConfig, TrainError  # noqa: E402
from nexc.train import compat  # noqa: E402
from nexc.train.prepare import prepare_data  # noqa: E402
from tests.formats.reference import MUTABLE  # noqa: E402


def _cfg(toy, model, **kw):
    return TrainConfig(dataset_dir=toy["data"], model_dir=model, output_dir=toy["root"] / "unused", **kw)


def test_identify_recognises_the_nexc_templates():
    assert "qwen3_coder" in compat.identify(get_format("qwen3_coder").chat_template)
    assert "glm45:glm46" in compat.identify(get_format("glm45").chat_template)
    assert compat.identify("{{ 'no tools here' }}") == []
    assert compat.identify("{% broken") == []


@pytest.mark.parametrize("fid", [fid for fid in compat_formats() if get_format(fid).matches_template])
def test_identify_recognises_every_real_template(fid, shared_dir):
    """A model's own tokenizer template (the real one, rendered today) names its nexc format, also
    for templates that date the prompt from the clock (Llama 3.2, Mistral Small 3.2, gpt-oss)."""
    fmt = get_format(fid)
    template = (shared_dir / "vectors" / "chat_templates" / fmt.matches_template).read_text(encoding="utf-8")
    if fmt.matches_template in MUTABLE:
        pytest.skip(f"{fmt.matches_template} needs a mutable sandbox (list.append): transformers cannot render it")
    assert compat.render_probe_with(template) is not None
    assert fid in compat.identify(template)


def test_no_tokenizer_template_is_compatible_and_gets_the_datasets(toy):
    notes = []
    prep = prepare_data(_cfg(toy, toy["model"]), notes.append)
    assert prep.entry.name == "qwen3_coder"
    assert prep.tokenizer.chat_template == get_format("qwen3_coder").chat_template
    assert any("no chat template" in n for n in notes)


def test_the_same_template_is_compatible(toy, model_copy):
    with_chat_template(model_copy, get_format("qwen3_coder").chat_template)
    assert prepare_data(_cfg(toy, model_copy)).entry.name == "qwen3_coder"


def test_a_template_of_another_format_is_a_clear_error(toy, model_copy):
    with_chat_template(model_copy, get_format("glm45").chat_template)
    with pytest.raises(TrainError) as err:
        prepare_data(_cfg(toy, model_copy))
    text = str(err.value)
    assert "built for format 'qwen3_coder'" in text and "glm45:glm46" in text and "--allow-format-mismatch" in text
    notes = []
    prepare_data(_cfg(toy, model_copy, allow_format_mismatch=True), notes.append)
    assert any("warning" in n for n in notes)


def test_an_unknown_template_trains_with_a_warning(toy, model_copy):
    with_chat_template(model_copy, "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}")
    notes = []
    prepare_data(_cfg(toy, model_copy), notes.append)
    assert any("cannot tell" in n for n in notes)


def test_the_format_the_model_speaks_is_chosen_among_several(tmp_path, model_copy):
    from nexc.testing import toy_train as build

    data = tmp_path / "data"
    build.build_dataset(data, "qwen3_coder", build.conversations(2))
    build.build_dataset(tmp_path / "other", "hermes:qwen3", build.conversations(2))
    (tmp_path / "other" / "hermes-qwen3").rename(data / "hermes-qwen3")
    (data / "dataset.yaml").write_text("schema_version: 1\nkind: data\nformats: [qwen3_coder, 'hermes:qwen3']\n")
    cfg = TrainConfig(dataset_dir=data, model_dir=model_copy, output_dir=tmp_path / "out")
    with pytest.raises(TrainError, match="--format"):
        prepare_data(cfg)  # no template: nothing singles a format out
    with_chat_template(model_copy, get_format("hermes:qwen3").chat_template)
    assert prepare_data(cfg).entry.name == "hermes:qwen3"
    cfg.format = "qwen3_coder"
    with pytest.raises(TrainError, match="renders conversations like 'hermes:qwen3'"):
        prepare_data(cfg)
    cfg.format = "mistral"
    with pytest.raises(TrainError, match="has no format 'mistral'"):
        prepare_data(cfg)
    # a format's own folder can be given as the dataset
    sub = TrainConfig(dataset_dir=data / "hermes-qwen3", model_dir=model_copy, output_dir=tmp_path / "out")
    assert prepare_data(sub).entry.name == "hermes:qwen3"
