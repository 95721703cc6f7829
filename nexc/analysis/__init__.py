"""Static analysis of a resolved framework: the delegation graph (reachability, cycles, depth and
fan-out), the worst-case number of LLM calls of one run, and the static context size of each agent.

:func:`nexc.analysis.report.analyse` gathers everything ``nexc analyse`` prints; the modules are
also used by the checks in :mod:`nexc.checks` and the passes in :mod:`nexc.optimise`.
"""
