import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SERVER = str(HERE / "server_fixture.py")


def stdio_server(name="fx", *extra, **kw):
    from nexc.ir.model import McpServer

    return McpServer(name=name, transport="stdio", command=sys.executable, args=(SERVER, *extra), **kw)


@pytest.fixture(autouse=True)
def _close():
    yield
    from nexc.runtime.mcp import close_all

    close_all()


@pytest.fixture(scope="module")
def http_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, SERVER, "http", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/mcp"
    proc.terminate()
    proc.wait(5)
