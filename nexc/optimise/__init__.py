"""Optimisation passes, one per module, each a pure function ``optimise(fw, ctx) -> fw`` (the input
is never changed: IR nodes are frozen). Their order is :data:`nexc.pipeline.OPTIMISATIONS`; each has a
golden before/after test in ``tests/optimize``. Output is deterministic: no pass iterates a set or
depends on hash order, so results are byte-identical across runs and ``PYTHONHASHSEED`` values.
"""
