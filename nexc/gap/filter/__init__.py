"""``nexc gap filter``: structural quality rules over GAP trajectories (issue 23, part 1).

:mod:`~nexc.gap.filter.model` (runs, steps, findings), :mod:`~nexc.gap.filter.registry` (rule ids, codes,
thresholds), one module per rule group (:mod:`~nexc.gap.filter.rules_turns`,
:mod:`~nexc.gap.filter.rules_tools`, :mod:`~nexc.gap.filter.rules_content`,
:mod:`~nexc.gap.filter.duplicates`), and :mod:`~nexc.gap.filter.runner` (inputs → kept/dropped/report).
"""
from nexc.gap.filter.registry import Config, rules, select
from nexc.gap.filter.runner import filter_paths

__all__ = ["Config", "filter_paths", "rules", "select"]
