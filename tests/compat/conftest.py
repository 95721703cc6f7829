"""Shared helpers of the compatibility tests: the repository root as working directory (diagnostics show
paths relative to it), the NexDR fixtures in ../shared, and loaders for every frontend."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
try:
    import nexc  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO))

FIXTURES = Path("tests/compat/fixtures")
NEXDR = Path("../shared/fixtures/nexau/nexdr/configs")
#: The six NexDR agents (their root configs), relative to NEXDR.
NEXDR_AGENTS = {
    "deep_research": "deep_research/deep_research.yaml",
    "continue_judge": "deep_research/continue_judge.yaml",
    "todo_validator": "deep_research/todo_validator.yaml",
    "markdown_report_writer": "markdown_report_writer/report_writer.yaml",
    "doc_reader": "doc_reader/doc_read_agent.yaml",
    "html_creator": "html_creator/html_creator.yaml",
}


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


@pytest.fixture
def nexdr() -> Path:
    if not (REPO / NEXDR).is_dir():
        pytest.skip(f"NexDR fixtures not found at {REPO / NEXDR} (../shared/fixtures/nexau/nexdr from the repo root)")
    return NEXDR


def compile_file(path, kind: str | None = None):
    """``(framework, reporter)`` for any spec; NexAU configs resolve against the folder of every file they read."""
    from nexc.diagnostics import Reporter
    from nexc.frontend import load_source
    from nexc.passes.resolve import resolve

    if kind == "nexau":
        fw, r, _ = resolve_nexau(str(path))
        return fw, r
    r = Reporter()
    src = load_source(str(path), r, kind=kind)
    return (resolve([src], r) if src is not None else None), r


def resolve_nexau(path):
    """``(framework, reporter, root folder)`` of a NexAU config, through the one compile route, stopped
    after resolve."""
    from nexc.pipeline import compile_path

    res = compile_path(path, kind="nexau", checks=False)
    return res.framework, res.reporter, (res.context.root_dir if res.context else Path(path).parent)
