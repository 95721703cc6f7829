"""``nexc lint`` machinery around the checks: inline suppressions (:mod:`.suppress`), configuration
from ``pyproject.toml`` ``[tool.nexc]`` (:mod:`.config`), rule selectors (:mod:`.selectors`) and the
driver that applies them to a run's diagnostics (:mod:`.run`). SARIF and GitHub renderers live with
the other renderers in :mod:`nexc.diagnostics.render`.
"""
