"""Make the repository importable when nexc is not installed (a plain checkout)."""
from __future__ import annotations

import sys
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
try:
    import nexc  # noqa: F401
except ImportError:
    sys.path.insert(0, str(_REPO))
