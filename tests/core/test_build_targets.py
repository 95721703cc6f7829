"""Several ``nexc build`` targets share one output folder: each keeps its files, a rebuild removes only its
own stale files, and nothing nexc did not write (or another target wrote) is overwritten or deleted."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nexc.emit.writer import RECORD, OutputConflict, OutputDir
from tests.conftest import EXAMPLES, REPO

SPEC = EXAMPLES / "deep_research" / "research.nex"
ALL = ("manifest", "bundle", "nexau", "dataset")
#: one file each target writes for the deep_research example
MARKERS = {"manifest": "manifest.json", "bundle": "deep_research/__init__.py", "nexau": "researcher.yaml",
           "dataset": "dataset.yaml"}


def nexc(*args, cwd=None):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "nexc", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or REPO, env=env, timeout=120)


def build(out, *targets, extra=(), cwd=None):
    args = ["build", SPEC, *(x for t in targets for x in ("--target", t)), *extra]
    if out is not None:
        args += ["-o", out]
    return nexc(*args, cwd=cwd)


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def all_four(tmp_path_factory):
    out = tmp_path_factory.mktemp("all") / "out"
    p = build(out, *ALL)
    return out, p


def test_four_targets_in_one_folder_keep_each_others_files(all_four):
    out, p = all_four
    assert p.returncode == 0, p.stderr
    for target, rel in MARKERS.items():
        assert (out / rel).is_file(), f"{target} lost {rel}"
    assert "removed" not in p.stdout
    record = json.loads((out / RECORD).read_text())
    assert sorted(record["targets"]) == sorted(ALL)
    assert (out / "formats" / "openai" / "chat_template.jinja").is_file()
    assert json.loads((out / "manifest.json").read_text())["framework"]["entry"] == "researcher"


def test_the_same_build_twice_changes_nothing(all_four, tmp_path):
    out, _ = all_four
    before = snapshot(out)
    p = build(out, *ALL)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("(0 written") == 4 and "removed" not in p.stdout, p.stdout
    assert snapshot(out) == before


def test_a_build_of_one_target_keeps_the_other_targets_files(tmp_path):
    out = tmp_path / "out"
    assert build(out, *ALL).returncode == 0
    before = snapshot(out)
    p = build(out, "manifest")
    assert p.returncode == 0, p.stderr
    assert "removed" not in p.stdout
    after = snapshot(out)
    assert {k: v for k, v in after.items() if k != RECORD} == {k: v for k, v in before.items() if k != RECORD}
    for rel in MARKERS.values():
        assert (out / rel).is_file()


def test_a_rebuild_removes_its_own_stale_files_only(tmp_path):
    out = tmp_path / "out"
    assert build(out, "manifest", "dataset", extra=("--format", "openai", "--format", "qwen3_coder")).returncode == 0
    (out / "notes.txt").write_text("mine")
    stale = out / "formats" / "qwen3_coder" / "chat_template.jinja"
    assert stale.is_file()
    p = build(out, "dataset", extra=("--format", "openai"))
    assert p.returncode == 0, p.stderr
    assert "1 removed" in p.stdout
    assert not stale.exists() and not stale.parent.exists()  # the emptied folder goes too
    assert (out / "formats" / "openai" / "chat_template.jinja").is_file()
    assert (out / "manifest.json").is_file() and (out / "notes.txt").read_text() == "mine"


def test_a_stale_file_the_user_changed_is_kept(tmp_path):
    out = tmp_path / "out"
    assert build(out, "dataset", extra=("--format", "openai", "--format", "qwen3_coder")).returncode == 0
    stale = out / "formats" / "qwen3_coder" / "chat_template.jinja"
    stale.write_text("edited by hand")
    p = build(out, "dataset", extra=("--format", "openai"))
    assert p.returncode == 0, p.stderr
    assert stale.read_text() == "edited by hand"


def test_the_default_output_folder_is_shared_by_targets(tmp_path):
    for t in ALL:
        p = build(None, t, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        assert "removed" not in p.stdout
    out = tmp_path / "build" / "deep_research"
    for rel in MARKERS.values():
        assert (out / rel).is_file()


def test_a_file_nexc_did_not_write_still_stops_the_build(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "dataset.yaml").write_text("mine")
    p = build(out, "manifest", "dataset")
    assert p.returncode == 2 and "did not write" in p.stderr and "dataset.yaml" in p.stderr
    assert (out / "dataset.yaml").read_text() == "mine"
    assert (out / "manifest.json").is_file()  # the other target is independent


# ---------------------------------------------------------------- the writer itself


def test_a_target_never_overwrites_or_deletes_another_targets_file(tmp_path):
    a = OutputDir(tmp_path, target="a")
    a.add("shared.txt", "from a")
    a.add("a.txt", "a")
    a.commit()
    b = OutputDir(tmp_path, target="b")
    b.add("shared.txt", "from b")
    with pytest.raises(OutputConflict) as exc:
        b.commit()
    assert exc.value.paths == ["shared.txt"] and exc.value.owners == {"shared.txt": "a"}
    assert (tmp_path / "shared.txt").read_text() == "from a"
    forced = OutputDir(tmp_path, target="b", force=True)
    forced.add("shared.txt", "from b")
    forced.commit()
    record = json.loads((tmp_path / RECORD).read_text())
    assert record["targets"] == {"a": {"a.txt": record["targets"]["a"]["a.txt"]},
                                 "b": {"shared.txt": record["targets"]["b"]["shared.txt"]}}
    again = OutputDir(tmp_path, target="a")
    again.add("a.txt", "a")
    assert again.commit()["removed"] == []  # shared.txt is b's now
    assert (tmp_path / "shared.txt").read_text() == "from b"


def test_a_file_two_targets_write_alike_is_removed_only_when_neither_does(tmp_path):
    for t in ("a", "b"):
        o = OutputDir(tmp_path, target=t)
        o.add("same.txt", "same")
        o.commit()
    assert OutputDir(tmp_path, target="a").commit()["removed"] == []
    assert (tmp_path / "same.txt").is_file()
    assert OutputDir(tmp_path, target="b").commit()["removed"] == ["same.txt"]


def test_a_record_without_targets_still_marks_nexc_files(tmp_path):
    (tmp_path / "manifest.json").write_text("old")
    import hashlib

    sha = hashlib.sha256(b"old").hexdigest()
    (tmp_path / RECORD).write_text(json.dumps({"files": {"manifest.json": sha, "gone.txt": sha}}))
    (tmp_path / "gone.txt").write_text("old")
    o = OutputDir(tmp_path, target="manifest")
    o.add("manifest.json", "new")
    result = o.commit()
    assert result["written"] == ["manifest.json"] and result["removed"] == []
    assert (tmp_path / "gone.txt").is_file()  # which target wrote it is unknown: never removed
    record = json.loads((tmp_path / RECORD).read_text())
    assert record["files"] == {"gone.txt": sha} and list(record["targets"]) == ["manifest"]


def test_files_written_before_a_failed_write_are_recorded(tmp_path):
    (tmp_path / "z_blocker").write_text("a file where a folder is needed")
    o = OutputDir(tmp_path, target="t")
    o.add("a.txt", "1")
    o.add("z_blocker/x.txt", "2")
    with pytest.raises(OSError):
        o.commit()
    assert (tmp_path / "a.txt").read_text() == "1"
    again = OutputDir(tmp_path, target="t")
    again.add("a.txt", "changed")
    assert again.commit()["written"] == ["a.txt"]  # nexc's own file, not a conflict
    assert (tmp_path / "z_blocker").read_text() == "a file where a folder is needed"


def test_two_targets_of_one_build_writing_one_path_differently_write_nothing(tmp_path):
    from nexc.commands.build import clashes

    a, b = OutputDir(tmp_path, target="a"), OutputDir(tmp_path, target="b")
    a.add("x.txt", "1")
    b.add("x.txt", "2")
    assert clashes({"a": (a, None), "b": (b, None)}) == ["the a and b targets both write 'x.txt', differently"]
    b.files["x.txt"] = b"1"
    assert clashes({"a": (a, None), "b": (b, None)}) == []
