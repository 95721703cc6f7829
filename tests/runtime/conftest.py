"""Fixtures of the runtime tests: fast retry settings and a runner against the fake server."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from nexc.runtime.types import Settings  # noqa: E402

FAST = Settings(retry_base=0.01, retry_max_delay=0.5, request_timeout=5.0, max_retries=3)
SCHEMA = HERE.parents[1] / "specs" / "trajectory.schema.json"


@pytest.fixture
def settings() -> Settings:
    return Settings(**FAST.__dict__)


@pytest.fixture(scope="session")
def validator():
    import json

    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))


@pytest.fixture
def run_with(settings):
    """``run_with(agents, script, task="go", entry="main", **arun_kwargs) -> (result, server)``."""
    import helpers

    from nexc.api import CompiledFramework
    from nexc.testing import FakeOpenAI

    def go(agents, script, task="go", entry="main", skills=(), root_dir=".", profile="nexc", honour_stop=False, **kw):
        fw = CompiledFramework.from_ir(helpers.framework(agents, entry, skills=skills, profile=profile), root_dir,
                                       settings=settings)
        srv = FakeOpenAI(script, honour_stop=honour_stop)
        with srv as url:
            result = fw.run(task, base_url=url, api_key=kw.pop("api_key", "sk-test-key-000"), **kw)
        return result, srv

    return go
