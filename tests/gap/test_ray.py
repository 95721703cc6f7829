"""``nexc gap run --executor ray``: a local run and a Ray run (2 workers) of one 40-item job give the same
records; a Ray run killed with SIGKILL resumes to the same set, without duplicates.

Ray binds every interface unless loopback is the only one, so this file re-executes itself under
``unshare -n`` (a private network namespace with only ``lo``, brought up first; and a PID namespace, so
nothing Ray starts outlives the driver); the fake LLM server, the Ray
head and the runs all live in there. One driver run (one Ray head) serves all the tests of the module. Skipped,
saying why, where Ray is not installed or ``unshare -n`` is not permitted.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]


def _netns_problem() -> str | None:
    if importlib.util.find_spec("ray") is None:
        return "Ray is not installed (pip install 'nexc[ray]')"
    if shutil.which("unshare") is None:
        return "no `unshare` here: the Ray head must run in a private network namespace (loopback only)"
    try:
        p = subprocess.run(["unshare", "-n", "-p", "-f", "--mount-proc", "true"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`unshare -n` did not run: {exc}"
    if p.returncode != 0:
        return f"`unshare -n` is not permitted here ({p.stderr.strip() or p.returncode}); Ray would bind every " \
               "interface outside a private network namespace"
    return None


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    why = _netns_problem()
    if why:
        pytest.skip(why)
    work = tmp_path_factory.mktemp("ray")
    env = dict(os.environ, PYTHONPATH=str(ROOT), RAY_USAGE_STATS_ENABLED="0")
    # -p -f --mount-proc: the driver is the init of its own PID namespace, so whatever Ray leaves behind (the
    # killed run's head too) is killed by the kernel when the driver ends
    p = subprocess.run(["unshare", "-n", "-p", "-f", "--mount-proc", sys.executable, str(HERE), str(work)],
                       capture_output=True, text=True, timeout=400, env=env, cwd=str(work))
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    return json.loads((work / "report.json").read_text())


def test_local_and_ray_runs_give_the_same_records(report):
    assert report["local_done"] == 40 and report["ray_done"] == 40
    assert report["ray_records"] == report["local_records"]  # (id, query_id, output, stop_reason) of every item
    assert report["ray_trajectories_ok"]


def test_killed_ray_run_resumes_without_duplicates(report):
    assert report["killed_committed_before"] < 40  # really interrupted
    assert report["resumed_ids_unique"] and report["resumed_records"] == report["local_records"]
    assert report["resumed_trajectories_ok"]


# ---- the driver, run inside the namespace ------------------------------------------------------------------
def _records(runs: Path) -> list[list]:
    recs = [json.loads(x) for x in (runs / "results.jsonl").read_text().splitlines() if x.strip()]
    return sorted([r["id"], r["query_id"], r["output"], r["stop_reason"]] for r in recs)


def _trajectories_ok(runs: Path, n: int) -> bool:
    files = sorted((runs / "trajectories").glob("*.jsonl"))
    return len(files) == n and all(len(f.read_text().splitlines()) == 2 for f in files)


def _driver(work: Path) -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    sys.path.insert(0, str(HERE.parent))
    from test_run import _setup, handler

    from nexc.gap.run import RunOptions, run_job
    from nexc.testing import FakeOpenAI, slow

    spec, q = _setup(work, 40)
    out: dict = {}
    with FakeOpenAI(lambda req: slow(0.05, handler(req))) as url:
        opts = dict(base_url=url, api_key="k", concurrency=8)
        out["local_done"] = run_job(spec, q, work / "local", RunOptions(**opts))["done"]
        out["ray_done"] = run_job(spec, q, work / "ray", RunOptions(executor="ray", workers=2, **opts))["done"]
        out["local_records"], out["ray_records"] = _records(work / "local"), _records(work / "ray")
        out["ray_trajectories_ok"] = _trajectories_ok(work / "ray", 40)
        cmd = [sys.executable, "-m", "nexc", "gap", "run", str(spec), "--queries", str(q), "--out", str(work / "k"),
               "--base-url", url, "--api-key", "k", "--concurrency", "2", "--executor", "ray", "--workers", "2"]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log = work / "k" / "results.jsonl"
        deadline = time.time() + 120
        while time.time() < deadline and (not log.exists() or len(log.read_bytes().splitlines()) < 4):
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.wait()
        out["killed_committed_before"] = len(log.read_bytes().splitlines())
        run_job(spec, q, work / "k", RunOptions(executor="ray", workers=2, **opts))
        recs = [json.loads(x)["id"] for x in log.read_text().splitlines() if x.strip()]
        out["resumed_ids_unique"] = len(recs) == len(set(recs)) == 40
        out["resumed_records"] = _records(work / "k")
        out["resumed_trajectories_ok"] = _trajectories_ok(work / "k", 40)
    (work / "report.json").write_text(json.dumps(out))
    import ray

    ray.shutdown()


if __name__ == "__main__":
    _driver(Path(sys.argv[1]))
    os._exit(0)  # Ray's atexit hooks can outlive the point; the report is written
