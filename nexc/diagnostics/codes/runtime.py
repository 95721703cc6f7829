"""NEX5xx (MCP) and NEX7xx (formats, runtime, datasets)."""
from nexc.diagnostics.registry import rule  # noqa: F401  (codes are declared below)
