"""The compiler from many threads at once (A4A's and GAP's batches): the lazily loaded diagnostics registry
is never seen half-filled."""
from __future__ import annotations

import subprocess
import sys


def test_the_registry_loads_once_under_concurrent_first_use():
    code = """
import threading
from nexc.diagnostics import registry
errors = []
def use():
    try:
        assert registry.get("NEX900") is not None and registry.get("NEX301") is not None
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=use) for _ in range(16)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(errors))
"""
    for _ in range(5):  # a fresh process each time: first use is the moment that matters
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert out.stdout.strip() == "0", out.stdout + out.stderr
