"""Writing files safely: one place for the replace-in-one-step write that commands, ``lint --fix`` and the MCP
lockfile use (a library module, so that those below ``nexc.commands`` need not import it from there)."""
from __future__ import annotations


def write_atomic(path, text: str, *, fsync: bool = False) -> None:
    """Replace the file at ``path`` with ``text`` (UTF-8) in one step: :func:`write_atomic_bytes`."""
    write_atomic_bytes(path, text.encode("utf-8"), fsync=fsync)


def write_atomic_bytes(path, data: bytes, *, fsync: bool = False) -> None:
    """Replace the file at ``path`` with ``data`` in one step (a temporary file beside it, then a rename),
    keeping its permission bits (a new file gets the usual ones, ``0o666`` less the umask); a reader never
    sees half a file. ``fsync``: the data reach the disk before the rename (a crash of the machine leaves
    the old file or the new one)."""
    import os
    import tempfile

    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        try:
            mode = os.stat(path).st_mode & 0o7777
        except OSError:  # a new file: what open() would have made
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
