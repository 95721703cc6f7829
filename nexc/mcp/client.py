"""MCP server connections of the runtime (mcp 2.x client): one per server and run.

Lifetime. A run owns an :class:`McpSession`: :func:`run_session` (entered by ``Runtime.run``) starts
every MCP server the framework's agents use in the background when the run starts, so starting overlaps
the first LLM call, and stops them all when the run ends, however it ends (answer, error, timeout,
cancellation). Runs never share a server process: each has its own, with its own state, and no child
process outlives its run. The current session is a context variable, so tool calls from any task of
the run find it. A tool called outside any run gets a session of its own for that one call. Listing
tools while a framework is loaded (no lockfile) or locked (``nexc mcp lock``) starts the server on a
private event loop and stops it again before returning (:func:`list_servers`).

Connections. Each :class:`McpConnection` lives in one long-lived task on the run's event loop (the
SDK's anyio scopes must be entered and left by one task). ``connect_timeout`` (default
:data:`CONNECT_TIMEOUT` s) bounds starting the server and the handshake, so a server that never
answers fails in seconds; ``call_timeout`` bounds each ``tools/call``. A server that dies (its process
exits, the HTTP session breaks) is reported as an error observation and started again on the next
call. Env refs (``env("NAME")``) are resolved when a server starts; values of ``env`` and ``headers``
are never logged or written anywhere.

The tool side (names, argument validation, observations) is :mod:`nexc.mcp.tools`.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from typing import Any

from nexc.mcp.names import SEP, exposed_name  # noqa: F401 - re-exported: one definition
from nexc.mcp.errors import McpUnavailable, debug_errlog  # noqa: F401 - part of the client's interface
from nexc.mcp.errors import describe_exc as _describe
from nexc.mcp.errors import resolve as _resolve

#: default deadline for starting a server and completing the handshake, seconds
CONNECT_TIMEOUT = 10.0
#: how long stopping one server may take before its task is cancelled, seconds
STOP_TIMEOUT = 5.0

_session: contextvars.ContextVar[McpSession | None] = contextvars.ContextVar("nexc_mcp_session", default=None)


# ------------------------------------------------------------------------------------- connection
class McpConnection:
    """One MCP server, started on demand, restarted after it dies. Use from one event loop."""

    def __init__(self, server, root_dir: str | None = None):
        self.server = server
        self.name = server.name
        self.root_dir = root_dir
        self.connect_timeout = server.connect_timeout or CONNECT_TIMEOUT
        self.call_timeout = server.call_timeout
        self.client = None
        self.task: asyncio.Task | None = None
        self.starting: asyncio.Task | None = None  # a background start not awaited by any call yet
        self._stop_ev: asyncio.Event | None = None
        self._dying: set[asyncio.Task] = set()  # hung servers being torn down
        self._lock: asyncio.Lock | None = None
        self.server_info: dict | None = None
        self.starts = 0
        self.last_error: str | None = None

    def _target(self):
        from nexc.mcp.transport import target

        return target(self.server, self.root_dir, _resolve)

    async def _serve(self, ready: asyncio.Future) -> None:
        try:
            from mcp import Client

            async with Client(self._target(), mode="legacy", cache=None) as client:
                self.client = client
                info = client.server_info
                self.server_info = {"name": info.name, "version": info.version} if info is not None else None
                if not ready.done():
                    ready.set_result(None)
                await self._stop_ev.wait()
        except BaseException as exc:  # noqa: BLE001 - reported through ``ready`` or on the next call
            self.last_error = _describe(exc)
            if not ready.done():
                ready.set_exception(McpUnavailable(f"MCP server '{self.name}' failed to start: {self.last_error}"))
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
        finally:
            self.client = None
            if not ready.done():  # cancelled before the handshake
                ready.set_exception(McpUnavailable(f"MCP server '{self.name}' was stopped while starting"))

    async def ensure(self):
        """The live client, starting (or restarting) the server first when needed."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.client is not None and self.task is not None and not self.task.done():
                return self.client
            await self._stop()
            loop = asyncio.get_running_loop()
            self._stop_ev = asyncio.Event()
            ready = loop.create_future()
            self.starts += 1
            self.task = task = loop.create_task(self._serve(ready), name=f"mcp:{self.name}")
            await asyncio.wait({ready, task}, timeout=self.connect_timeout, return_when=asyncio.FIRST_COMPLETED)
            if ready.done():
                ready.result()  # raises McpUnavailable when the start failed
                return self.client
            self.task, self.client = None, None
            task.cancel()  # tear the hung server down without making the caller wait; close() waits
            self._dying.add(task)
            task.add_done_callback(self._dying.discard)
            raise McpUnavailable(f"MCP server '{self.name}' did not answer within {self.connect_timeout:g}s "
                                 f"(connect_timeout)")

    async def _stop(self) -> None:
        task, self.task = self.task, None
        if task is None:
            return
        if self._stop_ev is not None:
            self._stop_ev.set()
        if not task.done():
            done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT)
            if not done:
                task.cancel()
                await asyncio.wait({task}, timeout=STOP_TIMEOUT)
        self.client = None

    async def close(self) -> None:
        """Stop the server (its process, for stdio) and forget any start in progress."""
        starting, self.starting = self.starting, None
        if starting is not None and not starting.done():
            await asyncio.wait({starting}, timeout=self.connect_timeout + STOP_TIMEOUT)
        if starting is not None and starting.done() and not starting.cancelled():
            starting.exception()  # retrieved: a failed background start is reported by calls, not by asyncio
        await self._stop()
        if self._dying:
            await asyncio.wait(set(self._dying), timeout=STOP_TIMEOUT * 2)

    async def list_tools(self) -> list:
        """Every tool of the server (all pages)."""
        client = await self.ensure()
        tools, cursor, seen = [], None, set()
        while True:
            page = await asyncio.wait_for(client.list_tools(cursor=cursor), self.connect_timeout)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor or cursor in seen:
                break
            seen.add(cursor)
        return tools

    async def call(self, tool: str, args: dict):
        """``tools/call``; the server's death or deadline becomes :class:`McpUnavailable`."""
        starting, self.starting = self.starting, None
        if starting is not None:
            await asyncio.wait({starting})
            if not starting.cancelled() and starting.exception() is not None:
                raise starting.exception()  # the start at run start failed: say why, retry on the next call
        client = await self.ensure()
        task = self.task
        call = asyncio.ensure_future(client.call_tool(tool, args))
        waiters = {call} | ({task} if task is not None else set())
        done, _ = await asyncio.wait(waiters, timeout=self.call_timeout, return_when=asyncio.FIRST_COMPLETED)
        if call in done:
            return await self._result(call, tool)
        call.cancel()
        await asyncio.wait({call})
        if not done:
            raise McpUnavailable(f"MCP tool '{self.name}.{tool}' did not finish within {self.call_timeout:g}s "
                                 f"(call_timeout)")
        await self._stop()  # the server task ended: the server died
        raise McpUnavailable(f"MCP server '{self.name}' stopped during the call to '{tool}'"
                             f"{': ' + self.last_error if self.last_error else ''}; it will be restarted on the "
                             f"next call")


    async def _result(self, call: asyncio.Future, tool: str):
        """The call's result; a closed connection means the server died: stop it so the next call restarts it."""
        from mcp.shared.exceptions import MCPError

        try:
            return call.result()
        except MCPError as exc:
            if "connection closed" not in exc.error.message.lower():
                raise
        await self._stop()
        raise McpUnavailable(f"MCP server '{self.name}' stopped during the call to '{tool}' (connection closed); "
                             f"it will be restarted on the next call")


