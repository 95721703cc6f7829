"""Issue 18, item 15: ``python -m nexc.testing.fake_openai`` runs without a ``RuntimeWarning`` (and without
its module loaded twice, which gave a script's faults another class than the server's), and the README's
live run on it works as written: the fake server, ``nexc run``, ``convert-trajectory --text-mode`` and
``dataset build``."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## A live run without a model"):]
SECTION = SECTION[:SECTION.index("\n## ", 1)]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NEXC_"))}
    env["PYTHONWARNINGS"] = "default"  # a RuntimeWarning would be printed, never hidden
    return env


def _serve(args: list[str], cwd: Path) -> tuple[subprocess.Popen, str]:
    """The fake server started with ``args``; its process and the base URL it printed."""
    proc = subprocess.Popen([sys.executable, "-m", "nexc.testing.fake_openai", *args], cwd=cwd, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise AssertionError(f"the fake server did not start: {url!r} {proc.stderr.read()}")
    return proc, url


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    return err


def _post(url: str) -> tuple[int, dict]:
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
    req = urllib.request.Request(url + "/chat/completions", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_cli_prints_no_runtime_warning_and_the_flags_the_readme_names():
    done = subprocess.run([sys.executable, "-m", "nexc.testing.fake_openai", "--help"], capture_output=True,
                          text=True, env=_env(), timeout=60)
    assert done.returncode == 0 and "RuntimeWarning" not in done.stderr and not done.stderr.strip(), done.stderr
    flags = set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]+)", done.stdout, re.M)) - {"--help"}  # the options
    assert flags == {"--script", "--port", "--honour-stop"}
    assert all(f"`{flag}" in SECTION for flag in flags)


def test_faults_a_script_builds_with_nexc_testing_are_served(tmp_path):
    """The script's ``error(…)`` is a Fault of the module the server runs in (once imported twice, the server
    took it for a reply and failed on it)."""
    (tmp_path / "faults.py").write_text("from nexc.testing import error, reply\n\n"
                                        "script = [error(503, message='try later'), reply('hello')]\n",
                                        encoding="utf-8")
    proc, url = _serve(["--script", "faults.py:script"], tmp_path)
    try:
        status, body = _post(url)
        assert status == 503 and body["error"]["message"] == "try later"
        status, body = _post(url)
        assert status == 200 and body["choices"][0]["message"]["content"] == "hello"
    finally:
        err = _stop(proc)
    assert "RuntimeWarning" not in err and "Traceback" not in err, err


def _commands() -> list[list[str]]:
    block = re.search(r"^```console\n(.*?)^```", SECTION, re.S | re.M).group(1)
    return [shlex.split(line[2:]) for line in block.splitlines() if line.startswith("$ ")]


def test_the_readmes_live_run_works_as_written(tmp_path):
    script = re.search(r"^```python\n(.*?)^```", SECTION, re.S | re.M).group(1)
    name = re.match(r"# (\S+\.py)", script).group(1)
    (tmp_path / name).write_text(script, encoding="utf-8")
    server, *steps = _commands()
    assert server[:3] == [".venv/bin/python", "-m", "nexc.testing.fake_openai"] and server[-1] == "&"
    args = server[3:-1]
    documented_url = next(c[c.index("--base-url") + 1] for c in steps if "--base-url" in c)
    args[args.index("--port") + 1] = "0"  # any free port: the URL it prints replaces the README's
    proc, url = _serve(args, tmp_path)
    try:
        outputs = []
        for step in steps:
            assert step[0] == ".venv/bin/nexc", step
            argv = [url if a == documented_url else str(REPO / a) if a.startswith("examples/") else a
                    for a in step[1:]]
            done = subprocess.run([sys.executable, "-m", "nexc", *argv], cwd=tmp_path, env=_env(),
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, (step, done.stdout, done.stderr)
            outputs.append(done.stdout)
    finally:
        assert "RuntimeWarning" not in _stop(proc)
    assert "calls tools in a loop" in outputs[0]  # the scripted answer, after a real search
    trace = [json.loads(line) for line in (tmp_path / "run.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(trace) == 2 and any(m["role"] == "tool" and "[1]" in m["content"] for m in trace[1]["messages"])
    stats = json.loads((tmp_path / "data" / "stats.json").read_text(encoding="utf-8"))["formats"]
    (fid, s), = stats.items()
    assert fid.startswith("glm45") and s["samples"] == 2 and s["dropped_total"] == 0, s
    samples = (tmp_path / "data" / fid.replace(":", "-") / "data.jsonl").read_text(encoding="utf-8")
    assert "<arg_key>query</arg_key>" in samples
