"""Shared test fixtures: the repository root and the shared data folder (skipped when absent)."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
EXAMPLES = REPO / "examples"


@pytest.fixture
def shared_dir() -> Path:
    """``../shared`` beside the repository; tests that need it skip when it is missing."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present beside the repository (real data for tests lives there)")
    return SHARED
