"""The examples run live against the fake LLM: the CTO team on a temporary git repository through the real
``mcp-server-git`` (and its recording replayed with the tools run again), the poster pipeline's bound on
repairs, the poster file the recording made."""
from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.examples.test_examples import calls_of, recorder, records


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def cto():
    pytest.importorskip("mcp_server_git", reason="mcp-server-git is not installed (pip install mcp-server-git, "
                                                  "or the dev extra)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return recorder("coding_team")


def test_cto_team_commits_to_a_real_repository_through_the_git_server(cto, tmp_path):
    repo = cto.make_repo(tmp_path / "demo")
    trace = tmp_path / "live.jsonl"
    res = cto.run_live(repo, trace)
    assert res.ok and res.output == cto.ANSWER, (res.stop_reason, res.error)
    assert (repo / "greet.py").read_text() == cto.DOCUMENTED and (repo / "test_greet.py").read_text() == cto.TEST
    assert _git(repo, "log", "--format=%s").splitlines() == ["test_greet: greet's greeting",
                                                             "greet: say what it returns", "greet: first version"]
    assert _git(repo, "status", "--porcelain") == ""
    recs = records(trace)
    results = {m["tool_call_id"]: m["content"] for r in recs for m in r["messages"] if m.get("role") == "tool"}
    diff = next(v for k, v in results.items() if "The greeting for" in v)
    assert diff.startswith("Unstaged changes:") and '+    """The greeting for ``name``."""' in diff
    log = [v for v in results.values() if v.startswith("Commit history:")]
    assert "greet: first version" in log[0] and "test_greet: greet's greeting" in log[-1]
    assert calls_of(recs) == calls_of(records(REPO / "examples/coding_team/cto_replay.jsonl"))
    # the model never sees git_reset (deny = ["destructive"]); every git tool went to the pinned repository
    offered = {t["function"]["name"] for r in recs for t in r["tools"]}
    assert "git__git_log" in offered and "git__git_reset" not in offered


def test_cto_recording_replays_with_the_tools_run_again(cto, tmp_path):
    """``--replay-tools run`` on a fresh copy of the demo repository: the files and commits are made again;
    only results holding commit hashes (and dates) differ, which ``--replay-lenient`` reports as warnings."""
    repo = cto.make_repo(tmp_path / "again")
    import nexc

    settings = dataclasses.replace(nexc.load(cto.SPEC).settings, replay_tools="run", replay_lenient=True)
    res = cto.run_live(repo, replay=REPO / "examples/coding_team/cto_replay.jsonl", settings=settings)
    assert res.ok and res.output == cto.ANSWER, (res.stop_reason, res.error)
    assert (repo / "test_greet.py").read_text() == cto.TEST
    assert len(_git(repo, "log", "--format=%s").splitlines()) == 3
    assert res.warnings and all("tool 'git__git_" in w for w in res.warnings), res.warnings


def _endless_reviews():
    """A lead that always asks for a repair and a reviewer that never approves."""
    from nexc.testing import by_system, call, reply

    rec = recorder("paper2poster")
    lead = iter(["parser", "designer"] + ["reviewer", "designer"] * 10)

    def act(name, **arguments):
        return reply(tool_calls=[call(name, arguments)])

    def designer(req):
        n = sum(m.get("role") == "tool" for m in req.messages)
        if n == 0:
            return act("get_outline")
        if n == 1:
            return act("render_poster", title=rec.TITLE, authors=rec.AUTHORS, panels=rec.PANELS, columns=2,
                       font_size=30)
        return reply(req.messages[-1]["content"])

    def reviewer(req):
        return act("inspect_poster") if req.messages[-1]["role"] == "user" else reply("REVISE: 1. Make it fit.")

    parser = iter([act("read_paper"), act("save_outline", title=rec.TITLE, authors=rec.AUTHORS,
                                          panels=rec.PANELS), reply("Saved.")])
    return by_system({
        "You turn a research paper into a conference poster": lambda req: act(next(lead), task="Go on."),
        "You read a research paper": lambda req: next(parser),
        "You lay out a poster": designer,
        "You review a poster": reviewer,
    })


def test_poster_repairs_are_bounded(tmp_path):
    """A reviewer that never approves: three renders are made (one layout, two repairs), the fourth is refused
    and the lead stops at its iteration limit, with the last poster on disk."""
    rec = recorder("paper2poster")
    res = rec.run_live(tmp_path, tmp_path / "t.jsonl", script_=_endless_reviews())
    assert res.stop_reason.value == "max_iterations", (res.stop_reason, res.error)
    lead = [r for r in res.records if r["agent_name"] == "poster_lead"]
    assert len(lead) == 8
    renders = [m["content"] for r in res.records if r["agent_name"] == "designer" for m in r["messages"]
               if m.get("role") == "tool" and m["name"] == "render_poster"]
    renders = list(dict.fromkeys(renders))
    assert [t.split(":")[0] for t in renders[:3]] == ["render 1 of at most 3", "render 2 of at most 3",
                                                     "render 3 of at most 3"]
    assert len(renders) == 4 and renders[3].startswith("Error: the render budget (3 renders")
    assert (tmp_path / "poster.svg").read_text().startswith("<svg")


def test_shipped_poster_is_the_recorded_render():
    """``poster.svg`` is what the recording's last ``render_poster`` call draws."""
    import sys

    sys.path.insert(0, str(REPO / "examples/paper2poster"))
    try:
        import poster_tools
    finally:
        sys.path.remove(str(REPO / "examples/paper2poster"))
    recs = records(REPO / "examples/paper2poster/replay.jsonl")
    last = [json.loads(c["function"]["arguments"]) for r in recs for c in (r["reply"] or {}).get("tool_calls") or ()
            if c["function"]["name"] == "render_poster"][-1]
    svg, measures = poster_tools.layout(last["title"], last["authors"], last["panels"], last["columns"],
                                        last["font_size"])
    assert svg == (REPO / "examples/paper2poster/poster.svg").read_text(encoding="utf-8")
    assert all(m["lines"] <= m["fit"] for m in measures)
