"""Nothing outside the spec's folder is copied: a symbolic link in a skill folder (or a tool module) that points
outside is left out of the bundle and the NexAU export, and reported; links that stay inside are followed."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nexc.cli import cli

SPEC = '''nex 1
llm m {
  model = "fake-model"
}
tool lookup(word: str) -> str
  "Look a word up."
  = python "ctools:lookup"
skill s = "skills/s"
agent main {
  llm = m
  prompt = "You help."
  tools = [lookup, s]
}
entry main
'''


def _project(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "secret.txt").write_text("TOP SECRET\n")
    (outside / "dir" / "more.txt").write_text("MORE SECRET\n")
    (outside / "chelper.py").write_text("SECRET = 'TOP SECRET'\n")
    src = tmp_path / "src"
    skill = src / "skills" / "s"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: s\ndescription: A skill.\n---\nRead notes.md.\n")
    (src / "notes.md").write_text("inside notes\n")
    (skill / "leak.txt").symlink_to(outside / "secret.txt")
    (skill / "leakdir").symlink_to(outside / "dir", target_is_directory=True)
    (skill / "notes.md").symlink_to(src / "notes.md")  # inside the project: followed
    (skill / "loop").symlink_to(skill, target_is_directory=True)  # a cycle: walked once
    (src / "ctools.py").write_text("import chelper\n\n\ndef lookup(word):\n    return word\n")
    (src / "chelper.py").symlink_to(outside / "chelper.py")
    (src / "team.nex").write_text(SPEC)
    return src / "team.nex"


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_outside_links_stay_out_of_the_bundle(tmp_path):
    spec = _project(tmp_path)
    out = tmp_path / "bundle"
    r = CliRunner().invoke(cli, ["build", str(spec), "--target", "bundle", "-o", str(out)])
    assert r.exit_code == 0, r.output
    skill = out / "team" / "skills" / "s"
    assert (skill / "SKILL.md").is_file() and (skill / "notes.md").read_text() == "inside notes\n"
    assert not (skill / "leak.txt").exists() and not (skill / "leakdir").exists()
    assert b"SECRET" not in _all_bytes(out)
    assert "skills/s/leak.txt" in r.output and "skills/s/leakdir" in r.output and "not copied" in r.output


def test_outside_links_stay_out_of_the_nexau_export(tmp_path):
    spec = _project(tmp_path)
    out = tmp_path / "export"
    r = CliRunner().invoke(cli, ["build", str(spec), "--target", "nexau", "-o", str(out)])
    assert r.exit_code == 0, r.output
    skill = out / "skills" / "s"
    assert (skill / "SKILL.md").is_file() and (skill / "notes.md").read_text() == "inside notes\n"
    assert (out / "ctools.py").is_file() and not (out / "chelper.py").exists()
    assert not (skill / "leak.txt").exists() and not (skill / "leakdir").exists()
    assert b"SECRET" not in _all_bytes(out)
    coverage = json.loads((out / "coverage.json").read_text())
    left_out = {u["where"] for u in coverage["unsupported"] if u["feature"] == "link outside the project"}
    assert left_out == {"file 'skills/s/leak.txt'", "file 'skills/s/leakdir'", "file 'chelper.py'"}
    assert str(tmp_path) not in (out / "coverage.json").read_text()  # no absolute paths of the build machine


def test_contained_files_walks_once_and_reports_links(tmp_path):
    from nexc.emit.bundle import contained_files

    spec = _project(tmp_path)
    root = spec.parent
    files, outside = contained_files(root, root / "skills" / "s")
    assert [f for f, _ in files] == ["SKILL.md", "notes.md"]
    assert outside == ["skills/s/leak.txt", "skills/s/leakdir"]
    assert contained_files(root, root / "chelper.py") == ([], ["chelper.py"])
