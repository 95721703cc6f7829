"""Spec-named files read through one safe reader: devices, FIFOs, NUL bytes and oversized files are
refused with a diagnostic, in every frontend and by every check — never read, never waited on."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from nexc.pipeline import compile_path
from nexc.source import MAX_PROMPT_BYTES, Unreadable, read_bytes

NEX = 'nex 1\nllm m {{ model = "x" }}\nagent a {{\n  llm = m\n  prompt = file("{path}")\n}}\n'
YAML = 'nex: 1\nname: y\nllms:\n  m: {{model: x}}\nagents:\n  a: {{llm: m, prompt: {{file: "{path}"}}}}\n'
NEXAU = 'type: agent\nname: a\nllm_config: {{model: m}}\nsystem_prompt: "{path}"\nsystem_prompt_type: file\n'
FORMS = {"s.nex": NEX, "s.nex.yaml": YAML, "s.yaml": NEXAU}


def _lint(spec, timeout=60):
    """``nexc lint`` in a child process with a memory cap, so a defect cannot take the machine down."""
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
            "from nexc.cli import cli; sys.argv = ['nexc', 'lint', sys.argv[1]]; cli()")
    return subprocess.run([sys.executable, "-c", code, str(spec)], capture_output=True, text=True, timeout=timeout,
                          cwd=os.path.dirname(spec))


@pytest.mark.parametrize("name", sorted(FORMS))
def test_dev_zero_as_the_prompt_is_refused_not_read(tmp_path, name):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    spec = tmp_path / name
    spec.write_text(FORMS[name].format(path="/dev/zero"), encoding="utf-8")
    out = _lint(spec)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "NEX900" not in out.stdout and "Traceback" not in out.stderr
    assert "NEX309" in out.stdout or "NEX600" in out.stdout


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_fifo_as_the_prompt_does_not_hang(tmp_path, name):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    os.mkfifo(tmp_path / "p.md")
    spec = tmp_path / name
    spec.write_text(FORMS[name].format(path="p.md"), encoding="utf-8")
    out = _lint(spec, timeout=30)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "NEX900" not in out.stdout and "Traceback" not in out.stderr


def test_a_fifo_as_the_spec_is_refused(tmp_path):
    os.mkfifo(tmp_path / "s.nex")
    out = _lint(tmp_path / "s.nex", timeout=30)
    assert out.returncode == 1 and "NEX002" in out.stdout and "FIFO" in out.stdout, out.stdout


@pytest.mark.parametrize("name,path", [("s.nex", "a\\u0000b.md"), ("s.nex.yaml", "a\\0b.md"), ("s.yaml", "a\\0b.md")])
def test_a_nul_byte_in_a_path_is_a_diagnostic_not_an_internal_error(tmp_path, name, path):
    spec = tmp_path / name
    spec.write_text(FORMS[name].format(path=path), encoding="utf-8")
    res = compile_path(spec)
    codes = [d.code for d in res.reporter.sorted()]
    assert "NEX900" not in codes and res.reporter.has_errors, codes


def test_the_reader_refuses_devices_fifos_nul_and_size(tmp_path):
    with pytest.raises(Unreadable) as e:
        read_bytes("/dev/zero")
    assert e.value.code == "NEX002" and "device" in e.value.message
    os.mkfifo(tmp_path / "f")
    with pytest.raises(Unreadable) as e:
        read_bytes(tmp_path / "f")
    assert "FIFO" in e.value.message
    with pytest.raises(Unreadable) as e:
        read_bytes("a\x00b")
    assert e.value.code == "NEX002"
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * 101)
    with pytest.raises(Unreadable) as e:
        read_bytes(big, limit=100)
    assert e.value.code == "NEX003"
    outside = tmp_path / "in"
    outside.mkdir()
    with pytest.raises(Unreadable) as e:
        read_bytes(big, root=str(outside.resolve()))
    assert e.value.code == "NEX309"
    assert read_bytes(big, limit=101) == b"x" * 101


def test_checks_never_read_a_prompt_over_the_limit(tmp_path, monkeypatch):
    """The context-size and template checks read prompts through the reader, so its limit holds there."""
    import nexc.source as source

    monkeypatch.setattr(source, "MAX_PROMPT_BYTES", 1000)
    (tmp_path / "p.md").write_text("word " * 400, encoding="utf-8")
    spec = tmp_path / "s.nex"
    spec.write_text(textwrap.dedent(NEX.format(path="p.md")), encoding="utf-8")
    from nexc.view import agent as view_agent

    with pytest.raises(OSError):
        view_agent.read_prompt_file(str(tmp_path), "p.md")
    assert MAX_PROMPT_BYTES > 1000
    assert "NEX900" not in [d.code for d in compile_path(spec).reporter.sorted()]
