from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    """``tests/dataset/fixtures``: recorded trajectories (runtime shape, NexGAP shape, bad records)."""
    return FIXTURES
