"""A small MCP server for the tests: ``python server_fixture.py [stdio|http PORT|sse PORT] [--starts FILE] [--hang]
[--junk]``.

``--starts FILE``: appends the process id to FILE at start; ``--hang``: never answers the handshake;
``--junk``: prints lines that are not JSON-RPC on stdout before serving (and from the ``junk`` tool)."""
import os
import sys
import time

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

if "--starts" in sys.argv:  # append this process's id to a file: tests count server starts
    with open(sys.argv[sys.argv.index("--starts") + 1], "a") as f:
        f.write(f"{os.getpid()}\n")

if "--hang" in sys.argv:  # never answers the handshake
    time.sleep(3600)

if "--junk" in sys.argv:  # noise on the protocol stream before the handshake
    print("starting up... not JSON", flush=True)
    print("{not json either", flush=True)

srv = MCPServer("fixture", version="1.2.3")


@srv.tool(description="Add two integers.")
def add(a: int, b: int) -> int:
    return a + b


@srv.tool(description="Echo a message.")
def echo(message: str) -> str:
    return f"echo: {message}"


@srv.tool(description="Always fails.")
def fail(reason: str = "boom") -> str:
    raise ValueError(f"failed because {reason}")


@srv.tool(description="Exits the server process in the middle of the call.",
          annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False))
def die() -> str:
    os._exit(3)


@srv.tool(description="Reads an environment variable of the server.")
def getenv(name: str) -> str:
    return os.environ.get(name, "<unset>")


@srv.tool(description="The server's process id.",
          annotations=ToolAnnotations(read_only_hint=True, open_world_hint=False))
def pid() -> int:
    return os.getpid()


@srv.tool(description="Prints junk on stdout, then answers.")
def junk() -> str:
    sys.stdout.write("junk line, not JSON-RPC\n")
    sys.stdout.flush()
    return "after junk"


@srv.tool(description="Sleeps.")
async def sleep(seconds: float) -> str:
    import anyio

    await anyio.sleep(seconds)
    return "slept"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "http":
        srv.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "sse":
        srv.run("sse", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        srv.run("stdio")
