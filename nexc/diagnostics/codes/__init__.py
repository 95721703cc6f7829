"""Declarations of diagnostic codes, one module per range:

- ``NEX0xx`` input (files that cannot be read as specs)
- ``NEX1xx`` syntax (``.nex`` and YAML)
- ``NEX2xx`` structure (keys, types, values)
- ``NEX3xx`` names and references
- ``NEX4xx`` whole-framework checks and lint
- ``NEX5xx`` MCP
- ``NEX6xx`` compatibility (NexAU, NexA4A)
- ``NEX7xx`` formats, runtime and datasets
- ``NEX8xx`` GAP inputs (taxonomies, personas, sampling stats, jobs)
- ``NEX9xx`` internal errors
"""
