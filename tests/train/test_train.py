"""End-to-end training on the CPU: the loss drops, the saved model reloads offline with the same
logits, checkpoints resume to the same weights, and user errors exit 2 with a message."""
from __future__ import annotations

import json
import shutil

import pytest

from tests.train.conftest import needs_train_extra

needs_train_extra()

import torch  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from nexc.train import TrainConfig, train  # noqa: E402
from nexc.commands.train import train as train_cmd  # noqa: E402


def _metrics(out):
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def _cfg(toy, out, **kw):
    base = dict(dataset_dir=toy["data"], model_dir=toy["model"], output_dir=out, lr=3e-3, batch_size=4,
                cpu=True, progress=False, seed=1)
    return TrainConfig(**{**base, **kw})


def _load_state(path):
    from safetensors.torch import load_file

    return load_file(str(path / "model.safetensors"))


def test_training_lowers_the_loss_and_the_saved_model_reloads(toy, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / "out"
    summary = train(_cfg(toy, out, max_steps=30, save_every=30, grad_accum=2, batch_size=2))
    rows = _metrics(out)
    assert [r["step"] for r in rows] == list(range(1, 31)) and summary["steps"] == 30
    assert {"step", "loss", "lr", "tokens_per_second"} <= rows[0].keys()
    first, last = [r["loss"] for r in rows[:5]], [r["loss"] for r in rows[-5:]]
    assert sum(last) / 5 < 0.8 * sum(first) / 5
    model = AutoModelForCausalLM.from_pretrained(str(out), local_files_only=True).eval()
    tok = AutoTokenizer.from_pretrained(str(out), local_files_only=True)
    assert tok.chat_template and "{% generation %}" in tok.chat_template.replace("{%- generation -%}",
                                                                                "{% generation %}")
    # the weights from_pretrained reads are the ones training ended with (the step-30 checkpoint)
    trained = _load_state(out / "checkpoints" / "step-30")
    reloaded = model.state_dict()
    assert all(torch.equal(trained[k], reloaded[k]) for k in trained)
    base = AutoModelForCausalLM.from_pretrained(str(toy["model"]), local_files_only=True).eval()
    again = AutoModelForCausalLM.from_pretrained(str(out), local_files_only=True).eval()
    ids = tok("<|im_start|>user\nWeather in Oslo?<|im_end|>\n", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        logits = model(ids).logits
        assert torch.equal(logits, again(ids).logits)
        assert not torch.allclose(logits, base(ids).logits)


def test_resuming_from_a_checkpoint_ends_with_the_same_weights(toy, tmp_path):
    full, resumed = tmp_path / "full", tmp_path / "resumed"
    train(_cfg(toy, full, max_steps=10, save_every=4, batch_size=3))  # 6 batches/epoch: crosses an epoch
    assert sorted(p.name for p in (full / "checkpoints").iterdir()) == ["step-4", "step-8"]
    shutil.copytree(full / "checkpoints", resumed / "checkpoints")
    train(_cfg(toy, resumed, max_steps=10, batch_size=3, resume="latest"))
    a, b = _load_state(full), _load_state(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    steps = [r["step"] for r in _metrics(resumed)]
    assert steps == [9, 10]
    assert [r["loss"] for r in _metrics(full)][-2:] == [r["loss"] for r in _metrics(resumed)]


def test_packing_trains(toy, tmp_path):
    out = tmp_path / "packed"
    summary = train(_cfg(toy, out, max_steps=3, packing=True, batch_size=1, max_length=1024))
    assert summary["steps"] == 3 and (out / "model.safetensors").is_file()


def _invoke(*args):
    result = CliRunner().invoke(train_cmd, [str(a) for a in args])
    text = result.output + (result.stderr if hasattr(result, "stderr") else "")
    assert "Traceback" not in text, text
    return result.exit_code, text


def test_cli_trains_and_reports_truncation(toy, tmp_path):
    code, text = _invoke(toy["data"], "--model", toy["model"], "--output", tmp_path / "o", "--max-steps", 1,
                         "--cpu", "--max-length", 370)
    assert code == 0, text
    assert "16 of 16 samples were longer than --max-length 370" in text and "truncated" in text
    assert "step 1/1" in text and "done: 1 steps" in text


@pytest.mark.parametrize("case, expected", [
    ("empty", "has no samples"),
    ("no_tokenizer", "has no tokenizer"),
    ("no_model", "does not exist"),
    ("not_dataset", "is not a nexc dataset"),
    ("all_dropped", "no sample of the dataset"),
    ("mismatch", "built for format 'qwen3_coder'"),
    ("bad_resume", "is not a nexc checkpoint"),
])
def test_cli_errors_exit_2_with_a_message(toy, tmp_path, case, expected):
    data, model = toy["data"], toy["model"]
    extra = []
    if case == "empty":
        data = tmp_path / "data"
        shutil.copytree(toy["data"], data)
        (data / "qwen3_coder" / "data.jsonl").write_text("")
    elif case == "no_tokenizer":
        model = tmp_path / "model"
        model.mkdir()
        for f in ("config.json", "model.safetensors"):
            shutil.copy(toy["model"] / f, model / f)
    elif case == "no_model":
        model = tmp_path / "nowhere"
    elif case == "not_dataset":
        data = tmp_path
    elif case == "all_dropped":
        extra = ["--max-length", 100, "--drop-long"]
    elif case == "mismatch":
        from nexc.formats import get_format
        from tests.train.conftest import with_chat_template

        model = tmp_path / "model"
        shutil.copytree(toy["model"], model)
        with_chat_template(model, get_format("minimax_m2").chat_template)
    elif case == "bad_resume":
        extra = ["--resume", tmp_path]
    code, text = _invoke(data, "--model", model, "--output", tmp_path / "out", "--cpu", "--max-steps", 1, *extra)
    assert code == 2, text
    assert "nexc train: error: " in text and expected in text, text


def test_out_of_memory_is_reported_with_a_suggestion(toy, tmp_path, monkeypatch):
    import nexc.train.loop as loop

    def boom(model, batch):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(loop, "_micro_loss", boom)
    code, text = _invoke(toy["data"], "--model", toy["model"], "--output", tmp_path / "o", "--cpu",
                         "--batch-size", 8, "--grad-accum", 2)
    assert code == 2
    assert "out of memory at step 1" in text and "--batch-size 4 --grad-accum 4" in text
