"""Issue 18, item 15: the repository's docs stand alone and say what the code does — no pointer into a
``../shared`` folder a clone does not have, NexAU conversion called lossy with what it loses, the
pre-commit hook documented with the ids ``.pre-commit-hooks.yaml`` defines, and MCP tool names as the
one naming function makes them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from nexc.mcp.names import exposed_name, stop_name

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _docs() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "specs").rglob("*.md"))]


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.S | re.M)


@pytest.mark.parametrize("doc", _docs(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_docs_point_at_nothing_outside_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    assert "../shared" not in text
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):  # relative links stay inside, and resolve
        if re.match(r"[a-z]+:", target):
            continue
        path = (doc.parent / target).resolve()
        assert path.is_relative_to(REPO) and path.exists(), f"{doc.name} links to {target}, not in the repository"


def test_the_readme_calls_nexau_conversion_lossy_and_says_what_is_lost():
    convert_row = next(line for line in README.splitlines() if line.startswith("| `nexc convert SPEC"))
    assert "lossless" not in convert_row and "lossy" in convert_row
    assert not re.search(r"lossless[^.\n]*nexau|nexau[^.\n]*lossless", README, re.I)
    lost = _section(README, "Converting to NexAU is lossy")
    for what in ("coverage.json", "`description`", "`metadata`", "`returns`", "`max_depth`",
                 "`parallel_tool_calls = false`", "`env(…)` defaults", "`server.tool`", "profile", "NEX610",
                 "specs/NEXAU.md"):
        assert what in lost, what


def test_the_readme_documents_the_pre_commit_hooks_it_ships():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ids = {h["id"] for h in hooks}
    section = _section(README, "pre-commit")
    configs = [yaml.safe_load(b) for b in _blocks(section, "yaml")]
    used = {h["id"] for c in configs for repo in c["repos"] for h in repo["hooks"]}
    assert used and used <= ids and ids <= used
    assert "pre-commit install" in section and ".pre-commit-hooks.yaml" in section


def _mcp_name_rows() -> list[tuple[str, str, str, str]]:
    names = _section((REPO / "specs" / "MCP.md").read_text(encoding="utf-8"), "Names")
    return re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| (.+?) \| `([^`]+)` \|$", names, re.M)


def test_the_mcp_spec_shows_how_tool_names_are_made():
    rows = _mcp_name_rows()
    assert len(rows) >= 3 and any(offered[:64] != f"{s}__{t}" for s, t, _, offered in rows)  # a rewritten name


@pytest.mark.parametrize("server, tool, written, offered", _mcp_name_rows())
def test_mcp_names_in_the_mcp_spec_are_the_names_the_runtime_offers(server, tool, written, offered):
    assert exposed_name(server, tool) == offered
    spelled = re.match(r'`"?([^`"]+)"?`$', written)
    if spelled:  # as written in a spec: the stop entry of that name is the offered tool
        assert spelled.group(1) == f"{server}.{tool}" and stop_name(spelled.group(1)) == offered


def test_docs_name_mcp_tools_with_the_server_prefix():
    """Every spec that says how MCP tools are named says ``S__T``, never the bare name."""
    for doc in ("MCP.md", "LANGUAGE.md"):
        text = (REPO / "specs" / doc).read_text(encoding="utf-8")
        assert "__" in text and "bare name" not in text, doc


def test_the_generated_diagnostics_reference_names_mcp_tools_as_the_code_does():
    text = (REPO / "specs" / "diagnostics.md").read_text(encoding="utf-8")
    assert "bare names" not in text and "`git.status` is `status`" not in text
