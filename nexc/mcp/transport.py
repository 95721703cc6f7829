"""What :class:`mcp.Client` connects to for one declared MCP server: stdio parameters, a streamable-HTTP
URL, or an SSE / header-carrying HTTP transport. Values are resolved (``env(...)``) here, at start."""
from __future__ import annotations

import os

from nexc.mcp.errors import McpUnavailable, debug_errlog


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


def target(s, root_dir: str | None, resolve):
    """The ``mcp.Client`` argument for server ``s`` (``resolve`` reads ``env(...)`` values)."""
    if s.transport == "stdio":
        from mcp.client.stdio import StdioServerParameters, get_default_environment, stdio_client

        command = resolve(s.command)
        if not command:
            raise McpUnavailable(f"MCP server '{s.name}' has no command")
        env = get_default_environment()
        env.update({k: str(resolve(v) or "") for k, v in s.env.items()})
        cwd = s.cwd
        if cwd and root_dir and not os.path.isabs(cwd):
            cwd = os.path.join(root_dir, cwd)
        params = StdioServerParameters(command=str(command), args=[str(resolve(a)) for a in s.args], env=env,
                                       cwd=cwd or root_dir)
        errlog = debug_errlog()
        return _TransportAdapter(lambda: stdio_client(params, errlog=errlog))
    url = resolve(s.url)
    if not url:
        raise McpUnavailable(f"MCP server '{s.name}' has no url")
    headers = {k: str(resolve(v) or "") for k, v in s.headers.items()}
    if s.transport == "sse":
        from mcp.client.sse import sse_client

        return _TransportAdapter(lambda: sse_client(str(url), headers=headers or None))
    if headers:
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        return _TransportAdapter(lambda: streamable_http_client(str(url), http_client=httpx2.AsyncClient(headers=headers)))
    return str(url)
