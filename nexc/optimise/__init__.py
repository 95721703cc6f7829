"""Optimisation passes, one per module, each a pure function ``optimise(fw, ctx) -> fw`` — the
:class:`nexc.pipeline.Optimisation` contract, enforced when the pipeline loads it — (the input is never
changed: IR nodes are frozen). Their order is :data:`nexc.pipeline.OPTIMISATIONS`; each has a golden
before/after test of its own name in ``tests/optimise`` (``test_pass_golden[<module>]``). Output is
deterministic: no pass iterates a set or depends on hash order, so results are byte-identical across runs and
``PYTHONHASHSEED`` values.
"""
