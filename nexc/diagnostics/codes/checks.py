"""NEX4xx: whole-framework checks and lint rules."""
from nexc.diagnostics.registry import rule  # noqa: F401  (codes are declared below)
