"""Declarations of diagnostic codes, one module per range (``tests/core/test_code_ranges.py`` checks that
every registered code falls in a range listed here and every range listed has codes):

- ``NEX0xx`` input (files that cannot be read as specs)
- ``NEX1xx`` syntax (``.nex`` and YAML)
- ``NEX2xx`` structure (keys, types, values)
- ``NEX3xx`` names and references
- ``NEX4xx`` whole-framework checks (MCP tools and lockfiles included), static analysis and lint
- ``NEX5xx`` build outputs (what an emitter cannot write)
- ``NEX6xx`` compatibility (NexAU, NexA4A)
- ``NEX8xx`` GAP (taxonomies, personas, sampling stats, jobs, trajectories)
- ``NEX9xx`` internal errors

``NEX7xx`` is unused: formats, the runtime and datasets report through exceptions, observations and
drop reasons, not diagnostics.
"""
