"""Compiler passes over the IR. Each module is one pass and is named like it (``resolve``, ``relocate``,
``simulate_missing``), as is its golden test (``tests/passes``; resolve's are the example IR snapshots);
:mod:`nexc.pipeline` holds their order."""
