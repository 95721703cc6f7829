"""The accelerate config files shipped in ``nexc/train/configs`` parse and say what they are for."""
from __future__ import annotations

import pytest

from tests.train.conftest import needs_train_extra

needs_train_extra()

from nexc.train import configs  # noqa: E402


@pytest.mark.parametrize("name, kind", [("ddp", "MULTI_GPU"), ("fsdp", "FSDP"), ("deepspeed_zero3", "DEEPSPEED")])
def test_shipped_configs_load_with_accelerate(name, kind):
    from accelerate.commands.config.config_args import load_config_from_file

    cfg = load_config_from_file(str(configs.path(name)))
    assert cfg.distributed_type.name == kind
    if name == "fsdp":
        assert cfg.fsdp_config["fsdp_version"] == 2
    if name == "deepspeed_zero3":
        assert cfg.deepspeed_config["zero_stage"] == 3


def test_unknown_config_name_is_refused():
    with pytest.raises(ValueError, match="there are: ddp, fsdp"):
        configs.path("zero9")
