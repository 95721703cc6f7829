"""An MCP server (low-level API) whose tools/list is paginated: ``python paged_server.py [N] [PAGE]``
offers tools ``t00``…``t{N-1}`` (default 25), ``PAGE`` per page (default 10); the cursor is the offset.
Each tool answers its own name and its argument ``x``. It logs every list request's cursor on stderr."""
import sys

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

N = int(sys.argv[1]) if len(sys.argv) > 1 else 25
PAGE = int(sys.argv[2]) if len(sys.argv) > 2 else 10
TOOLS = [types.Tool(name=f"t{i:02d}", description=f"Tool number {i}.",
                    input_schema={"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]})
         for i in range(N)]


async def list_tools(ctx, params):
    start = int(params.cursor) if params is not None and params.cursor else 0
    print(f"list cursor={start}", file=sys.stderr, flush=True)
    end = start + PAGE
    return types.ListToolsResult(tools=TOOLS[start:end], next_cursor=str(end) if end < N else None)


async def call_tool(ctx, params):
    x = (params.arguments or {}).get("x")
    return types.CallToolResult(content=[types.TextContent(type="text", text=f"{params.name} got {x}")])


server = Server("paged", version="0.1.0", on_list_tools=list_tools, on_call_tool=call_tool)


async def main():
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
