"""Build outputs get the permission bits any new file gets (0o666 less the umask), not mkstemp's 0o600."""
from __future__ import annotations

import os
import stat

from nexc.emit.writer import OutputDir


def test_build_outputs_are_readable_like_any_new_file(tmp_path):
    old = os.umask(0o022)
    try:
        out = OutputDir(tmp_path / "o")
        out.add("pkg/a.txt", "hello\n")
        out.commit()
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(tmp_path / "o" / "pkg" / "a.txt").st_mode)
    assert mode == 0o644, oct(mode)
    assert (tmp_path / "o" / "pkg" / "a.txt").read_text() == "hello\n"
