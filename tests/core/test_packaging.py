"""A non-editable install into a fresh virtualenv works from another directory: the data folders
(grammar, templates, stdlib, specs) ship inside the wheel and load through importlib.resources."""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pkg")
    wheel_dir = tmp / "wheels"
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(REPO)],
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        pytest.skip(f"cannot build a wheel here (no build backend reachable): {p.stderr.strip()[-300:]}")
    wheel = next(wheel_dir.glob("nexc-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True,
                   timeout=300)
    # Dependencies come from the test environment; nexc itself only from the wheel (site-packages comes first).
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "_nexc_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv, wheel


def test_wheel_contains_the_data_folders(installed):
    import zipfile

    names = zipfile.ZipFile(installed[1]).namelist()
    for folder in ("grammar/nex.lark", "templates/chat/", "stdlib/tools.yaml", "specs/nexc.schema.json"):
        assert any(n.startswith("nexc/_data/" + folder) for n in names), folder


def test_installed_nexc_builds_an_example_from_another_directory(installed, tmp_path):
    venv, _ = installed
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES / "deep_research", project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    nexc = venv / "bin" / "nexc"
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import nexc, nexc.resources as r; "
                            "print(nexc.__file__); print(r.data_dir('grammar'))"], capture_output=True, text=True,
                           cwd=elsewhere, check=True).stdout.split("\n")
    assert str(venv) in where[0] and "_data" in where[1]
    p = subprocess.run([str(nexc), "build", str(project / "research.nex"), "-o", str(tmp_path / "out")],
                       capture_output=True, text=True, cwd=elsewhere, timeout=120)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "out" / "deep_research" / "manifest.json").is_file()  # the bundle is the default target
    assert subprocess.run([str(nexc), "schema"], capture_output=True, cwd=elsewhere).returncode == 0
    assert subprocess.run([str(nexc), "lint", str(project)], capture_output=True, cwd=elsewhere).returncode == 0
