"""The nexc version and the schema versions of the artefacts it writes (the one place for each; all ints)."""

__version__ = "0.1.0"

#: Version of the IR as written to ``manifest.json``; bump on any incompatible change. The manifest has
#: always written it as the string ``"1"``; ``nexc.emit.manifest`` keeps those bytes (``str(...)``).
IR_SCHEMA_VERSION = 1
#: Version of the dataset manifest ``dataset.yaml`` and of the sample encoding it describes.
DATASET_SCHEMA_VERSION = 1
#: Version of a bundle's ``sourcemap.json`` (generated line → spec span).
SOURCEMAP_VERSION = 1
#: Highest ``.nex`` language version this compiler reads.
LANGUAGE_VERSION = 1
#: Version of the MCP lockfile (``nexc.mcp.lock.json``).
MCP_LOCK_VERSION = 1