# ---------------------------------------------------------------------------------------- session
class McpSession:
    """The MCP connections of one run (or one ad-hoc use), all on the loop that uses them.

    Sessions nest: a session opened inside another (a GAP worker's session holding the servers shared by
    its runs, a run's own for the servers that keep state) owns the servers it was asked to start and hands
    every other server to the outer session, so shared servers stay shared."""

    def __init__(self, root_dir: str | None = None):
        self.root_dir = root_dir
        self.connections: dict[str, McpConnection] = {}
        self.outer: McpSession | None = _session.get()
        self._own: set[str] = set()

    def connection(self, server) -> McpConnection:
        conn = self.connections.get(server.name)
        if conn is None:
            if self.outer is not None and self._own and server.name not in self._own:
                return self.outer.connection(server)
            conn = self.connections[server.name] = McpConnection(server, self.root_dir)
        return conn

    def start(self, servers) -> None:
        """Start ``servers`` in the background (a call waits for its server's start); they are this
        session's own."""
        servers = list(servers)
        self._own.update(s.name for s in servers)
        for s in servers:
            conn = self.connection(s)
            if conn.task is None and conn.starting is None:
                conn.starting = asyncio.ensure_future(conn.ensure())

    async def aclose(self) -> None:
        """Stop every server of the session (concurrently)."""
        conns = list(self.connections.values())
        if conns:
            await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)

    async def __aenter__(self) -> McpSession:
        self._token = _session.set(self)
        return self

    async def __aexit__(self, *exc) -> None:
        try:
            await asyncio.shield(self.aclose())
        finally:
            _session.reset(self._token)


def current_session() -> McpSession | None:
    """The session of the run calling now (``None`` outside runs)."""
    return _session.get()


@contextlib.asynccontextmanager
async def run_session(servers, root_dir: str | None):
    """The MCP session of one run: ``servers`` start now in the background and stop when the block ends.
    Without servers it costs nothing (no session is made)."""
    servers = list(servers)
    if not servers:
        yield None
        return
    async with McpSession(root_dir) as session:
        session.start(servers)
        yield session


async def call_tool(server, root_dir: str | None, tool: str, args: dict):
    """``tools/call`` on the current run's connection to ``server``, or on one made for this call only."""
    session = _session.get()
    if session is not None:
        return await session.connection(server).call(tool, args)
    async with McpSession(root_dir) as own:
        return await own.connection(server).call(tool, args)


# ------------------------------------------------------------------------------- listing (sync)
def _in_thread(coro_fn, timeout: float):
    """Run ``coro_fn()`` on a fresh event loop in a worker thread (works inside and outside loops)."""
    box: dict = {}

    def work():
        try:
            box["value"] = asyncio.run(coro_fn())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=work, name="nexc-mcp-list", daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise McpUnavailable(f"listing MCP tools did not finish within {timeout:g}s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def list_servers(servers, root_dir: str | None = None) -> dict[str, Any]:
    """Start ``servers`` (concurrently), list every tool of each, stop them. Server name →
    ``(server_info, [mcp_types.Tool])`` or the exception that prevented listing it."""
    servers = list(servers)
    if not servers:
        return {}

    async def go():
        async with McpSession(root_dir) as session:
            async def one(s):
                conn = session.connection(s)
                tools = await conn.list_tools()
                return conn.server_info, tools
            got = await asyncio.gather(*(one(s) for s in servers), return_exceptions=True)
        return {s.name: g for s, g in zip(servers, got)}

    budget = max((s.connect_timeout or CONNECT_TIMEOUT) for s in servers) * 2 + 2 * STOP_TIMEOUT + 5
    return _in_thread(go, budget)
