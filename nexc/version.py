"""The nexc version and the schema versions of the artefacts it writes."""

__version__ = "0.1.0"

#: Version of the IR as written to ``manifest.json``; bump on any incompatible change.
IR_SCHEMA_VERSION = "1"
#: Highest ``.nex`` language version this compiler reads.
LANGUAGE_VERSION = 1
#: Version of the MCP lockfile (``nexc.mcp.lock.json``).
MCP_LOCK_VERSION = 1
