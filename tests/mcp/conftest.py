"""Fixtures of the MCP tests (helpers are in mcp_testlib.py)."""
import socket
import subprocess
import sys
import time

import pytest
from mcp_testlib import SERVER


def _serve(mode: str, path: str):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, SERVER, mode, str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        proc.terminate()
        proc.wait(5)


@pytest.fixture(scope="module")
def http_url():
    """The fixture server over streamable HTTP on 127.0.0.1."""
    yield from _serve("http", "/mcp")


@pytest.fixture(scope="module")
def sse_url():
    """The fixture server over SSE on 127.0.0.1."""
    yield from _serve("sse", "/sse")
