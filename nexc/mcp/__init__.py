"""MCP in nexc: one home for everything about Model Context Protocol servers.

- :mod:`~nexc.mcp.names`: the names MCP tools get (``server.tool``, stop names, ``deny`` policy);
- :mod:`~nexc.mcp.lockfile`: ``nexc.mcp.lock.json`` — read, validate, hash, write (``nexc mcp lock``),
  and the copy a bundle carries;
- :mod:`~nexc.mcp.errors`: :class:`McpUnavailable`, how servers and failures are described;
- :mod:`~nexc.mcp.transport`: what the SDK client connects to (stdio, streamable HTTP, SSE);
- :mod:`~nexc.mcp.client`: connections and per-run sessions (start, call, restart, stop);
- :mod:`~nexc.mcp.tools`: MCP tools as runtime tools (declarations, argument checks, observations).

The check of the lockfile (NEX417–421) is :mod:`nexc.checks.mcp_lock`; the command is
:mod:`nexc.commands.mcp`. Names and the lockfile are light (no SDK import); the client imports ``mcp``.
"""
