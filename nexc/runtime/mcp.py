"""MCP servers as tool providers of the runtime (mcp 2.x client).

Connections. Every MCP server of a framework gets one :class:`McpConnection`, owned by a process-wide
hub: a daemon thread running its own event loop. Each connection lives in one long-lived task on that
loop (the SDK's anyio scopes must be entered and left by one task); the engine's loop hands calls over
with ``run_coroutine_threadsafe``, so the same connection serves any number of runs and event loops.
A server is started on first use (listing its tools while plans are built, or the first call),
and closed by :func:`close_all` (also at interpreter exit).

Deadlines. ``connect_timeout`` (default :data:`CONNECT_TIMEOUT` s) bounds starting the server and the
handshake, so a server that never answers fails fast; ``call_timeout`` bounds each ``tools/call``.
A server that dies (its process exits, the HTTP session breaks) is reported as an error observation
and started again on the next call.

Naming. Tool ``T`` of server ``S`` is offered to the model as ``S__T`` (characters outside
``[A-Za-z0-9_-]`` become ``_``, at most 64 characters), so tools of different servers never clash
with each other; the description starts with ``[MCP S.T]`` so the original names stay visible in the
trajectory.

Calls. Arguments are validated against the tool's ``inputSchema`` (jsonschema) before the call.
``structured_content`` is preferred for the observation; otherwise text content is joined and other
content (images, audio, resources) is described. ``is_error`` results and ``MCPError`` become
``Error: …`` observations. Env refs (``env("NAME")``) are resolved when the server is started; values
of ``env`` and ``headers`` are never logged or written to the lockfile.
"""
from __future__ import annotations

import asyncio
import atexit
import json
import os
import re
import sys
import threading
from typing import Any

from nexc.runtime.tools import ToolError, ToolImpl

#: default deadline for starting a server and completing the handshake, seconds
CONNECT_TIMEOUT = 10.0
#: separator between server and tool name in the names offered to the model
SEP = "__"
_NAME_BAD = re.compile(r"[^A-Za-z0-9_-]")


def exposed_name(server: str, tool: str) -> str:
    """The collision-free name the model sees for ``tool`` of ``server``."""
    return _NAME_BAD.sub("_", f"{server}{SEP}{tool}")[:64]


def _resolve(value: Any) -> Any:
    from nexc.ir.model import EnvRef

    if isinstance(value, EnvRef):
        got = os.environ.get(value.name)
        return got if got is not None else value.default
    return value


class McpUnavailable(ToolError):
    """A server that cannot be reached (start failure, connect deadline, died)."""


# --------------------------------------------------------------------------------------------- hub
class _Hub:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="nexc-mcp", daemon=True)
        self.thread.start()

    def submit(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop)


_hub: _Hub | None = None
_hub_lock = threading.Lock()
_connections: dict[tuple, "McpConnection"] = {}
_background: set = set()


def hub() -> _Hub:
    global _hub
    with _hub_lock:
        if _hub is None:
            _hub = _Hub()
        return _hub


def _server_key(server) -> tuple:
    return (server.name, server.transport, json.dumps(server.model_dump(mode="json", exclude={"span"})
                                                      if hasattr(server, "model_dump") else repr(server),
                                                      sort_keys=True, default=str))


def connection(server, root_dir: str | None = None) -> "McpConnection":
    """The shared connection for an :class:`~nexc.ir.model.McpServer` (not started yet)."""
    key = _server_key(server) + (root_dir,)
    with _hub_lock:
        conn = _connections.get(key)
        if conn is None:
            conn = _connections[key] = McpConnection(server, root_dir)
        return conn


def close_all(timeout: float = 5.0) -> None:
    """Close every server connection (stops stdio server processes)."""
    with _hub_lock:
        conns = list(_connections.values())
        _connections.clear()
    if _hub is None:
        return
    for c in conns:
        try:
            _hub.submit(c._stop()).result(timeout)
        except Exception:  # noqa: BLE001 - best effort at shutdown
            pass


atexit.register(close_all)


def _sync(coro, timeout: float | None = None):
    return hub().submit(coro).result(timeout)


async def _on_hub(coro):
    """Await ``coro`` on the hub loop from any other loop."""
    return await asyncio.wrap_future(hub().submit(coro))


