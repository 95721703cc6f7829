"""Fixtures of the bundle tests (helpers live in bundle_support.py)."""
from bundle_support import built_examples  # noqa: F401
