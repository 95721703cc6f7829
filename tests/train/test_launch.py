"""``accelerate launch -m nexc.train`` with two CPU processes (gloo): both ranks train on their share
of the data and end with identical weights."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.train.conftest import needs_train_extra

needs_train_extra()


def test_two_processes_train_in_step(toy, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "ACCELERATE_USE_CPU": "1", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")]))}
    env.pop("WORLD_SIZE", None)
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
           "-m", "nexc.train", str(toy["data"]), "--model", str(toy["model"]), "--output", str(out),
           "--max-steps", "4", "--batch-size", "2", "--lr", "3e-3", "--log-every", "2", "--rank-checksums"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ranks = [json.loads((out / "ranks" / f"rank-{r}.json").read_text()) for r in (0, 1)]
    assert [r["rank"] for r in ranks] == [0, 1] and all(r["world_size"] == 2 for r in ranks)
    assert all(r["micro_batches"] == 4 and r["tokens"] > 0 for r in ranks)
    assert ranks[0]["param_checksum"] == ranks[1]["param_checksum"]
    # progress comes from the main process only
    assert proc.stderr.count("step 4/4") == 1 and "2 process(es)" in proc.stderr
    assert (out / "model.safetensors").is_file()
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 2