# ------------------------------------------------------------------------------------- connection
class McpConnection:
    """One MCP server: started lazily, restarted after it dies. All methods run on the hub loop."""

    def __init__(self, server, root_dir: str | None = None):
        self.server = server
        self.name = server.name
        self.root_dir = root_dir
        self.connect_timeout = server.connect_timeout or CONNECT_TIMEOUT
        self.call_timeout = server.call_timeout
        self.client = None
        self.task: asyncio.Task | None = None
        self._stop_ev: asyncio.Event | None = None
        self._lock: asyncio.Lock | None = None
        self.server_info: dict | None = None
        self.tools: list | None = None  # mcp_types.Tool
        self.starts = 0
        self.last_error: str | None = None

    # the client object -------------------------------------------------------------------------
    def _target(self):
        s = self.server
        if s.transport == "stdio":
            from mcp.client.stdio import StdioServerParameters, get_default_environment

            command = _resolve(s.command)
            if not command:
                raise McpUnavailable(f"MCP server '{self.name}' has no command")
            env = get_default_environment()
            env.update({k: str(_resolve(v) or "") for k, v in s.env.items()})
            cwd = s.cwd
            if cwd and self.root_dir and not os.path.isabs(cwd):
                cwd = os.path.join(self.root_dir, cwd)
            params = StdioServerParameters(command=str(command), args=[str(_resolve(a)) for a in s.args], env=env,
                                           cwd=cwd or self.root_dir)
            from mcp.client.stdio import stdio_client

            errlog = sys.stderr if os.environ.get("NEXC_DEBUG") else _devnull()
            return _TransportAdapter(lambda: stdio_client(params, errlog=errlog))
        url = _resolve(s.url)
        if not url:
            raise McpUnavailable(f"MCP server '{self.name}' has no url")
        if s.transport == "sse":
            from mcp.client.sse import sse_client

            headers = {k: str(_resolve(v) or "") for k, v in s.headers.items()}
            return _TransportAdapter(lambda: sse_client(str(url), headers=headers or None))
        headers = {k: str(_resolve(v) or "") for k, v in s.headers.items()}
        if headers:
            import httpx2

            from mcp.client.streamable_http import streamable_http_client

            def make():
                return streamable_http_client(str(url), http_client=httpx2.AsyncClient(headers=headers))
            return _TransportAdapter(make)
        return str(url)

    async def _serve(self, ready: asyncio.Future) -> None:
        from mcp import Client

        try:
            target = self._target()
            async with Client(target, mode="legacy", cache=None) as client:
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

    async def ensure(self):
        """The live client, starting (or restarting) the server first when needed."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.client is not None and self.task is not None and not self.task.done():
                return self.client
            await self._stop()
            self._stop_ev = asyncio.Event()
            ready = asyncio.get_running_loop().create_future()
            self.starts += 1
            self.task = asyncio.get_running_loop().create_task(self._serve(ready), name=f"mcp:{self.name}")
            try:
                await asyncio.wait_for(asyncio.shield(ready), self.connect_timeout)
            except (asyncio.TimeoutError, TimeoutError):
                task, self.task, self.client = self.task, None, None
                if task is not None:
                    task.cancel()  # tear the hung server down in the background
                    _background.add(task)
                    task.add_done_callback(_background.discard)
                raise McpUnavailable(f"MCP server '{self.name}' did not answer within {self.connect_timeout:g}s "
                                     f"(connect_timeout)") from None
            return self.client

    async def _stop(self) -> None:
        task, self.task = self.task, None
        if task is None:
            return
        if self._stop_ev is not None:
            self._stop_ev.set()
        if not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), 3.0)
            except BaseException:  # noqa: BLE001
                task.cancel()
                try:
                    await asyncio.wait_for(task, 2.0)
                except BaseException:  # noqa: BLE001
                    pass
        self.client = None

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
        self.tools = tools
        return tools

    async def call(self, tool: str, args: dict):
        """``tools/call``; the server's death or deadline becomes :class:`McpUnavailable`."""
        client = await self.ensure()
        task = self.task
        call = asyncio.ensure_future(client.call_tool(tool, args))
        waiters = {call} | ({task} if task is not None else set())
        done, _ = await asyncio.wait(waiters, timeout=self.call_timeout, return_when=asyncio.FIRST_COMPLETED)
        if call in done:
            return call.result()
        call.cancel()
        try:
            await call
        except BaseException:  # noqa: BLE001
            pass
        if not done:
            raise McpUnavailable(f"MCP tool '{self.name}.{tool}' did not finish within {self.call_timeout:g}s "
                                 f"(call_timeout)")
        await self._stop()  # the server task ended: the server died
        raise McpUnavailable(f"MCP server '{self.name}' stopped during the call to '{tool}'"
                             f"{': ' + self.last_error if self.last_error else ''}; it will be restarted on the "
                             f"next call")


class _TransportAdapter:
    """A ``Transport`` made from an async-context-manager factory (SSE, HTTP with headers)."""

    def __init__(self, factory):
        self.factory = factory
        self._cm = None

    async def __aenter__(self):
        self._cm = self.factory()
        return await self._cm.__aenter__()

    async def __aexit__(self, *exc):
        return await self._cm.__aexit__(*exc)


_null = None


