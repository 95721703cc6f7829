"""Shared by the MCP tests: the fixture servers' paths and process helpers (a module with a unique name:
``tests/mcp`` cannot be a package, it would shadow the ``mcp`` SDK, and ``conftest`` is not unique)."""
import sys
from pathlib import Path


HERE = Path(__file__).parent
SERVER = str(HERE / "server_fixture.py")
PAGED = str(HERE / "paged_server.py")


def stdio_server(name="fx", *extra, **kw):
    from nexc.ir.model import McpServer

    return McpServer(name=name, transport="stdio", command=sys.executable, args=(SERVER, *extra), **kw)


def alive(pid: int) -> bool:
    """Whether process ``pid`` still exists (and is not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def children() -> set[int]:
    """Process ids of this test process's live children."""
    import os

    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                out.add(int(d.name))
    return out