def _devnull():
    global _null
    if _null is None:
        _null = open(os.devnull, "w")  # noqa: SIM115 - kept open for every server's stderr
    return _null


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return _describe(exc.exceptions[0])
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ---------------------------------------------------------------------------------- observations
def observation(result) -> str:
    """A ``CallToolResult`` as observation text (raises :class:`ToolError` for ``is_error``)."""
    if result.structured_content is not None and not result.is_error:
        return json.dumps(result.structured_content, ensure_ascii=False)
    parts = []
    for block in result.content or ():
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind in ("image", "audio"):
            parts.append(f"[{kind} {getattr(block, 'mime_type', '')}, {len(getattr(block, 'data', '') or '')} "
                         f"base64 chars]")
        elif kind == "resource":
            res = block.resource
            parts.append(getattr(res, "text", None) or f"[resource {res.uri}]")
        elif kind == "resource_link":
            parts.append(f"[resource {block.uri}]")
        else:
            parts.append(str(block))
    text = "\n".join(parts)
    if result.is_error:
        raise ToolError(text or "the MCP tool reported an error")
    return text


def _validator(schema: dict):
    import jsonschema

    try:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        cls.check_schema(schema)
        return cls(schema)
    except Exception:  # noqa: BLE001 - a schema we cannot use: let the server validate
        return None


def make_tool(conn: McpConnection, tool) -> ToolImpl:
    """The runtime tool for one listed MCP tool."""
    schema = dict(tool.input_schema or {"type": "object"})
    schema.setdefault("type", "object")
    name = exposed_name(conn.name, tool.name)
    desc = f"[MCP {conn.name}.{tool.name}] {tool.description or ''}".strip()
    validator = _validator(schema)
    remote = tool.name

    async def call_mcp(**args):
        if validator is not None:
            errors = sorted(validator.iter_errors(args), key=lambda e: list(e.path))
            if errors:
                msgs = "; ".join((f"'{'.'.join(map(str, e.path))}': " if e.path else "") + e.message
                                 for e in errors[:5])
                raise ToolError(f"invalid arguments for '{name}': {msgs}")
        return observation(await _on_hub(_call(conn, remote, args)))

    call_mcp.__name__ = name
    impl = ToolImpl(name, desc, schema, fn=call_mcp)
    impl.required = ()  # jsonschema checks required keys with a better message
    impl.pinned = True
    return impl


async def _call(conn: McpConnection, tool: str, args: dict):
    from mcp.shared.exceptions import MCPError

    try:
        return await conn.call(tool, args)
    except McpUnavailable:
        raise
    except MCPError as exc:
        if "connection closed" in exc.error.message.lower():
            await conn._stop()
            raise McpUnavailable(f"MCP server '{conn.name}' stopped during the call to '{tool}' "
                                 f"({exc.error.message}); it will be restarted on the next call") from None
        raise ToolError(f"MCP server '{conn.name}' refused the call to '{tool}': {exc.error.message}") from None


def tools_for(server, selection_tools, root_dir: str | None, declared: list[dict] | None = None) -> list[ToolImpl]:
    """The runtime tools of one ``McpSelection``: listed now (starting the server) unless ``declared``
    (from the lockfile) is given. Raises :class:`McpUnavailable` when the server cannot be listed."""
    conn = connection(server, root_dir)
    if declared is not None:
        from mcp_types import Tool

        listed = [Tool(name=d["name"], description=d.get("description"),
                       input_schema=d.get("inputSchema") or {"type": "object"}) for d in declared]
    else:
        listed = _sync(conn.list_tools(), conn.connect_timeout * 2 + 5)
    out = []
    for t in listed:
        if server.include is not None and t.name not in server.include:
            continue
        if t.name in server.exclude:
            continue
        if selection_tools is not None and t.name not in selection_tools:
            continue
        out.append(make_tool(conn, t))
    return out


def provide(fw, entry, root_dir: str) -> tuple[list[ToolImpl], list[str]]:
    """Plan hook: the tools of an ``McpSelection`` and problems (never raises)."""
    server = next((s for s in fw.mcp_servers if s.name == entry.server), None)
    if server is None:
        return [], [f"unknown MCP server '{entry.server}'"]
    try:
        tools = tools_for(server, entry.tools, root_dir)
    except Exception as exc:  # noqa: BLE001
        return [], [f"MCP server '{entry.server}': {exc if isinstance(exc, ToolError) else _describe(exc)}"]
    problems = []
    if entry.tools is not None:
        have = {t.description.split("]")[0].split(".", 1)[-1] for t in tools}
        problems = [f"MCP server '{entry.server}' has no tool '{t}'" for t in entry.tools if t not in have]
    return tools, problems


def list_server(server, root_dir: str | None = None) -> dict:
    """``{"server": {name, version}|None, "tools": [{name, description?, inputSchema}]}`` (for the lockfile)."""
    conn = connection(server, root_dir)
    tools = _sync(conn.list_tools(), conn.connect_timeout * 2 + 5)
    decls = []
    for t in sorted(tools, key=lambda t: t.name):
        d: dict[str, Any] = {"name": t.name}
        if t.description:
            d["description"] = t.description
        d["inputSchema"] = t.input_schema
        decls.append(d)
    return {"server": conn.server_info, "tools": decls}
